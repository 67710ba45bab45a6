package dev.ttrpc.conformance.shim;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What some checklist scenarios need from a runtime beyond the basic task lifecycle. A runtime
 * that lacks a feature (declared with {@code shim-conformance --without}) has the scenarios that
 * need it skipped, and the checks that depend on it relaxed, instead of failed.
 */
public enum Feature {
  /** Pause/resume (the cgroup freezer for runc). */
  PAUSE,
  /** cgroup metrics through {@code ctr tasks metrics}. */
  METRICS,
  /** OOM kills and {@code /tasks/oom} events (a memory cgroup). */
  OOM,
  /** runc's error texts (e.g. {@code OCI runtime create failed: runc create failed: …}). */
  RUNC_ERRORS,
  /** Containers isolated as runc isolates them: namespaces, own devpts, the rootfs as /. */
  ISOLATION;

  /** The command-line spelling: lower case with dashes ({@code runc-errors}). */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The feature spelled {@code name} on the command line.
   *
   * @throws IllegalArgumentException naming the valid spellings if there is none
   */
  public static Feature parse(String name) {
    for (Feature f : values()) {
      if (f.cliName().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown feature '" + name + "' (known: "
        + Arrays.stream(values()).map(Feature::cliName).collect(Collectors.joining(", ")) + ")");
  }
}
