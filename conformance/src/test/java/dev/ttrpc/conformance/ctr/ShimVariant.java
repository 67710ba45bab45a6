package dev.ttrpc.conformance.ctr;

import dev.ttrpc.conformance.support.Prerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A shim (and, for ours, a backend) the ctr checklist runs against. Every scenario runs with the
 * same commands and the same assertions for each variant; a variant's namespace suffix keeps
 * their containers apart inside one private containerd, so container ids match the checklist.
 */
enum ShimVariant {
  /** The reference: Debian's containerd-shim-runc-v2. */
  RUNC("runc", "io.containerd.runc.v2", null,
      Set.of(Feature.values())),
  /** containerd-shim-minimal-v2 driving runc. */
  MINIMAL_RUNC("minimal-runc", "io.containerd.minimal.v2", "runc",
      Set.of(Feature.values())),
  /**
   * containerd-shim-minimal-v2 running plain processes: chrooted into the rootfs, no namespaces,
   * no cgroups (pause is SIGSTOP, metrics come from /proc, there is no OOM detection).
   */
  MINIMAL_PROCESS("minimal-process", "io.containerd.minimal.v2", "process",
      Set.of(Feature.PAUSE, Feature.METRICS));

  /** What some scenarios need beyond the basic lifecycle. */
  enum Feature {
    /** Pause/resume (cgroup freezer for runc). */
    PAUSE,
    /** cgroup metrics through {@code tasks metrics}. */
    METRICS,
    /** OOM kills and {@code /tasks/oom} (memory cgroup). */
    OOM,
    /** runc's error texts (e.g. {@code OCI runtime create failed: runc create failed: …}). */
    RUNC_ERRORS,
  }

  /**
   * OCI annotation selecting the backend of containerd-shim-minimal-v2 for one container
   * ({@code ctr run --annotation}); the shim's default backend is runc.
   */
  static final String BACKEND_ANNOTATION = "dev.ttrpc.minimal.backend";

  /** Where {@code mvn package} puts containerd-shim-minimal-v2 (and what goes on PATH). */
  static Path minimalShimBin() {
    return dev.ttrpc.conformance.support.PrivateContainerd.minimalShimBin();
  }

  private final String suffix;
  private final String runtime;
  private final String backend;
  private final Set<Feature> features;

  ShimVariant(String suffix, String runtime, String backend, Set<Feature> features) {
    this.suffix = suffix;
    this.runtime = runtime;
    this.backend = backend;
    this.features = features;
  }

  /** Namespace suffix, appended to the private containerd's namespace. */
  String suffix() {
    return suffix;
  }

  /** The runtime name passed to {@code ctr --runtime}. */
  String runtime() {
    return runtime;
  }

  boolean supports(Feature feature) {
    return features.contains(feature);
  }

  /** Whether the container runs inside runc (namespaces, cgroups, the rootfs as /). */
  boolean isolates() {
    return backend == null || backend.equals("runc");
  }

  /** Flags for {@code ctr run} / {@code ctr containers create} selecting this shim. */
  List<String> runFlags() {
    List<String> flags = new ArrayList<>(List.of("--runtime", runtime));
    if (backend != null) {
      flags.add("--annotation");
      flags.add(BACKEND_ANNOTATION + "=" + backend);
    }
    return flags;
  }

  /**
   * Continues only if this variant's shim binary is installed: the reference shim from Debian,
   * ours from the build. Missing fails in CI and skips elsewhere.
   */
  void requireInstalled() {
    if (runtime.equals("io.containerd.runc.v2")) {
      Prerequisites.require(
          Files.isExecutable(Path.of("/usr/bin/containerd-shim-runc-v2"))
              || dev.ttrpc.conformance.support.Commands.onPath("containerd-shim-runc-v2"),
          "containerd-shim-runc-v2 is not installed (Debian: apt-get install containerd)");
    } else {
      Path binary = minimalShimBin().resolve("containerd-shim-minimal-v2");
      Prerequisites.require(Files.isExecutable(binary),
          binary + " is not built (run: mvn -DskipTests package -pl shim-minimal -am)");
    }
  }

  @Override
  public String toString() {
    return suffix;
  }
}
