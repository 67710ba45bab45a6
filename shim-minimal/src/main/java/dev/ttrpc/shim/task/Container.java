package dev.ttrpc.shim.task;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.backend.ContainerRuntime;
import dev.ttrpc.shim.io.ProcessIo;
import dev.ttrpc.shim.io.Stdio;
import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One container: its init process, its exec processes, and the state machines and error texts of
 * containerd's runc shim (method × state), over a backend's {@link ContainerRuntime}.
 *
 * <p>Thread-safe, with one lock: the container's monitor guards the processes, their states and
 * the publishing of events, and no other lock is held while taking it (a {@link ProcessRecord}'s
 * own monitor is only taken inside it, and never calls out). Requests and exits both take it, so
 * an exit reported while a request runs (e.g. an exec Start calling {@code runc exec}) waits for
 * that request instead of overtaking its event. Waiting for I/O to drain and for the init's
 * TaskExit happens outside the lock.
 *
 * <p>Events follow the rules of {@link EventOrder}, which also says how each is kept here.
 *
 * <p>An exit may be reported before the backend has returned the pid it belongs to (the process
 * ended at once); such exits are kept by pid (at most {@value #MAX_UNMATCHED_EXITS}) and applied
 * when the pid is recorded.
 */
public final class Container {
  private static final Logger LOG = LoggerFactory.getLogger(Container.class);
  private static final Duration IO_DRAIN = Duration.ofSeconds(2);
  static final int MAX_UNMATCHED_EXITS = 64;
  /** Polls cgroups for OOM kills of any process of a running container (not only its init). */
  private static final java.util.concurrent.ScheduledExecutorService OOM_POLLER =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("oom-poller").unstarted(r));

  private final String id;
  private final Path bundle;
  private final ContainerRuntime runtime;
  private final Consumer<TaskEvent> events;
  private final ProcessRecord init;
  private final Map<String, ProcessRecord> execs = new LinkedHashMap<>();
  /** Exits of pids not recorded yet, oldest first: pid → exit. Guarded by {@code this}. */
  private final Map<Integer, ProcessRecord.Exit> unmatchedExits = new LinkedHashMap<>();
  private final CompletableFuture<Void> initExitPublished = new CompletableFuture<>();
  private volatile boolean deleted;
  private volatile java.util.concurrent.ScheduledFuture<?> oomPoll;

  private Container(
      String id, Path bundle, Stdio stdio, ContainerRuntime runtime, Consumer<TaskEvent> events) {
    this.id = requireNonNull(id, "id");
    this.bundle = requireNonNull(bundle, "bundle");
    this.runtime = requireNonNull(runtime, "runtime");
    this.events = requireNonNull(events, "events");
    this.init = new ProcessRecord("", stdio, null);
  }

  /**
   * Creates the container through the backend and publishes TaskCreate. {@code runtimeFactory}
   * receives the exit listener the backend must report exits to.
   */
  public static Container create(
      String id,
      Path bundle,
      Stdio stdio,
      List<TaskEvent.Mount> rootfs,
      RuntimeSupplier runtimeFactory,
      Consumer<TaskEvent> events)
      throws Exception {
    java.util.concurrent.atomic.AtomicReference<Container> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    ContainerRuntime runtime =
        runtimeFactory.create((pid, status) -> self.get().onExit(pid, status, Instant.now()));
    Container c = new Container(id, bundle, stdio, runtime, events);
    self.set(c);
    ContainerRuntime.Spawned s = runtime.create(stdio);
    synchronized (c) {
      c.init.spawned(s.pid(), s.io());
      events.accept(new TaskEvent.Created(id, bundle.toString(), rootfs, stdio, "", s.pid()));
      c.applyUnmatchedExit(s.pid());
    }
    return c;
  }

  /** Builds a container's backend around the exit listener the backend must report to. */
  @FunctionalInterface
  public interface RuntimeSupplier {
    ContainerRuntime create(ContainerRuntime.ExitListener exits) throws Exception;
  }

  public String id() {
    return id;
  }

  public Path bundle() {
    return bundle;
  }

  public ProcessRecord init() {
    return init;
  }

  /** The process for {@code execId} ("" = init), or NotFound. */
  public synchronized ProcessRecord process(String execId) {
    if (execId.isEmpty()) {
      return init;
    }
    ProcessRecord p = execs.get(execId);
    if (p == null) {
      throw TaskException.notFound("process does not exist " + execId);
    }
    return p;
  }

  /** The state to report for a process: an exec shows its container's pause state. */
  public ProcessState reportedState(ProcessRecord p) {
    ProcessState s = p.state();
    if (p != init && s == ProcessState.RUNNING) {
      ProcessState is = init.state();
      if (is == ProcessState.PAUSED || is == ProcessState.PAUSING) {
        return is;
      }
    }
    return s;
  }

  // ---- requests ------------------------------------------------------------------------------

  public synchronized int start(String execId) throws Exception {
    ProcessRecord p = process(execId);
    ProcessState s = p.state();
    if (s != ProcessState.CREATED) {
      throw TaskException.unknown("cannot start a " + s.word() + " process");
    }
    if (p == init) {
      runtime.start();
      p.state(ProcessState.RUNNING);
      events.accept(new TaskEvent.Started(id, p.pid()));
      oomPoll = OOM_POLLER.scheduleWithFixedDelay(this::pollOom, 1, 1, TimeUnit.SECONDS);
      return p.pid();
    }
    ProcessState is = init.state();
    if (is != ProcessState.RUNNING && is != ProcessState.CREATED) {
      throw TaskException.unknown("cannot start an exec in a " + is.word() + " container");
    }
    ContainerRuntime.Spawned sp = runtime.exec(execId, p.spec(), p.stdio());
    p.spawned(sp.pid(), sp.io());
    if (p.state() == ProcessState.CREATED) {
      p.state(ProcessState.RUNNING);
    }
    events.accept(new TaskEvent.ExecStarted(id, execId, sp.pid()));
    applyUnmatchedExit(sp.pid());
    return p.pid();
  }

  public synchronized void exec(String execId, byte[] processJson, Stdio stdio) {
    if (execId.isEmpty()) {
      throw new TaskException(TaskException.Code.INVALID_ARGUMENT, "exec id must not be empty");
    }
    if (execs.containsKey(execId)) {
      throw new TaskException(TaskException.Code.ALREADY_EXISTS, "id " + execId);
    }
    ProcessState is = init.state();
    if (is != ProcessState.CREATED && is != ProcessState.RUNNING) {
      throw TaskException.unknown("cannot exec in a " + is.word() + " state");
    }
    execs.put(execId, new ProcessRecord(execId, stdio, processJson));
    events.accept(new TaskEvent.ExecAdded(id, execId));
  }

  public synchronized void kill(String execId, int signal, boolean all) throws Exception {
    ProcessRecord p = process(execId);
    ProcessState s = p.state();
    if (p == init) {
      if (s == ProcessState.DELETED) {
        throw TaskException.notFound("cannot kill a deleted process");
      }
      if (s == ProcessState.STOPPED && !all) {
        throw TaskException.notFound("process already finished");
      }
      try {
        runtime.kill(signal, all);
      } catch (TaskException e) {
        if (init.state() == ProcessState.STOPPED) {
          throw TaskException.notFound("process already finished");
        }
        throw e;
      }
      return;
    }
    switch (s) {
      case CREATED -> throw TaskException.failedPrecondition("process not created");
      case STOPPED -> throw TaskException.notFound("process already finished");
      default -> {
        try {
          runtime.killExec(p.pid(), signal);
        } catch (ErrnoException e) {
          if (e.errno() == Errno.ESRCH) {
            throw TaskException.notFound("process already finished");
          }
          throw e;
        }
      }
    }
  }

  /** Deletes a process; for init, the whole container. Returns the recorded exit. */
  public ProcessRecord.Exit delete(String execId) throws Exception {
    ProcessRecord p;
    synchronized (this) {
      p = process(execId);
      ProcessState s = p.state();
      if (s == ProcessState.RUNNING || s == ProcessState.PAUSED || s == ProcessState.PAUSING) {
        throw TaskException.unknown(
            "cannot delete a " + (s == ProcessState.RUNNING ? "running" : "paused") + " process");
      }
      if (s == ProcessState.DELETED) {
        throw TaskException.notFound("cannot delete a deleted process");
      }
      if (p != init) {
        execs.remove(execId);
        closeIo(p, s == ProcessState.STOPPED);
        return p.exitOrNone();
      }
    }
    if (p.state() == ProcessState.STOPPED) {
      // TaskExit must be queued before TaskDelete; it can lag behind Wait by a moment.
      try {
        initExitPublished.get(15, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        LOG.warn("exit event of {} not published before delete", id);
      }
    }
    synchronized (this) {
      if (deleted) {
        throw TaskException.notFound("container not created");
      }
      deleted = true;
      p.state(ProcessState.DELETED);
    }
    closeIo(p, true);
    runtime.delete();
    ProcessRecord.Exit e = p.exitOrNone();
    events.accept(
        new TaskEvent.Deleted(
            id, e.pid(), e.status(), e.exitedAt() != null ? e.exitedAt() : Instant.now()));
    return e;
  }

  private static void closeIo(ProcessRecord p, boolean drain) throws InterruptedException {
    ProcessIo io = p.io();
    if (io != null) {
      if (drain) {
        io.awaitDrained(IO_DRAIN);
      }
      io.close();
    }
  }

  public synchronized void pause() throws Exception {
    ProcessState s = init.state();
    switch (s) {
      case RUNNING -> {}
      case CREATED -> throw TaskException.unknown("cannot pause task in created state");
      case PAUSED, PAUSING -> throw TaskException.unknown("cannot pause a paused container");
      case STOPPED -> throw TaskException.unknown("cannot pause a stopped container");
      default -> throw TaskException.unknown("cannot pause a deleted process");
    }
    init.state(ProcessState.PAUSING);
    try {
      runtime.pause();
    } catch (Exception e) {
      compareAndSetInit(ProcessState.PAUSING, ProcessState.RUNNING);
      throw e;
    }
    compareAndSetInit(ProcessState.PAUSING, ProcessState.PAUSED);
    events.accept(new TaskEvent.Paused(id));
  }

  public synchronized void resume() throws Exception {
    ProcessState s = init.state();
    switch (s) {
      case PAUSED -> {}
      case CREATED -> throw TaskException.unknown("cannot resume task in created state");
      case RUNNING, PAUSING -> throw TaskException.unknown("cannot resume a running process");
      case STOPPED -> throw TaskException.unknown("cannot resume a stopped container");
      default -> throw TaskException.unknown("cannot resume a deleted process");
    }
    runtime.resume();
    compareAndSetInit(ProcessState.PAUSED, ProcessState.RUNNING);
    events.accept(new TaskEvent.Resumed(id));
  }

  private void compareAndSetInit(ProcessState expected, ProcessState next) {
    synchronized (init) {
      if (init.state() == expected) {
        init.state(next);
      }
    }
  }

  /** Host pids with the exec id of those that belong to exec processes. */
  public synchronized Map<Integer, String> pids() throws Exception {
    Map<Integer, String> out = new LinkedHashMap<>();
    if (init.state() == ProcessState.STOPPED || init.state() == ProcessState.DELETED) {
      return out;
    }
    Map<Integer, String> execPids = new LinkedHashMap<>();
    for (ProcessRecord p : execs.values()) {
      if (p.pid() > 0) {
        execPids.put(p.pid(), p.execId());
      }
    }
    for (int pid : runtime.pids()) {
      out.put(pid, execPids.getOrDefault(pid, ""));
    }
    return out;
  }

  public synchronized ContainerRuntime.Stats stats() throws Exception {
    return runtime.stats();
  }

  public synchronized void update(byte[] resourcesJson) throws Exception {
    ProcessState s = init.state();
    if (s == ProcessState.STOPPED) {
      throw TaskException.unknown("cannot update a stopped container");
    }
    if (s == ProcessState.DELETED) {
      throw TaskException.unknown("cannot update a deleted process");
    }
    runtime.update(resourcesJson);
  }

  public synchronized void checkpoint(String path, byte[] options) throws Exception {
    ProcessState s = init.state();
    switch (s) {
      case RUNNING, PAUSED -> runtime.checkpoint(path, options);
      case CREATED -> throw TaskException.unknown("cannot checkpoint a task in created state");
      case STOPPED -> throw TaskException.unknown("cannot checkpoint a stopped container");
      default -> throw TaskException.unknown("cannot checkpoint a " + s.word() + " process");
    }
  }

  public void resizePty(String execId, int width, int height) throws Exception {
    ProcessRecord p = process(execId);
    if (p != init && p.state() == ProcessState.STOPPED) {
      throw TaskException.unknown("cannot resize a stopped container");
    }
    ProcessIo io = p.io();
    if (io != null) {
      io.resize(width, height);
    }
  }

  public void closeIo(String execId) {
    ProcessRecord p;
    try {
      p = process(execId);
    } catch (TaskException e) {
      // CloseIO's errors are not mapped to codes in the reference shim.
      throw TaskException.unknown(e.getMessage() + ": not found");
    }
    ProcessIo io = p.io();
    if (io != null) {
      io.closeStdin();
    }
  }

  public CompletableFuture<ProcessRecord.Exit> waitFor(String execId) {
    return process(execId).exit();
  }

  // ---- exits ---------------------------------------------------------------------------------

  private synchronized void pollOom() {
    if (!deleted && !init.exit().isDone() && runtime.oomKilled()) {
      events.accept(new TaskEvent.Oom(id));
    }
  }

  /** Applies an exit that arrived before {@code pid} was recorded. Caller holds {@code this}. */
  private void applyUnmatchedExit(int pid) {
    ProcessRecord.Exit early = unmatchedExits.remove(pid);
    if (early != null) {
      onExit(pid, early.status(), early.exitedAt());
    }
  }

  private void onExit(int pid, int status, Instant now) {
    ProcessRecord p = null;
    List<ProcessRecord> runningExecs = new ArrayList<>();
    synchronized (this) {
      if (init.pid() == pid) {
        p = init;
      } else {
        for (ProcessRecord e : execs.values()) {
          if (e.pid() == pid && !e.exit().isDone()) {
            p = e;
          }
        }
      }
      if (p == null) {
        if (!deleted) {
          LOG.debug("exit of pid {} in {} before its pid was recorded; kept", pid, id);
          unmatchedExits.put(pid, new ProcessRecord.Exit(pid, status, now));
          if (unmatchedExits.size() > MAX_UNMATCHED_EXITS) {
            unmatchedExits.remove(unmatchedExits.keySet().iterator().next());
          }
        }
        return;
      }
      if (p == init) {
        if (init.state() == ProcessState.PAUSED) {
          try {
            runtime.resume();
          } catch (Exception e) {
            LOG.debug("resume after exit of paused {}", id, e);
          }
        }
        if (!deleted && runtime.oomKilled()) {
          events.accept(new TaskEvent.Oom(id));
        }
        for (ProcessRecord e : execs.values()) {
          if (e.pid() > 0 && !e.exit().isDone()) {
            runningExecs.add(e);
          }
        }
      }
      if (!p.recordExit(status, now)) {
        return;
      }
      if (p != init) {
        events.accept(new TaskEvent.Exited(id, p.execId(), pid, status, now));
        return;
      }
    }
    java.util.concurrent.ScheduledFuture<?> poll = oomPoll;
    if (poll != null) {
      poll.cancel(false);
    }
    runtime.initExited();
    if (deleted) {
      initExitPublished.complete(null);
      return;
    }
    TaskEvent.Exited initExit = new TaskEvent.Exited(id, id, pid, status, now);
    // The init's exit is published last: after the exits of execs still running.
    CompletableFuture.allOf(
            runningExecs.stream().map(ProcessRecord::exit).toArray(CompletableFuture[]::new))
        .completeOnTimeout(null, 10, TimeUnit.SECONDS)
        // Async: an exec's exit completes its future while it still holds the lock, before
        // publishing its own TaskExit; the init's exit must queue behind that.
        .whenCompleteAsync(
            (v, t) -> {
              synchronized (this) {
                events.accept(initExit);
              }
              initExitPublished.complete(null);
            });
  }
}
