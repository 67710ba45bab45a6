package dev.ttrpc.conformance.cri;

import dev.ttrpc.conformance.cri.api.CriApi.ImageSpec;
import dev.ttrpc.conformance.cri.api.CriApi.ImageStatusRequest;
import dev.ttrpc.conformance.cri.api.CriApi.RuntimeCondition;
import dev.ttrpc.conformance.cri.api.CriApi.StatusRequest;
import dev.ttrpc.conformance.cri.api.ImageServiceGrpc;
import dev.ttrpc.conformance.cri.api.RuntimeServiceGrpc;
import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.Prerequisites;
import dev.ttrpc.conformance.support.PrivateContainerd;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: a {@link PrivateContainerd} with the CRI plugin enabled, two runtime
 * handlers ({@code runc} → {@code io.containerd.runc.v2}, {@code minimal} →
 * {@code io.containerd.minimal.v2}, the project's shim from the build), host-network pods only
 * (no CNI configuration), the locally built {@link #PAUSE_IMAGE} as sandbox image and
 * {@link #BUSYBOX_IMAGE} for containers, and a CRI {@code runtime.v1} gRPC client on
 * containerd's socket.
 *
 * <p>Configuration facts this machine needs: {@code restrict_oom_score_adj = true} (lowering a
 * process's {@code oom_score_adj} is refused here, and the CRI plugin would otherwise ask runc to
 * set the pod's score below containerd's), and a stream server on a free loopback port.
 *
 * <p>Not thread-safe: one test at a time (the scenario restarts containerd).
 */
final class CriContainerd implements BeforeAllCallback, AfterAllCallback {

  /** The sandbox ("pause") image: a static busybox sleeping forever. */
  static final String PAUSE_IMAGE = "ttrpc.test/pause:1";
  /** The container image: a static busybox with its applets. */
  static final String BUSYBOX_IMAGE = "ttrpc.test/busybox:1";
  /** Parent of the test pods' cgroups (relative to each hierarchy's root). */
  static final String POD_CGROUP_ROOT = "/ttrpc-conformance-cri";
  /** The namespace the CRI plugin keeps its containers in. */
  static final String NAMESPACE = "k8s.io";

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final PrivateContainerd containerd;
  private ManagedChannel channel;

  CriContainerd() {
    containerd = PrivateContainerd.withShimDirs(PrivateContainerd.minimalShimBin())
        .withCri(criConfig());
  }

  /**
   * The CRI plugin's configuration ({@code @DIR@} is the private containerd's work dir). The
   * {@code minimal} handler's options are the shim's runtime options
   * ({@code runtimeoptions.v1.Options}): its config file chooses the runc backend and binary.
   * Both handlers run runc through {@link #runcCalls() a logging wrapper}, which shows that each
   * shim got its handler's options and that the pod really runs through it.
   */
  static String criConfig() {
    return """
          [plugins."io.containerd.grpc.v1.cri"]
            sandbox_image = "%s"
            restrict_oom_score_adj = true
            stream_server_address = "127.0.0.1"
            stream_server_port = "0"
            max_container_log_line_size = 16384
            [plugins."io.containerd.grpc.v1.cri".cni]
              bin_dir = "@DIR@/cni/bin"
              conf_dir = "@DIR@/cni/net.d"
            [plugins."io.containerd.grpc.v1.cri".containerd]
              default_runtime_name = "runc"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                  BinaryName = "@DIR@/runc-logged"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.minimal]
                runtime_type = "io.containerd.minimal.v2"
                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.minimal.options]
                  ConfigPath = "@DIR@/minimal-shim.toml"
        """.formatted(PAUSE_IMAGE);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Prerequisites.require(Prerequisites.isRoot(), "containerd and runc need root");
    Prerequisites.require(Commands.onPath("containerd-shim-runc-v2"),
        "containerd-shim-runc-v2 is not installed (Debian: apt-get install containerd)");
    Path minimal = PrivateContainerd.minimalShimBin().resolve("containerd-shim-minimal-v2");
    Prerequisites.require(Files.isExecutable(minimal),
        minimal + " is not built (run: mvn -DskipTests package -pl shim-minimal -am)");
    Prerequisites.require(Commands.onPath("tar"), "tar is not installed");
    List<String> missing = containerd.missingPrerequisites();
    Prerequisites.require(missing.isEmpty(), String.join("; ", missing));
    containerd.start();
    Files.writeString(containerd.dir().resolve("minimal-shim.toml"), """
        default_backend = "runc"
        runc_binary = "%s"
        """.formatted(containerd.dir().resolve("runc-logged")));
    writeRuncWrapper();
    importImages();
    channel = Grpc.newChannelBuilder("unix://" + containerd.address(),
        InsecureChannelCredentials.create()).build();
    awaitReady();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (channel != null) {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
      channel = null;
    }
    containerd.stop();
    // A scenario that failed half-way leaves its pod's (by now empty) cgroups behind.
    CgroupFiles.removeEmptyTree(POD_CGROUP_ROOT);
  }

  /** The private containerd underneath (work dir, log, pid). */
  PrivateContainerd containerd() {
    return containerd;
  }

  /**
   * The runc command lines both shims ran so far (one per line, arguments separated by spaces),
   * as logged by the wrapper named in the handlers' options.
   */
  String runcCalls() {
    try {
      Path log = containerd.dir().resolve("runc-calls.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void writeRuncWrapper() throws IOException {
    CommandResult which = Commands.run(Duration.ofSeconds(5), "sh", "-c", "command -v runc");
    Path runc = Path.of(which.stdout().trim());
    Path wrapper = containerd.dir().resolve("runc-logged");
    Files.writeString(wrapper, "#!/bin/sh\n"
        + "echo \"$*\" >>" + containerd.dir().resolve("runc-calls.log") + "\n"
        + "exec " + runc + " \"$@\"\n");
    wrapper.toFile().setExecutable(true, false);
  }

  /** A RuntimeService stub whose calls fail after a minute. */
  RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** An ImageService stub whose calls fail after a minute. */
  ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The bundle directory containerd made for a CRI sandbox or container. */
  Path bundle(String id) {
    return containerd.dir().resolve("state").resolve("io.containerd.runtime.v2.task")
        .resolve(NAMESPACE).resolve(id);
  }

  /**
   * Stops containerd (shims and containers keep running), starts it again and waits until the
   * CRI plugin reports the runtime ready.
   */
  void restart() {
    containerd.restart();
    awaitReady();
  }

  /** Waits until the CRI plugin answers and reports the condition RuntimeReady. */
  private void awaitReady() {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        List<RuntimeCondition> conditions =
            runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList();
        if (conditions.stream().anyMatch(c -> c.getType().equals("RuntimeReady") && c.getStatus())) {
          return;
        }
        last = conditions.toString();
      } catch (StatusRuntimeException e) {
        last = e.toString();
      }
      sleep(100);
    }
    throw new IllegalStateException("CRI plugin not ready after 60 s: " + last + "\n"
        + tail(containerd.log()));
  }

  private void importImages() throws IOException {
    Path images = Files.createDirectories(containerd.dir().resolve("images"));
    // The pause image holds only the static busybox: the sandbox container just sleeps.
    Path pauseRoot = Files.createDirectories(images.resolve("pause-rootfs").resolve("bin"))
        .getParent();
    for (String dir : List.of("proc", "dev", "sys", "etc")) {
      Files.createDirectories(pauseRoot.resolve(dir));
    }
    Files.copy(containerd.rootfs().resolve("bin").resolve("busybox"),
        pauseRoot.resolve("bin").resolve("busybox"));
    build(PAUSE_IMAGE, pauseRoot, List.of("/bin/busybox", "sleep", "2147483647"), List.of(),
        images.resolve("pause.tar"));
    build(BUSYBOX_IMAGE, containerd.rootfs(), List.of(), List.of("sh"),
        images.resolve("busybox.tar"));
  }

  private void build(String name, Path rootfs, List<String> entrypoint, List<String> cmd,
      Path archive) {
    OciImageArchive.write(name, rootfs, entrypoint, cmd, archive);
    CommandResult imported = containerd.ctr(NAMESPACE, "images", "import", archive.toString());
    if (imported.exitCode() != 0) {
      throw new IllegalStateException("cannot import " + name + "\n" + imported.describe());
    }
  }

  /** Whether the CRI plugin knows image {@code name} (it syncs from containerd's image store). */
  boolean hasImage(String name) {
    return images().imageStatus(ImageStatusRequest.newBuilder()
        .setImage(ImageSpec.newBuilder().setImage(name)).build()).hasImage();
  }

  static String tail(String text) {
    String[] lines = text.split("\n");
    int from = Math.max(0, lines.length - 40);
    return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
