package dev.ttrpc.conformance.shim;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A runtime the checklist runs against: how {@code ctr} selects it and what it supports.
 *
 * @param label short name; it suffixes the containerd namespace the target's containers live in,
 *     so that several targets share one private containerd with the checklist's container ids
 * @param runtime what {@code ctr run --runtime} gets: a runtime name such as
 *     {@code io.containerd.runc.v2} or an absolute path to a shim binary
 * @param annotations OCI annotations added to every container ({@code ctr run --annotation}), e.g.
 *     to pick a shim's backend
 * @param features what the runtime supports; scenarios needing anything else are skipped
 */
public record Target(
    String label, String runtime, Map<String, String> annotations, Set<Feature> features) {

  public Target {
    requireNonNull(label, "label");
    if (!label.matches("[a-z0-9][a-z0-9-]*")) {
      throw new IllegalArgumentException("target label must be [a-z0-9-]: " + label);
    }
    requireNonNull(runtime, "runtime");
    annotations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    features = features.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(features));
  }

  /** A target supporting every {@link Feature}. */
  public static Target full(String label, String runtime, Map<String, String> annotations) {
    return new Target(label, runtime, annotations, EnumSet.allOf(Feature.class));
  }

  public boolean supports(Feature feature) {
    return features.contains(feature);
  }

  /** Flags for {@code ctr run} / {@code ctr containers create} selecting this runtime. */
  public List<String> runFlags() {
    List<String> flags = new ArrayList<>(List.of("--runtime", runtime));
    for (Map.Entry<String, String> a : annotations.entrySet()) {
      flags.add("--annotation");
      flags.add(a.getKey() + "=" + a.getValue());
    }
    return flags;
  }

  @Override
  public String toString() {
    return label;
  }
}
