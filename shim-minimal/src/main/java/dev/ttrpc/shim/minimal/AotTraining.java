package dev.ttrpc.shim.minimal;

import com.google.protobuf.Empty;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsTtrpc;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.ForwardRequest;
import dev.ttrpc.proto.containerd.task.v2.ConnectRequest;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.DeleteRequest;
import dev.ttrpc.proto.containerd.task.v2.StartRequest;
import dev.ttrpc.proto.containerd.task.v2.StateRequest;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.proto.containerd.task.v2.WaitRequest;
import dev.ttrpc.shim.EventPublisher;
import dev.ttrpc.shim.Json;
import dev.ttrpc.shim.ShimFlags;
import dev.ttrpc.shim.ShimRunner;
import dev.ttrpc.shim.ShimSockets;
import dev.ttrpc.shim.StartInput;
import dev.ttrpc.shim.sys.Libc;
import dev.ttrpc.shim.task.EventMessages;
import dev.ttrpc.shim.task.TaskEvent;
import dev.ttrpc.shim.task.TaskService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The training workload for the AOT cache built at package time: runs the code paths of {@code
 * start} (flags, address, options), of the daemon (ttRPC server with the Task service, event
 * publishing over a ttRPC client) and of {@code delete}, without containerd. Not part of the
 * shim's behaviour.
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("shim-aot");
    try {
      ShimFlags flags =
          ShimFlags.parse(
              List.of("-namespace", "default", "-address", "/run/containerd/containerd.sock",
                  "-publish-binary", "/usr/bin/containerd", "-id", "t1", "-debug", "start"));
      ShimSockets.socketAddress(flags.address(), flags.namespace(), flags.id(),
          ShimSockets.DEFAULT_SOCKET_DIR);
      StartInput.parse(new byte[0], "t1", "default");
      Json.parse("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]},\"annotations\":{}}");
      ShimRunner.startReplyJson("unix:///x");
      Libc.geteuid();
      Libc.processExists(Libc.getpid());

      String events = "unix://" + dir.resolve("events.sock");
      String task = "unix://" + dir.resolve("task.sock");
      TtrpcServer eventsServer =
          TtrpcServer.builder()
              .addService(
                  EventsTtrpc.bindService(
                      new EventsTtrpc.Service() {
                        @Override
                        public Empty forward(ForwardRequest request, ServerCallContext context) {
                          return Empty.getDefaultInstance();
                        }
                      }))
              .build()
              .start(events);
      EventPublisher publisher = EventPublisher.toContainerd(events, "default");
      TaskService service =
          new TaskService(
              "default", TaskService.publishTo(publisher), () -> {},
              new MinimalBackends(o -> ShimConfig.defaults()));
      TtrpcServer taskServer =
          TtrpcServer.builder().addService(TaskTtrpc.bindService(service)).build().start(task);
      try (TtrpcClient client = TtrpcClient.connect(task)) {
        TaskTtrpc.TaskStub stub = TaskTtrpc.newStub(client).withTimeout(Duration.ofSeconds(5));
        for (int i = 0; i < 20; i++) {
          stub.connect(ConnectRequest.newBuilder().setId("t1").build());
          try {
            stub.state(StateRequest.newBuilder().setId("t1").build());
          } catch (StatusException expected) {
            // NOT_FOUND: no container; the error path is trained too.
          }
          publisher.publish(
              "/tasks/exit",
              EventMessages.toProto(new TaskEvent.Exited("t1", "t1", 1, 0, Instant.now())));
        }
      }
      trainContainerLifecycle(task, dir);
      publisher.drain(Duration.ofSeconds(5));
      publisher.close();
      taskServer.shutdownNow();
      eventsServer.shutdownNow();
    } finally {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  /**
   * What containerd does for {@code ctr run --rm}: Connect, Create (stdout into a FIFO the
   * training reads, stderr into a file), Start, Wait, State, Delete, twice, with the process
   * backend on the host's {@code /bin/sh} (the runc backend would need root and a rootfs at
   * package time). Best effort: a machine where this cannot run still gets the rest of the
   * cache.
   */
  private static void trainContainerLifecycle(String task, Path dir) {
    try (TtrpcClient client = TtrpcClient.connect(task)) {
      TaskTtrpc.TaskStub stub = TaskTtrpc.newStub(client).withTimeout(Duration.ofSeconds(10));
      for (int i = 0; i < 2; i++) {
        String id = "train" + i;
        Path bundle = Files.createDirectories(dir.resolve(id));
        Files.writeString(
            bundle.resolve("config.json"),
            "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/sh\",\"-c\","
                + "\"echo out; echo err >&2\"],\"cwd\":\"/\",\"env\":[\"PATH=/usr/bin:/bin\"],"
                + "\"user\":{\"uid\":" + Libc.geteuid() + ",\"gid\":" + Libc.getegid() + "}},"
                + "\"root\":{\"path\":\"/\"},\"annotations\":{\""
                + ShimConfig.BACKEND_ANNOTATION + "\":\"process\"}}");
        Path stdout = bundle.resolve("stdout");
        Libc.mkfifo(stdout, 0600);
        try (java.nio.channels.FileChannel reader =
            java.nio.channels.FileChannel.open(
                stdout, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
          // Held open (read and write) like ctr's reader, so the shim's FIFO writes never block.
          if (!reader.isOpen()) {
            throw new IllegalStateException("stdout FIFO closed");
          }
          stub.connect(ConnectRequest.newBuilder().setId(id).build());
          stub.create(
              CreateTaskRequest.newBuilder()
                  .setId(id)
                  .setBundle(bundle.toString())
                  .setStdout(stdout.toString())
                  .setStderr("file://" + bundle.resolve("stderr.log"))
                  .build());
          stub.start(StartRequest.newBuilder().setId(id).build());
          stub.wait(WaitRequest.newBuilder().setId(id).build());
          stub.state(StateRequest.newBuilder().setId(id).build());
          stub.delete(DeleteRequest.newBuilder().setId(id).build());
        }
      }
    } catch (Exception e) {
      System.err.println("AOT training: container lifecycle skipped: " + e);
    }
  }
}
