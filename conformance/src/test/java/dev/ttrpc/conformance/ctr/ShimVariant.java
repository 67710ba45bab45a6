package dev.ttrpc.conformance.ctr;

import dev.ttrpc.conformance.shim.Feature;
import dev.ttrpc.conformance.shim.Target;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.Prerequisites;
import dev.ttrpc.conformance.support.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;

/**
 * A shim (and, for ours, a backend) the ctr checklist runs against. Every scenario runs with the
 * same commands and the same checks for each variant; a variant's namespace suffix keeps their
 * containers apart inside one private containerd, so container ids match the checklist.
 */
enum ShimVariant {
  /** The reference: Debian's containerd-shim-runc-v2. */
  RUNC(Target.full("runc", "io.containerd.runc.v2", Map.of())),
  /** containerd-shim-minimal-v2 driving runc. */
  MINIMAL_RUNC(Target.full("minimal-runc", "io.containerd.minimal.v2",
      Map.of(ShimVariant.BACKEND_ANNOTATION, "runc"))),
  /**
   * containerd-shim-minimal-v2 running plain processes: chrooted into the rootfs, no namespaces,
   * no cgroups (pause is SIGSTOP, metrics come from /proc, there is no OOM detection).
   */
  MINIMAL_PROCESS(new Target("minimal-process", "io.containerd.minimal.v2",
      Map.of(ShimVariant.BACKEND_ANNOTATION, "process"),
      EnumSet.of(Feature.PAUSE, Feature.METRICS)));

  /**
   * OCI annotation selecting the backend of containerd-shim-minimal-v2 for one container
   * ({@code ctr run --annotation}); the shim's default backend is runc.
   */
  static final String BACKEND_ANNOTATION = "dev.ttrpc.minimal.backend";

  private final Target target;

  ShimVariant(Target target) {
    this.target = target;
  }

  /** How the checklist runs this variant. */
  Target target() {
    return target;
  }

  /**
   * Continues only if this variant's shim binary is installed: the reference shim from Debian,
   * ours from the build. Missing fails in CI and skips elsewhere.
   */
  void requireInstalled() {
    if (target.runtime().equals("io.containerd.runc.v2")) {
      Prerequisites.require(Commands.onPath("containerd-shim-runc-v2"),
          "containerd-shim-runc-v2 is not installed (Debian: apt-get install containerd)");
    } else {
      Path binary = PrivateContainerd.minimalShimBin().resolve("containerd-shim-minimal-v2");
      Prerequisites.require(Files.isExecutable(binary),
          binary + " is not built (run: mvn -DskipTests package -pl shim-minimal -am)");
    }
  }

  @Override
  public String toString() {
    return target.label();
  }
}
