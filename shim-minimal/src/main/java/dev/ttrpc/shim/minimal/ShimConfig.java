package dev.ttrpc.shim.minimal;

import dev.ttrpc.shim.TaskException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The installation's settings, read from a small TOML file (default {@code
 * /etc/containerd/minimal-shim.toml}; {@code $MINIMAL_SHIM_CONFIG} or the runtime option {@code
 * ConfigPath} name another). Only {@code key = value} lines are read (strings in double quotes,
 * booleans, integers); {@code #} starts a comment; section headers are ignored. A missing file
 * means defaults.
 *
 * <pre>
 * # Backend for containers without the dev.ttrpc.minimal.backend annotation:
 * # "runc" (default when runc is on PATH) or "process".
 * default_backend = "runc"
 * # The runc binary (a name looked up on PATH, or a path).
 * runc_binary = "runc"
 * # Which containers share one shim daemon: "container" (group annotations, else one daemon
 * # per container), "namespace" (one daemon per containerd namespace).
 * grouping = "container"
 * # Whether containers may choose their backend with the annotation.
 * allow_backend_annotation = true
 * </pre>
 *
 * @param defaultBackend "runc" or "process"
 * @param runcBinary the runc executable
 * @param grouping "container" or "namespace"
 * @param allowBackendAnnotation whether {@link #BACKEND_ANNOTATION} is honoured
 */
public record ShimConfig(
    String defaultBackend, String runcBinary, String grouping, boolean allowBackendAnnotation) {

  /** The per-container backend choice: {@code runc} or {@code process}. */
  public static final String BACKEND_ANNOTATION = "dev.ttrpc.minimal.backend";

  public static final Path DEFAULT_PATH = Path.of("/etc/containerd/minimal-shim.toml");

  public static final List<String> BACKENDS = List.of("runc", "process");

  /** Defaults: runc if found on PATH, else the process backend. */
  public static ShimConfig defaults() {
    return new ShimConfig(onPath("runc") ? "runc" : "process", "runc", "container", true);
  }

  /** Reads {@code path}; a missing file gives {@link #defaults()}. */
  public static ShimConfig load(Path path) throws IOException {
    if (path == null || !Files.exists(path)) {
      return defaults();
    }
    return parse(Files.readString(path), defaults());
  }

  /**
   * Parses the file's text over {@code base}.
   *
   * @throws IllegalArgumentException naming the line of an invalid entry
   */
  public static ShimConfig parse(String text, ShimConfig base) {
    Map<String, Object> values = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = stripComment(lines[i]).trim();
      if (line.isEmpty() || line.startsWith("[")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("line " + (i + 1) + ": expected key = value");
      }
      String key = line.substring(0, eq).trim();
      String raw = line.substring(eq + 1).trim();
      Object value;
      if (raw.length() >= 2 && raw.startsWith("\"") && raw.endsWith("\"")) {
        value = raw.substring(1, raw.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
      } else if (raw.equals("true") || raw.equals("false")) {
        value = Boolean.parseBoolean(raw);
      } else {
        throw new IllegalArgumentException(
            "line " + (i + 1) + ": " + key + " needs a quoted string or a boolean");
      }
      values.put(key, value);
    }
    String backend = string(values, "default_backend", base.defaultBackend());
    if (!BACKENDS.contains(backend)) {
      throw new IllegalArgumentException("default_backend must be one of " + BACKENDS);
    }
    String grouping = string(values, "grouping", base.grouping());
    if (!List.of("container", "namespace").contains(grouping)) {
      throw new IllegalArgumentException("grouping must be \"container\" or \"namespace\"");
    }
    Object allow = values.getOrDefault("allow_backend_annotation", base.allowBackendAnnotation());
    if (!(allow instanceof Boolean)) {
      throw new IllegalArgumentException("allow_backend_annotation must be true or false");
    }
    return new ShimConfig(
        backend, string(values, "runc_binary", base.runcBinary()), grouping, (Boolean) allow);
  }

  private static String string(Map<String, Object> values, String key, String fallback) {
    Object v = values.get(key);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(key + " must be a quoted string");
    }
    return s;
  }

  private static String stripComment(String line) {
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '#' && !quoted) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  /** The backend for a container: its annotation if allowed and valid, else the default. */
  public String backendFor(Map<String, String> annotations) {
    String chosen = allowBackendAnnotation ? annotations.get(BACKEND_ANNOTATION) : null;
    if (chosen == null || chosen.isEmpty()) {
      return defaultBackend;
    }
    if (!BACKENDS.contains(chosen)) {
      throw new TaskException(
          TaskException.Code.INVALID_ARGUMENT,
          "unknown backend " + chosen + " in annotation " + BACKEND_ANNOTATION
              + " (expected one of " + BACKENDS + ")");
    }
    return chosen;
  }

  private static boolean onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return true;
      }
    }
    return false;
  }
}
