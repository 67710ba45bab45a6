package dev.ttrpc.shim;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The command line containerd passes to a shim, parsed with Go's {@code flag} rules: {@code -name
 * value}, {@code -name=value}, one or two leading dashes, boolean flags take no separate value
 * ({@code -debug} or {@code -debug=false}), parsing stops at the first non-flag argument (the
 * action: {@code start}, {@code delete}, or none for the daemon) or after {@code --}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param namespace {@code -namespace}: containerd namespace
 * @param address {@code -address}: containerd's gRPC socket path
 * @param publishBinary {@code -publish-binary}: containerd's executable
 * @param id {@code -id}: task id
 * @param bundle {@code -bundle}: bundle directory (delete only; else the working directory)
 * @param debug {@code -debug}
 * @param socket {@code -socket}: address to serve on in daemon mode instead of inherited fd 3
 * @param version {@code -v} / {@code -version}: print the version and exit
 * @param action the first non-flag argument, or "" for daemon mode
 * @param arguments the arguments after the action
 */
public record ShimFlags(
    String namespace,
    String address,
    String publishBinary,
    String id,
    String bundle,
    boolean debug,
    String socket,
    boolean version,
    String action,
    List<String> arguments) {

  public ShimFlags {
    requireNonNull(namespace, "namespace");
    requireNonNull(address, "address");
    requireNonNull(publishBinary, "publishBinary");
    requireNonNull(id, "id");
    requireNonNull(bundle, "bundle");
    requireNonNull(socket, "socket");
    requireNonNull(action, "action");
    arguments = List.copyOf(arguments);
  }

  /** A command-line problem: the message to print before the usage, and the exit code (2). */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    UsageException(String message, int exitCode) {
      super(message);
      this.exitCode = exitCode;
    }

    /** 2 for a bad flag, 0 for an explicit {@code -h}/{@code -help} (as Go's flag package). */
    public int exitCode() {
      return exitCode;
    }
  }

  private static final Map<String, String> STRING_FLAGS = new TreeMap<>();
  private static final Map<String, String> BOOL_FLAGS = new TreeMap<>();

  static {
    STRING_FLAGS.put("namespace", "namespace that owns the shim");
    STRING_FLAGS.put("address", "grpc address back to main containerd");
    STRING_FLAGS.put("publish-binary", "path to publish binary (used for publishing events)");
    STRING_FLAGS.put("id", "id of the task");
    STRING_FLAGS.put("bundle", "path to the bundle if not workdir");
    STRING_FLAGS.put("socket", "socket path to serve");
    BOOL_FLAGS.put("debug", "enable debug output in logs");
    BOOL_FLAGS.put("v", "show the shim version and exit");
    BOOL_FLAGS.put("version", "show the shim version and exit");
  }

  /** Parses {@code args}. */
  public static ShimFlags parse(List<String> args) throws UsageException {
    Map<String, String> strings = new TreeMap<>();
    Map<String, Boolean> bools = new TreeMap<>();
    int i = 0;
    while (i < args.size()) {
      String a = args.get(i);
      if (a.length() < 2 || a.charAt(0) != '-') {
        break;
      }
      i++;
      if (a.equals("--")) {
        break;
      }
      String name = a.startsWith("--") ? a.substring(2) : a.substring(1);
      if (name.isEmpty() || name.startsWith("-") || name.startsWith("=")) {
        throw new UsageException("bad flag syntax: " + a, 2);
      }
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (name.equals("h") || name.equals("help")) {
        throw new UsageException("", 0);
      }
      if (BOOL_FLAGS.containsKey(name)) {
        if (value == null) {
          bools.put(name, true);
        } else {
          Boolean b = parseGoBool(value);
          if (b == null) {
            throw new UsageException(
                "invalid boolean value \"" + value + "\" for -" + name + ": parse error", 2);
          }
          bools.put(name, b);
        }
      } else if (STRING_FLAGS.containsKey(name)) {
        if (value == null) {
          if (i >= args.size()) {
            throw new UsageException("flag needs an argument: -" + name, 2);
          }
          value = args.get(i++);
        }
        strings.put(name, value);
      } else {
        throw new UsageException("flag provided but not defined: -" + name, 2);
      }
    }
    String action = i < args.size() ? args.get(i++) : "";
    return new ShimFlags(
        strings.getOrDefault("namespace", ""),
        strings.getOrDefault("address", ""),
        strings.getOrDefault("publish-binary", ""),
        strings.getOrDefault("id", ""),
        strings.getOrDefault("bundle", ""),
        bools.getOrDefault("debug", false),
        strings.getOrDefault("socket", ""),
        bools.getOrDefault("v", false) || bools.getOrDefault("version", false),
        action,
        new ArrayList<>(args.subList(i, args.size())));
  }

  private static Boolean parseGoBool(String s) {
    return switch (s) {
      case "1", "t", "T", "true", "TRUE", "True" -> true;
      case "0", "f", "F", "false", "FALSE", "False" -> false;
      default -> null;
    };
  }

  /** The usage text, listing every flag, for {@code binary}. */
  public static String usage(String binary) {
    StringBuilder sb = new StringBuilder("Usage of ").append(binary).append(":\n");
    Map<String, String> all = new TreeMap<>(STRING_FLAGS);
    all.putAll(BOOL_FLAGS);
    for (Map.Entry<String, String> e : all.entrySet()) {
      sb.append("  -").append(e.getKey());
      if (STRING_FLAGS.containsKey(e.getKey())) {
        sb.append(" string");
      }
      sb.append("\n    \t").append(e.getValue()).append('\n');
    }
    sb.append("  action: start | delete | (none: run the shim daemon)\n");
    return sb.toString();
  }

  /**
   * The arguments for the shim's own daemon: the flags containerd gave {@code start}, minus the
   * action, in the order the Go shims use.
   */
  public List<String> daemonArguments() {
    List<String> out = new ArrayList<>();
    out.add("-namespace");
    out.add(namespace);
    out.add("-id");
    out.add(id);
    out.add("-address");
    out.add(address);
    if (!publishBinary.isEmpty()) {
      out.add("-publish-binary");
      out.add(publishBinary);
    }
    if (debug) {
      out.add("-debug");
    }
    return out;
  }
}
