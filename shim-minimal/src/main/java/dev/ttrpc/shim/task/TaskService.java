package dev.ttrpc.shim.task;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.proto.containerd.runc.v1.ProcessDetails;
import dev.ttrpc.proto.containerd.task.v2.CheckpointTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.CloseIORequest;
import dev.ttrpc.proto.containerd.task.v2.ConnectRequest;
import dev.ttrpc.proto.containerd.task.v2.ConnectResponse;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskResponse;
import dev.ttrpc.proto.containerd.task.v2.DeleteRequest;
import dev.ttrpc.proto.containerd.task.v2.DeleteResponse;
import dev.ttrpc.proto.containerd.task.v2.ExecProcessRequest;
import dev.ttrpc.proto.containerd.task.v2.KillRequest;
import dev.ttrpc.proto.containerd.task.v2.PauseRequest;
import dev.ttrpc.proto.containerd.task.v2.PidsRequest;
import dev.ttrpc.proto.containerd.task.v2.PidsResponse;
import dev.ttrpc.proto.containerd.task.v2.ResizePtyRequest;
import dev.ttrpc.proto.containerd.task.v2.ResumeRequest;
import dev.ttrpc.proto.containerd.task.v2.ShutdownRequest;
import dev.ttrpc.proto.containerd.task.v2.StartRequest;
import dev.ttrpc.proto.containerd.task.v2.StartResponse;
import dev.ttrpc.proto.containerd.task.v2.StateRequest;
import dev.ttrpc.proto.containerd.task.v2.StateResponse;
import dev.ttrpc.proto.containerd.task.v2.StatsRequest;
import dev.ttrpc.proto.containerd.task.v2.StatsResponse;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.proto.containerd.task.v2.UpdateTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.WaitRequest;
import dev.ttrpc.proto.containerd.task.v2.WaitResponse;
import dev.ttrpc.proto.containerd.v1.types.ProcessInfo;
import dev.ttrpc.shim.EventPublisher;
import dev.ttrpc.shim.Json;
import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.backend.ContainerRuntime;
import dev.ttrpc.shim.io.Stdio;
import dev.ttrpc.shim.sys.Libc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code containerd.task.v2.Task} on top of the container model: maps requests onto {@link
 * Container}s, creates each container's backend through a {@link ContainerRuntime.Factory}, and
 * maps every failure onto the status code containerd expects.
 *
 * <p>Thread-safe; requests run concurrently. Create holds the service lock for its whole
 * duration (as the runc shim does), so lookups wait for a Create in progress.
 */
public final class TaskService implements TaskTtrpc.Service {
  private static final Logger LOG = LoggerFactory.getLogger(TaskService.class);

  private final String namespace;
  private final Consumer<TaskEvent> events;
  private final Runnable shutdown;
  private final ContainerRuntime.Factory backends;
  private final CleanDeleteRecorder cleanDeletes;
  private final Map<String, Container> containers = new LinkedHashMap<>();

  /** Told about every container whose Delete finished cleanly (see {@link dev.ttrpc.shim.ShimDaemon#recordCleanDelete}). */
  @FunctionalInterface
  public interface CleanDeleteRecorder {
    void cleanDelete(Path bundle, String id, DeleteResponse response, int callerPid);
  }

  /**
   * @param namespace the containerd namespace ({@code -namespace})
   * @param events where task events go
   * @param shutdown stops the daemon (called by Shutdown when no container is left)
   * @param backends builds the backend of each new container
   */
  public TaskService(
      String namespace,
      Consumer<TaskEvent> events,
      Runnable shutdown,
      ContainerRuntime.Factory backends) {
    this(namespace, events, shutdown, backends, (bundle, id, response, callerPid) -> {});
  }

  /**
   * @param cleanDeletes told after each container's clean Delete, with the reply (the daemon
   *     records it so that containerd's {@code delete} action that follows is cheap)
   */
  public TaskService(
      String namespace,
      Consumer<TaskEvent> events,
      Runnable shutdown,
      ContainerRuntime.Factory backends,
      CleanDeleteRecorder cleanDeletes) {
    this.namespace = requireNonNull(namespace, "namespace");
    this.events = requireNonNull(events, "events");
    this.shutdown = requireNonNull(shutdown, "shutdown");
    this.backends = requireNonNull(backends, "backends");
    this.cleanDeletes = requireNonNull(cleanDeletes, "cleanDeletes");
  }

  /** Events to a publisher, as protobuf messages. */
  public static Consumer<TaskEvent> publishTo(EventPublisher publisher) {
    return e -> publisher.publish(e.topic(), EventMessages.toProto(e));
  }

  private synchronized Container container(String id) {
    Container c = containers.get(id);
    if (c == null) {
      throw new StatusException(Status.of(Status.Code.NOT_FOUND, "container not created"));
    }
    return c;
  }

  /** Runs a handler body, translating failures into statuses. */
  private static <T> T call(String what, Body<T> body) {
    LOG.debug(what);
    try {
      return body.run();
    } catch (StatusException e) {
      LOG.debug(what + " failed: " + e.getMessage());
      throw e;
    } catch (TaskException e) {
      LOG.debug(what + " failed: " + e.code() + " " + e.getMessage());
      throw new StatusException(
          Status.of(Status.Code.forValue(e.code().value()), e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StatusException(Status.of(Status.Code.CANCELLED, what + " interrupted"), e);
    } catch (Exception e) {
      LOG.debug(what + " failed", e);
      String msg = e.getMessage() != null ? e.getMessage() : e.toString();
      throw new StatusException(Status.of(Status.Code.UNKNOWN, msg), e);
    }
  }

  /** " exec=<id>" for requests about an exec process, else "". */
  private static String execSuffix(String execId) {
    return execId.isEmpty() ? "" : " exec=" + execId;
  }

  @FunctionalInterface
  private interface Body<T> {
    T run() throws Exception;
  }

  private static Timestamp ts(Instant t) {
    return t == null ? Timestamp.getDefaultInstance() : EventPublisher.timestamp(t);
  }

  // ---- Create ---------------------------------------------------------------------------------

  @Override
  public synchronized CreateTaskResponse create(CreateTaskRequest r, ServerCallContext context) {
    return call("create " + r.getId(), () -> {
      if (containers.containsKey(r.getId())) {
        throw new TaskException(TaskException.Code.ALREADY_EXISTS, "id " + r.getId());
      }
      if (!r.getCheckpoint().isEmpty()) {
        throw TaskException.unimplemented("restoring from a checkpoint is not supported");
      }
      Path bundle = Path.of(r.getBundle());
      // A new task in this bundle: no earlier task's clean delete may speak for it.
      Files.deleteIfExists(bundle.resolve(dev.ttrpc.shim.ShimRecords.DELETED_FILE));
      Map<String, Object> spec =
          Json.parseObject(Files.readString(bundle.resolve("config.json"), StandardCharsets.UTF_8));
      Map<String, String> annotations = new LinkedHashMap<>();
      Json.object(spec, "annotations").forEach((k, v) -> annotations.put(k, String.valueOf(v)));
      List<TaskEvent.Mount> rootfs =
          r.getRootfsList().stream()
              .map(m -> new TaskEvent.Mount(m.getType(), m.getSource(), m.getTarget(),
                  m.getOptionsList()))
              .toList();
      ContainerRuntime.CreateRequest request =
          new ContainerRuntime.CreateRequest(
              namespace, r.getId(), bundle, spec, annotations,
              r.hasOptions() ? r.getOptions() : null, rootfs);
      Stdio stdio = new Stdio(r.getStdin(), r.getStdout(), r.getStderr(), r.getTerminal());
      Container c =
          Container.create(
              r.getId(), bundle, stdio, rootfs, exits -> backends.create(request, exits), events);
      containers.put(r.getId(), c);
      return CreateTaskResponse.newBuilder().setPid(c.init().pid()).build();
    });
  }

  // ---- the rest ------------------------------------------------------------------------------

  @Override
  public StateResponse state(StateRequest r, ServerCallContext context) {
    return call("state " + r.getId() + execSuffix(r.getExecId()), () -> {
      Container c = container(r.getId());
      ProcessRecord p = c.process(r.getExecId());
      ProcessRecord.Exit exit = p.exitOrNone();
      StateResponse.Builder b =
          StateResponse.newBuilder()
              .setId(p.execId().isEmpty() ? c.id() : p.execId())
              .setBundle(c.bundle().toString())
              .setPid(p.pid())
              .setStatusValue(c.reportedState(p).wireValue())
              .setStdin(p.stdio().stdin())
              .setStdout(p.stdio().stdout())
              .setStderr(p.stdio().stderr())
              .setTerminal(p.stdio().terminal())
              .setExitStatus(exit.status());
      if (exit.exitedAt() != null) {
        b.setExitedAt(ts(exit.exitedAt()));
      }
      return b.build();
    });
  }

  @Override
  public StartResponse start(StartRequest r, ServerCallContext context) {
    return call("start " + r.getId() + execSuffix(r.getExecId()), () -> {
      int pid = container(r.getId()).start(r.getExecId());
      return StartResponse.newBuilder().setPid(pid).build();
    });
  }

  @Override
  public DeleteResponse delete(DeleteRequest r, ServerCallContext context) {
    return call("delete " + r.getId() + execSuffix(r.getExecId()), () -> {
      Container c = container(r.getId());
      ProcessRecord.Exit e = c.delete(r.getExecId());
      DeleteResponse response =
          DeleteResponse.newBuilder()
              .setPid(e.pid())
              .setExitStatus(e.status())
              .setExitedAt(ts(e.exitedAt() != null ? e.exitedAt() : Instant.now()))
              .build();
      if (r.getExecId().isEmpty()) {
        synchronized (this) {
          containers.remove(r.getId());
        }
        cleanDeletes.cleanDelete(c.bundle(), r.getId(), response, context.peer().pid());
      }
      return response;
    });
  }

  @Override
  public PidsResponse pids(PidsRequest r, ServerCallContext context) {
    return call("pids " + r.getId(), () -> {
      PidsResponse.Builder b = PidsResponse.newBuilder();
      container(r.getId()).pids().forEach((pid, execId) -> {
        ProcessInfo.Builder info = ProcessInfo.newBuilder().setPid(pid);
        if (!execId.isEmpty()) {
          info.setInfo(
              EventPublisher.anyOf(ProcessDetails.newBuilder().setExecId(execId).build()));
        }
        b.addProcesses(info);
      });
      return b.build();
    });
  }

  @Override
  public Empty pause(PauseRequest r, ServerCallContext context) {
    return call("pause " + r.getId(), () -> {
      container(r.getId()).pause();
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public Empty resume(ResumeRequest r, ServerCallContext context) {
    return call("resume " + r.getId(), () -> {
      container(r.getId()).resume();
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public Empty checkpoint(CheckpointTaskRequest r, ServerCallContext context) {
    return call("checkpoint " + r.getId(), () -> {
      container(r.getId())
          .checkpoint(r.getPath(), r.hasOptions() ? r.getOptions().getValue().toByteArray() : null);
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public Empty kill(KillRequest r, ServerCallContext context) {
    return call("kill " + r.getId() + execSuffix(r.getExecId()), () -> {
      container(r.getId()).kill(r.getExecId(), r.getSignal(), r.getAll());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public Empty exec(ExecProcessRequest r, ServerCallContext context) {
    return call("exec " + r.getId() + execSuffix(r.getExecId()), () -> {
      container(r.getId())
          .exec(
              r.getExecId(),
              r.getSpec().getValue().toByteArray(),
              new Stdio(r.getStdin(), r.getStdout(), r.getStderr(), r.getTerminal()));
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public Empty resizePty(ResizePtyRequest r, ServerCallContext context) {
    return call("resizePty " + r.getId() + execSuffix(r.getExecId()), () -> {
      container(r.getId()).resizePty(r.getExecId(), r.getWidth(), r.getHeight());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public Empty closeIO(CloseIORequest r, ServerCallContext context) {
    return call("closeIO " + r.getId() + execSuffix(r.getExecId()), () -> {
      if (r.getStdin()) {
        container(r.getId()).closeIo(r.getExecId());
      }
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public Empty update(UpdateTaskRequest r, ServerCallContext context) {
    return call("update " + r.getId(), () -> {
      container(r.getId()).update(r.getResources().getValue().toByteArray());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public WaitResponse wait(WaitRequest r, ServerCallContext context) {
    return call("wait " + r.getId() + execSuffix(r.getExecId()), () -> {
      ProcessRecord.Exit e;
      try {
        e = container(r.getId()).waitFor(r.getExecId()).get();
      } catch (ExecutionException ex) {
        throw TaskException.unknown(String.valueOf(ex.getCause()));
      }
      return WaitResponse.newBuilder()
          .setExitStatus(e.status())
          .setExitedAt(ts(e.exitedAt()))
          .build();
    });
  }

  @Override
  public StatsResponse stats(StatsRequest r, ServerCallContext context) {
    return call("stats " + r.getId(), () -> {
      ContainerRuntime.Stats s = container(r.getId()).stats();
      return StatsResponse.newBuilder()
          .setStats(Any.newBuilder().setTypeUrl(s.typeUrl())
              .setValue(com.google.protobuf.ByteString.copyFrom(s.value())))
          .build();
    });
  }

  @Override
  public ConnectResponse connect(ConnectRequest r, ServerCallContext context) {
    return call("connect " + r.getId(), () -> {
      Container c;
      synchronized (this) {
        c = containers.get(r.getId());
      }
      return ConnectResponse.newBuilder()
          .setShimPid(Libc.getpid())
          .setTaskPid(c != null ? c.init().pid() : 0)
          .build();
    });
  }

  @Override
  public Empty shutdown(ShutdownRequest r, ServerCallContext context) {
    synchronized (this) {
      if (!containers.isEmpty()) {
        return Empty.getDefaultInstance();
      }
    }
    shutdown.run();
    return Empty.getDefaultInstance();
  }
}
