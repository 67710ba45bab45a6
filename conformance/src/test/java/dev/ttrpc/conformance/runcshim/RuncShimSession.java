package dev.ttrpc.conformance.runcshim;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import dev.ttrpc.Metadata;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.proto.containerd.runc.v1.Options;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsTtrpc;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One real {@code containerd-shim-runc-v2} started the way containerd 1.6 starts it, with this test
 * playing containerd: a prepared bundle as the working directory, a held {@code log} FIFO, {@code
 * TTRPC_ADDRESS} pointing at our own {@code Events} server, the {@code start} action's printed
 * address dialled with our {@link TtrpcClient}, and the generated {@code Task} stub on top (with
 * the namespace metadata containerd sends).
 *
 * <p>{@link #close()} always tears everything down, whatever state the test left: client, the runc
 * container ({@code runc delete --force}), the shim daemon, runc's state directory, the shim's
 * socket, the events server and any FIFO reader still waiting.
 *
 * <p>Not thread-safe; one per test.
 */
final class RuncShimSession implements AutoCloseable {
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

  /** Where the runc shim keeps runc state, per namespace, unless the options name a root. */
  private static final Path DEFAULT_RUNC_ROOT = Path.of("/run/containerd/runc");

  private final ShimTestPrerequisites tools;
  private final Path workDir;
  private final String namespace;
  private final String id;
  private final Options runcOptions;
  private final RecordingEventsService events = new RecordingEventsService();
  private final List<Fifo> fifos = new ArrayList<>();
  private OciBundle bundle;
  private ShimLog log;
  private TtrpcServer eventsServer;
  private ShimCommands.Result startResult;
  private String address;
  private TtrpcClient client;
  private TaskTtrpc.TaskStub task;

  private RuncShimSession(
      ShimTestPrerequisites tools, Path workDir, String id, Options runcOptions) {
    this.tools = tools;
    this.workDir = workDir;
    this.id = id;
    this.runcOptions = runcOptions;
    // A namespace of its own keeps runc state and the socket address apart from anything else.
    this.namespace = "ttrpc-java-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
  }

  /**
   * Builds the bundle for a container whose init runs {@code initArgs}, starts the shim and
   * connects to it. With {@code runcOptions} (null: none) the shim gets them as containerd hands
   * them over: as an Any on the stdin of {@code start}, and the same Any is what {@link
   * #runtimeOptions()} returns for {@code CreateTaskRequest.options}. On failure everything started
   * so far is torn down again.
   */
  static RuncShimSession start(
      ShimTestPrerequisites tools,
      Path workDir,
      String id,
      List<String> initArgs,
      Options runcOptions)
      throws Exception {
    RuncShimSession s = new RuncShimSession(tools, workDir, requireNonNull(id, "id"), runcOptions);
    try {
      s.startShim(initArgs);
      return s;
    } catch (Throwable t) {
      try {
        s.close();
      } catch (RuntimeException cleanup) {
        t.addSuppressed(cleanup);
      }
      throw t;
    }
  }

  private void startShim(List<String> initArgs) throws Exception {
    bundle = OciBundle.create(tools, workDir.resolve(namespace).resolve(id), initArgs);
    log = ShimLog.open(tools.mkfifo(), bundle.dir());

    Path eventsSocket = workDir.resolve("events.sock");
    eventsServer =
        TtrpcServer.builder()
            .addService(EventsTtrpc.bindService(events))
            .build()
            .start(eventsSocket.toString());

    // -address only feeds the socket name hash (and the legacy publish path, disabled here by
    // -publish-binary /bin/false): no containerd listens there.
    startResult =
        ShimCommands.runWithInput(
            COMMAND_TIMEOUT,
            bundle.dir(),
            Map.of("TTRPC_ADDRESS", eventsSocket.toString()),
            runcOptions == null ? null : runtimeOptions().toByteArray(),
            tools.shimBinary().toString(),
            "-namespace",
            namespace,
            "-address",
            workDir.resolve("containerd.sock").toString(),
            "-publish-binary",
            "/bin/false",
            "-id",
            id,
            "start");
    if (startResult.exitCode() != 0) {
      throw new AssertionError("shim start failed: " + startResult);
    }
    address = startResult.stdoutText().trim();
    client = TtrpcClient.connect(address);
    task =
        TaskTtrpc.newStub(client)
            .withTimeout(CALL_TIMEOUT)
            .withMetadata(Metadata.of(Metadata.CONTAINERD_NAMESPACE_KEY, namespace));
  }

  /**
   * The runc options as containerd wraps them: an Any whose type_url is the bare proto name ({@code
   * containerd.runc.v1.Options}); null if the session has none.
   */
  Any runtimeOptions() {
    if (runcOptions == null) {
      return null;
    }
    return Any.newBuilder()
        .setTypeUrl(runcOptions.getDescriptorForType().getFullName())
        .setValue(runcOptions.toByteString())
        .build();
  }

  /** Where runc keeps this session's containers: {@code <root>/<namespace>}. */
  Path runcStateDir() {
    String root = runcOptions == null ? "" : runcOptions.getRoot();
    return (root.isEmpty() ? DEFAULT_RUNC_ROOT : Path.of(root)).resolve(namespace);
  }

  String namespace() {
    return namespace;
  }

  String id() {
    return id;
  }

  OciBundle bundle() {
    return bundle;
  }

  /** What {@code start} printed and exited with. */
  ShimCommands.Result startResult() {
    return startResult;
  }

  /** The address {@code start} printed ({@code unix:///run/containerd/s/<hash>}). */
  String address() {
    return address;
  }

  Path socketPath() {
    return Path.of(address.substring("unix://".length()));
  }

  TtrpcClient client() {
    return client;
  }

  TaskTtrpc.TaskStub task() {
    return task;
  }

  RecordingEventsService events() {
    return events;
  }

  /** What the shim daemon logged to the bundle's {@code log} FIFO so far. */
  String shimLog() {
    return log == null ? "" : log.text();
  }

  /** A new FIFO with a reader already waiting, for a process's stdout or stderr. */
  Fifo newOutputFifo(String name) throws IOException {
    return newInputFifo(name).startReading();
  }

  /** A new FIFO, not opened yet, for a process's stdin. */
  Fifo newInputFifo(String name) throws IOException {
    Path dir = Files.createDirectories(workDir.resolve("io"));
    Fifo fifo = Fifo.create(tools.mkfifo(), dir.resolve(name));
    fifos.add(fifo);
    return fifo;
  }

  /**
   * Runs the shim's {@code delete} action as containerd does after a task is gone or its shim died:
   * cwd = bundle, {@code -bundle} given, stdout = the marshalled {@code DeleteResponse}.
   */
  ShimCommands.Result runDeleteAction() {
    return ShimCommands.run(
        COMMAND_TIMEOUT,
        bundle.dir(),
        null,
        tools.shimBinary().toString(),
        "-namespace",
        namespace,
        "-address",
        workDir.resolve("containerd.sock").toString(),
        "-publish-binary",
        "/bin/false",
        "-id",
        id,
        "-bundle",
        bundle.dir().toString(),
        "delete");
  }

  /** The running shim daemon(s) of this session, found by their unique namespace argument. */
  Optional<ProcessHandle> shimDaemon() {
    String marker = "-namespace " + namespace + " ";
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .map(
                        c ->
                            c.contains(ShimTestPrerequisites.SHIM_BINARY_NAME)
                                && (c + " ").contains(marker))
                    .orElse(false))
        .findFirst();
  }

  @Override
  public void close() {
    List<Throwable> failures = new ArrayList<>();
    step(
        failures,
        () -> {
          if (client != null) {
            client.close();
          }
        });
    if (bundle != null) {
      // Kills the container's processes too; a container already deleted makes runc complain,
      // which is expected and ignored.
      step(
          failures,
          () ->
              ShimCommands.run(
                  COMMAND_TIMEOUT,
                  null,
                  null,
                  tools.runc().toString(),
                  "--root",
                  runcStateDir().toString(),
                  "delete",
                  "--force",
                  id));
    }
    step(
        failures,
        () -> {
          for (Optional<ProcessHandle> shim = shimDaemon(); shim.isPresent(); shim = shimDaemon()) {
            shim.get().destroyForcibly();
            shim.get()
                .onExit()
                .get(COMMAND_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
          }
        });
    step(failures, () -> deleteRecursively(runcStateDir()));
    step(
        failures,
        () -> {
          if (address != null) {
            Files.deleteIfExists(socketPath());
          }
        });
    step(
        failures,
        () -> {
          if (eventsServer != null) {
            eventsServer.shutdownNow();
          }
        });
    for (Fifo fifo : fifos) {
      step(failures, fifo::close);
    }
    step(
        failures,
        () -> {
          if (log != null) {
            log.close();
          }
        });
    if (!failures.isEmpty()) {
      IllegalStateException e = new IllegalStateException("cleanup of the runc shim test failed");
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  private static void step(List<Throwable> failures, Step step) {
    try {
      step.run();
    } catch (Exception | AssertionError e) {
      failures.add(e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /** For failure messages: where things stand. */
  String diagnostics() {
    return "namespace="
        + namespace
        + " id="
        + id
        + " address="
        + address
        + "\nshim log:\n"
        + shimLog();
  }
}
