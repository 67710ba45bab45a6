package dev.ttrpc.shim.minimal;

import com.google.protobuf.Empty;
import dev.ttrpc.Handshaker;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.proto.ContainerdAny;
import dev.ttrpc.proto.containerd.runc.v1.Options;
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
import dev.ttrpc.shim.ShimContext;
import dev.ttrpc.shim.ShimFlags;
import dev.ttrpc.shim.ShimRecords;
import dev.ttrpc.shim.ShimRunner;
import dev.ttrpc.shim.ShimSockets;
import dev.ttrpc.shim.ShimStart;
import dev.ttrpc.shim.StartInput;
import dev.ttrpc.shim.sys.Libc;
import dev.ttrpc.shim.task.EventMessages;
import dev.ttrpc.shim.task.TaskEvent;
import dev.ttrpc.shim.task.TaskService;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The training workload for the AOT cache built at package time: runs the code paths of {@code
 * start} (flags, address, options), of the daemon (ttRPC server with the Task service, event
 * publishing over a ttRPC client, a container's lifecycle with each backend) and of {@code
 * delete}, without containerd. Not part of the shim's behaviour.
 */
public final class AotTraining {
  private AotTraining() {}

  /** Where the training reports what it had to skip (standard error is taken for the logs). */
  private static final PrintStream BUILD_LOG = System.err;

  public static void main(String[] args) throws Exception {
    // The daemon writes logrus lines (timestamps formatted by java.time) from its first call on,
    // at debug level when containerd logs at debug: train that too, into nowhere.
    System.setErr(new PrintStream(OutputStream.nullOutputStream(), true));
    ShimRunner.configureLogging(true);
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
      trainColdStart(dir, flags);

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
      // The daemon's server, handshake included.
      TtrpcServer taskServer =
          TtrpcServer.builder()
              .handshaker(Handshaker.requireSameUser())
              .addService(TaskTtrpc.bindService(service))
              .build()
              .start(task);
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
      // The daemon is a child subreaper; the runc training's init needs it to be reaped here.
      Libc.setChildSubreaper(true);
      trainContainerLifecycle(task, dir, "process", null);
      trainContainerLifecycle(task, dir, "runc", fakeRunc(dir));
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
   * The launcher's cold start, where {@code start} runs in the daemon JVM before it serves (see
   * {@code ShimRunner}): group rule, bind, address file, daemon record, then a second start of
   * the group that finds the socket served. Best effort, like the rest of the training.
   */
  private static void trainColdStart(Path dir, ShimFlags flags) {
    try {
      Path bundle = Files.createDirectories(dir.resolve("start-bundle"));
      Files.writeString(bundle.resolve("config.json"),
          "{\"annotations\":{\"io.containerd.runc.v2.group\":\"g\"}}");
      // As from a CRI handler with options: a runtimeoptions.v1.Options naming a config file,
      // handed over by the launcher in hex.
      Path config = dir.resolve("minimal-shim.toml");
      Files.writeString(config, "default_backend = \"runc\"\n");
      com.google.protobuf.ByteString.Output value = com.google.protobuf.ByteString.newOutput();
      com.google.protobuf.CodedOutputStream out =
          com.google.protobuf.CodedOutputStream.newInstance(value);
      out.writeString(2, config.toString());
      out.flush();
      byte[] options =
          com.google.protobuf.Any.newBuilder()
              .setTypeUrl(MinimalShim.RUNTIME_OPTIONS_TYPE)
              .setValue(value.toByteString())
              .build()
              .toByteArray();
      byte[] stdin =
          ShimRunner.startInputBytes(java.util.HexFormat.of().formatHex(options),
              java.io.InputStream.nullInputStream());
      StartInput input = StartInput.parse(stdin, flags.id(), flags.namespace());
      ShimContext ctx = new ShimContext(flags, bundle, input, System.getenv());
      String group = new MinimalShim().groupId(ctx, ShimRunner.annotations(bundle));
      String address =
          ShimSockets.socketAddress(flags.address(), flags.namespace(), group, dir.resolve("s"));
      ShimStart.Binding b = ShimStart.bind(bundle, address, a -> a);
      try {
        var self = ShimRecords.ProcessIdentity.of(ProcessHandle.current().pid());
        if (self.isPresent()) {
          ShimRecords.writeDaemonRecord(ShimSockets.socketPath(address), self.get(),
              flags.namespace(), flags.address(), group, self.get());
        }
        ShimStart.bind(bundle, address, a -> a);
        // After its report the daemon puts its stderr (/dev/null) over its stdout: here a dup2
        // of stderr onto itself, which changes nothing.
        Libc.dup2(2, 2);
      } finally {
        Libc.closeQuietly(b.listener());
      }
    } catch (Exception e) {
      BUILD_LOG.println("AOT training: cold start not trained: " + e);
    }
  }

  /**
   * What containerd does for {@code ctr run --rm}: Connect, Create (stdout into a FIFO the
   * training reads, stderr into a file), Start, Wait, State, Delete, twice, with the given
   * backend. The process backend runs the host's {@code /bin/sh}; the runc backend runs {@code
   * runc} (given in the runc options, as CRI passes them), a stand-in when packaging cannot
   * assume root, runc or a rootfs. Best effort: a machine where this cannot run still gets the
   * rest of the cache.
   */
  private static void trainContainerLifecycle(String task, Path dir, String backend, Path runc) {
    try (TtrpcClient client = TtrpcClient.connect(task)) {
      TaskTtrpc.TaskStub stub = TaskTtrpc.newStub(client).withTimeout(Duration.ofSeconds(10));
      for (int i = 0; i < 2; i++) {
        String id = "train-" + backend + i;
        Path bundle = Files.createDirectories(dir.resolve(id));
        Files.writeString(
            bundle.resolve("config.json"),
            "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/sh\",\"-c\","
                + "\"echo out; echo err >&2\"],\"cwd\":\"/\",\"env\":[\"PATH=/usr/bin:/bin\"],"
                + "\"user\":{\"uid\":" + Libc.geteuid() + ",\"gid\":" + Libc.getegid() + "}},"
                + "\"root\":{\"path\":\"/\"},\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
                + "{\"type\":\"mount\"}]},\"annotations\":{\""
                + ShimConfig.BACKEND_ANNOTATION + "\":\"" + backend + "\"}}");
        Path stdout = bundle.resolve("stdout");
        Libc.mkfifo(stdout, 0600);
        CreateTaskRequest.Builder create =
            CreateTaskRequest.newBuilder()
                .setId(id)
                .setBundle(bundle.toString())
                .setStdout(stdout.toString())
                .setStderr("file://" + bundle.resolve("stderr.log"));
        if (runc != null) {
          create.setOptions(
              ContainerdAny.pack(
                  Options.newBuilder()
                      .setBinaryName(runc.toString())
                      .setRoot(dir.resolve("runc-root").toString())
                      .build()));
        }
        try (java.nio.channels.FileChannel reader =
            java.nio.channels.FileChannel.open(
                stdout, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
          // Held open (read and write) like ctr's reader, so the shim's FIFO writes never block.
          if (!reader.isOpen()) {
            throw new IllegalStateException("stdout FIFO closed");
          }
          stub.connect(ConnectRequest.newBuilder().setId(id).build());
          stub.create(create.build());
          stub.start(StartRequest.newBuilder().setId(id).build());
          stub.wait(WaitRequest.newBuilder().setId(id).build());
          stub.state(StateRequest.newBuilder().setId(id).build());
          stub.delete(DeleteRequest.newBuilder().setId(id).build());
        }
      }
    } catch (Exception e) {
      BUILD_LOG.println("AOT training: " + backend + " container lifecycle skipped: " + e);
    }
  }

  /**
   * A stand-in for runc with the interface the runc backend uses ({@code create --bundle B
   * --pid-file P ID}, {@code start ID}, {@code kill ID SIG}, {@code delete [--force] ID}): create
   * leaves an init that waits for start and then writes to its stdio, the way runc's init does.
   * The container's state is its bundle path in the root directory.
   */
  private static Path fakeRunc(Path dir) throws java.io.IOException {
    Path runc = dir.resolve("fake-runc");
    Files.writeString(
        runc,
        """
        #!/bin/sh
        root=
        while [ $# -gt 0 ]; do
          case $1 in
            --root) root=$2; shift 2 ;;
            --log|--log-format|--criu) shift 2 ;;
            --*) shift ;;
            *) break ;;
          esac
        done
        cmd=$1; shift
        bundle= pidfile=
        while [ $# -gt 1 ]; do
          case $1 in
            --bundle) bundle=$2; shift 2 ;;
            --pid-file) pidfile=$2; shift 2 ;;
            *) shift ;;
          esac
        done
        id=$1
        mkdir -p "$root"
        case $cmd in
          create)
            printf '%s' "$bundle" >"$root/$id"
            sh -c 'while [ ! -e "$0/started" ]; do sleep 0.01; done; echo out; echo err >&2' \
              "$bundle" &
            echo $! >"$pidfile"
            ;;
          start) touch "$(cat "$root/$id")/started" ;;
          kill) : ;;
          delete) rm -f "$root/$id" ;;
          *) echo "fake runc: $cmd not supported" >&2; exit 1 ;;
        esac
        """);
    Files.setPosixFilePermissions(runc, java.nio.file.attribute.PosixFilePermissions.fromString(
        "rwx------"));
    return runc;
  }
}
