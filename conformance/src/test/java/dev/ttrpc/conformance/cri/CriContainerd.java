package dev.ttrpc.conformance.cri;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.Prerequisites;
import dev.ttrpc.conformance.support.PrivateContainerd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: a {@link PrivateContainerd} with the CRI plugin enabled as
 * {@link CriClient#config} configures it, two runtime handlers ({@code runc} →
 * {@code io.containerd.runc.v2}, {@code minimal} → {@code io.containerd.minimal.v2}, the
 * project's shim from the build), and the {@link CriClient} on it.
 *
 * <p>Not thread-safe: one test at a time (the scenario restarts containerd).
 */
final class CriContainerd implements BeforeAllCallback, AfterAllCallback {

  static final String PAUSE_IMAGE = CriClient.PAUSE_IMAGE;
  static final String BUSYBOX_IMAGE = CriClient.BUSYBOX_IMAGE;
  static final String POD_CGROUP_ROOT = CriClient.POD_CGROUP_ROOT;
  static final String NAMESPACE = CriClient.NAMESPACE;

  private final PrivateContainerd containerd;
  private CriClient client;

  CriContainerd() {
    containerd = PrivateContainerd.withShimDirs(PrivateContainerd.minimalShimBin())
        .withCri(criConfig());
  }

  /**
   * The handlers ({@code @DIR@} is the private containerd's work dir). The {@code minimal}
   * handler's options are the shim's runtime options ({@code runtimeoptions.v1.Options}): its
   * config file chooses the runc backend and binary. Both handlers run runc through
   * {@link #runcCalls() a logging wrapper}, which shows that each shim got its handler's options
   * and that the pod really runs through it.
   */
  static String criConfig() {
    return CriClient.config(List.of(
        new CriClient.Handler("runc", "io.containerd.runc.v2",
            "BinaryName = \"@DIR@/runc-logged\"", List.of()),
        new CriClient.Handler("minimal", "io.containerd.minimal.v2",
            "ConfigPath = \"@DIR@/minimal-shim.toml\"", List.of())));
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
    client = CriClient.attach(containerd);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    CriClient.detach(containerd);
    client = null;
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

  /** The CRI client on {@link #containerd()}. */
  CriClient client() {
    return client;
  }

  /** A RuntimeService stub whose calls fail after a minute. */
  dev.ttrpc.conformance.cri.api.RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return client.runtime();
  }

  /** The bundle directory containerd made for a CRI sandbox or container. */
  Path bundle(String id) {
    return client.bundle(id);
  }

  /** Restarts containerd and waits until the CRI plugin reports the runtime ready. */
  void restart() {
    client.restart();
  }

  /** Whether the CRI plugin knows image {@code name}. */
  boolean hasImage(String name) {
    return client.hasImage(name);
  }

  static void sleep(long millis) {
    CriClient.sleep(millis);
  }
}
