package dev.ttrpc.shim.minimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsTtrpc;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.ForwardRequest;
import dev.ttrpc.proto.containerd.task.v2.ConnectRequest;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.DeleteRequest;
import dev.ttrpc.proto.containerd.task.v2.ShutdownRequest;
import dev.ttrpc.proto.containerd.task.v2.StartRequest;
import dev.ttrpc.proto.containerd.task.v2.StateRequest;
import dev.ttrpc.proto.containerd.task.v2.StateResponse;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.proto.containerd.task.v2.WaitRequest;
import dev.ttrpc.shim.ShimSockets;
import dev.ttrpc.shim.ShimStart;
import dev.ttrpc.shim.sys.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole daemon without containerd: {@code start}'s spawn with the listener on fd 3, the Task
 * service over ttRPC (process backend, real processes), events to a stand-in for containerd's
 * Events service, and Shutdown ending the daemon.
 */
class MinimalShimDaemonTest {
  @TempDir Path dir;

  @Test
  void createStartWaitDeleteShutdownOverTtrpc() throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Path out = dir.resolve("out.log");
    Files.writeString(
        bundle.resolve("config.json"),
        "{\"root\":{\"path\":\"/\"},\"process\":{\"cwd\":\"/\",\"env\":[\"PATH=/usr/bin:/bin\"],"
            + "\"args\":[\"/bin/sh\",\"-c\",\"echo from-daemon; exit 7\"]},"
            + "\"annotations\":{\"" + ShimConfig.BACKEND_ANNOTATION + "\":\"process\"}}");
    List<String> topics = new CopyOnWriteArrayList<>();
    String events = "unix://" + dir.resolve("events.sock");
    TtrpcServer containerd =
        TtrpcServer.builder()
            .addService(
                EventsTtrpc.bindService(
                    new EventsTtrpc.Service() {
                      @Override
                      public Empty forward(ForwardRequest r, ServerCallContext c) {
                        topics.add(r.getEnvelope().getTopic());
                        return Empty.getDefaultInstance();
                      }
                    }))
            .build()
            .start(events);

    String address = "unix://" + dir.resolve("s").resolve("shim.sock");
    Map<String, String> env = new LinkedHashMap<>(System.getenv());
    env.put("TTRPC_ADDRESS", events);
    env.put("MINIMAL_SHIM_CONFIG", dir.resolve("none.toml").toString());
    List<String> java =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                MinimalShim.class.getName()));
    ShimStart.Result started =
        ShimStart.start(
            bundle, address, java,
            List.of("-namespace", "test", "-id", "c1", "-address", "/unused.sock"), env, a -> a);
    try (TtrpcClient client = TtrpcClient.connect(address)) {
      TaskTtrpc.TaskStub task = TaskTtrpc.newStub(client).withTimeout(Duration.ofSeconds(30));
      int pid =
          task.create(
                  CreateTaskRequest.newBuilder()
                      .setId("c1")
                      .setBundle(bundle.toString())
                      .setStdout("file://" + out)
                      .setStderr("file://" + out)
                      .build())
              .getPid();
      assertTrue(pid > 0);
      assertEquals(started.daemonPid(),
          task.connect(ConnectRequest.newBuilder().setId("c1").build()).getShimPid());
      StateResponse created = task.state(StateRequest.newBuilder().setId("c1").build());
      assertEquals(dev.ttrpc.proto.containerd.v1.types.Status.CREATED, created.getStatus());
      assertEquals("file://" + out, created.getStdout());

      CompletableFuture<dev.ttrpc.proto.containerd.task.v2.WaitResponse> wait =
          task.waitAsync(WaitRequest.newBuilder().setId("c1").build());
      assertFalse(wait.isDone());
      assertEquals(pid, task.start(StartRequest.newBuilder().setId("c1").build()).getPid());
      assertEquals(7, wait.get(30, TimeUnit.SECONDS).getExitStatus());
      StateResponse stopped = task.state(StateRequest.newBuilder().setId("c1").build());
      assertEquals(dev.ttrpc.proto.containerd.v1.types.Status.STOPPED, stopped.getStatus());
      assertEquals(7, stopped.getExitStatus());

      // containerd 2.x speaks task v3: the same state machine answers under that name.
      dev.ttrpc.proto.containerd.task.v3.TaskTtrpc.TaskStub v3 =
          dev.ttrpc.proto.containerd.task.v3.TaskTtrpc.newStub(client)
              .withTimeout(Duration.ofSeconds(30));
      dev.ttrpc.proto.containerd.task.v3.StateResponse stoppedV3 =
          v3.state(dev.ttrpc.proto.containerd.task.v3.StateRequest.newBuilder().setId("c1").build());
      assertEquals(pid, stoppedV3.getPid());
      assertEquals(7, stoppedV3.getExitStatus());
      assertEquals(stopped.toByteString(), stoppedV3.toByteString());

      StatusException missing =
          assertThrows(
              StatusException.class, () -> task.state(StateRequest.newBuilder().setId("x").build()));
      assertEquals(Status.Code.NOT_FOUND, missing.code());
      assertEquals("container not created", missing.status().message());

      assertEquals(7, task.delete(DeleteRequest.newBuilder().setId("c1").build()).getExitStatus());
      task.shutdown(ShutdownRequest.newBuilder().setId("c1").build());
    }
    int daemon = started.daemonPid();
    Libc.WaitResult exited =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return Libc.waitid(Libc.P_PID, daemon, Libc.WEXITED);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                })
            .get(20, TimeUnit.SECONDS);
    assertEquals(0, exited.exitStatus(), "the daemon exits after Shutdown");
    assertFalse(Files.exists(ShimSockets.socketPath(address)), "socket removed");
    assertTrue(Files.readString(out).contains("from-daemon"));
    assertEquals(
        List.of("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"), topics);
    containerd.shutdownNow();
  }
}
