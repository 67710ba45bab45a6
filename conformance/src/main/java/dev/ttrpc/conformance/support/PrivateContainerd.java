package dev.ttrpc.conformance.support;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private containerd: its own root, state, sockets and log in a temporary work dir, the CRI
 * plugin disabled (unless {@link #withCri(String) enabled}), debug logging, and the given shim
 * directories first on its PATH. {@link #start()} it, use it, {@link #stop()} it (stop also
 * kills what is left of its containers and shims, unmounts and removes the work dir).
 *
 * <p>Start, restart and cleanup are delegated to {@code scripts/private-containerd.sh} (the same
 * harness the demo and benchmark scripts use). The system containerd is never touched. Callers
 * check {@link #missingPrerequisites()} first: JUnit tests skip or fail on them, the
 * shim-conformance tool reports them.
 *
 * <p>Thread-safe for concurrent {@code ctr} calls; {@link #restart()} must not overlap them, and
 * {@link #start()}/{@link #stop()} must not overlap anything.
 */
public final class PrivateContainerd {

  /** Default timeout of one ctr command. */
  public static final Duration CTR_TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern FORWARDED = Pattern.compile(
      "msg=\"event forwarded\" ns=(\\S+) topic=(\\S+) type=(\\S+)");

  private final List<Path> shimDirs;
  private final String criConfig;
  private final String containerdBinary;
  private final String ctrBinary;
  private volatile Map<String, String> env = Map.of();
  private EventLog events;
  /** Subscriptions to one namespace each, for warnings that say nothing of their namespace. */
  private final Map<String, EventLog> namespaceEvents = new HashMap<>();
  private Path rootfs;

  private PrivateContainerd(
      List<Path> shimDirs, String criConfig, String containerdBinary, String ctrBinary) {
    this.shimDirs = List.copyOf(shimDirs);
    this.criConfig = criConfig;
    this.containerdBinary = requireNonNull(containerdBinary, "containerdBinary");
    this.ctrBinary = requireNonNull(ctrBinary, "ctrBinary");
  }

  /** A containerd whose PATH starts with {@code shimDirs} (those that exist at start). */
  public static PrivateContainerd withShimDirs(Path... shimDirs) {
    return new PrivateContainerd(List.of(shimDirs), null, "containerd", "ctr");
  }

  /**
   * The same containerd run from {@code containerd} and driven by {@code ctr} (each a path or a
   * name looked up on PATH) instead of the ones on PATH.
   */
  public PrivateContainerd withBinaries(String containerd, String ctr) {
    return new PrivateContainerd(shimDirs, criConfig, containerd, ctr);
  }

  /**
   * The same containerd with the CRI plugin enabled and configured by {@code criConfig}: TOML
   * tables of {@code [plugins."io.containerd.grpc.v1.cri"]}, in which {@code @DIR@} stands for
   * the work dir (see {@code scripts/private-containerd.sh --cri}). The CRI service is served on
   * {@link #address()}; its containers live in the namespace {@code k8s.io} of this instance and
   * are cleaned up on stop.
   */
  public PrivateContainerd withCri(String criConfig) {
    return new PrivateContainerd(
        shimDirs, requireNonNull(criConfig, "criConfig"), containerdBinary, ctrBinary);
  }

  /**
   * Where {@code mvn package} puts the project's shim launcher {@code containerd-shim-minimal-v2}
   * (system property {@code conformance.shim.bin}, else {@code ../shim-minimal/target/dist/bin}).
   */
  public static Path minimalShimBin() {
    String configured = System.getProperty("conformance.shim.bin");
    Path bin = configured != null ? Path.of(configured)
        : Path.of("..", "shim-minimal", "target", "dist", "bin");
    return bin.toAbsolutePath().normalize();
  }

  /** The directory holding the project's shell scripts. */
  public static Path scriptsDir() {
    String configured = System.getProperty("conformance.scripts");
    Path dir = configured != null ? Path.of(configured) : Path.of("..", "scripts");
    return dir.toAbsolutePath().normalize();
  }

  /**
   * What this machine lacks to run this containerd (root, containerd, ctr, runc, the scripts),
   * one readable sentence each; empty if nothing.
   */
  public List<String> missingPrerequisites() {
    List<String> missing = new ArrayList<>();
    if (!isRoot()) {
      missing.add("containerd and runc need root");
    }
    if (!Commands.onPath(containerdBinary)) {
      missing.add(containerdBinary + " is not installed or not executable"
          + " (Debian: apt-get install containerd)");
    }
    if (!Commands.onPath(ctrBinary)) {
      missing.add(ctrBinary + " is not installed or not executable"
          + " (Debian: apt-get install containerd)");
    }
    if (!Commands.onPath("runc")) {
      missing.add("runc is not installed (Debian: apt-get install runc)");
    }
    if (!Files.isRegularFile(scriptsDir().resolve("private-containerd.sh"))) {
      missing.add("missing " + scriptsDir().resolve("private-containerd.sh")
          + " (set -Dconformance.scripts)");
    }
    return missing;
  }

  /** Whether this JVM runs as root (containerd and runc need it). */
  public static boolean isRoot() {
    CommandResult id = Commands.run(Duration.ofSeconds(5), "id", "-u");
    return id.exitCode() == 0 && id.stdout().trim().equals("0");
  }

  /**
   * Starts containerd and a {@code ctr events} subscription; returns once containerd answers.
   *
   * @throws IllegalStateException if it does not start (the message carries the script's output)
   */
  public synchronized void start() {
    List<String> argv = new ArrayList<>(List.of("bash", script("private-containerd.sh"), "start",
        "--containerd", containerdBinary, "--ctr", ctrBinary));
    for (Path dir : shimDirs) {
      if (Files.isDirectory(dir)) {
        argv.add("--shim-dir");
        argv.add(dir.toAbsolutePath().toString());
      }
    }
    Path criFile = null;
    if (criConfig != null) {
      try {
        criFile = Files.createTempFile("cri-config", ".toml");
        Files.writeString(criFile, criConfig, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      argv.add("--cri");
      argv.add(criFile.toString());
    }
    CommandResult started = Commands.run(Duration.ofSeconds(60), argv);
    if (criFile != null) {
      try {
        Files.deleteIfExists(criFile);
      } catch (IOException e) {
        // The script has copied it into the config; a leftover temp file is harmless.
      }
    }
    if (started.exitCode() != 0) {
      throw new IllegalStateException("private containerd did not start\n" + started.describe());
    }
    env = parseEnv(started.stdout());
    events = EventLog.start(ctrBinary, address());
  }

  /**
   * Stops containerd, kills what is left of its containers and shims, unmounts and removes the
   * work dir. Does nothing if not started (so safe to call twice, e.g. from a shutdown hook).
   * With the system property {@code conformance.keep=true} everything is left running and the
   * command that stops it is printed.
   *
   * @throws IllegalStateException if the cleanup failed
   */
  public synchronized void stop() {
    if (events != null) {
      events.close();
      events = null;
    }
    namespaceEvents.values().forEach(EventLog::close);
    namespaceEvents.clear();
    if (env.isEmpty()) {
      return;
    }
    if (Boolean.getBoolean("conformance.keep")) {
      System.err.println("keeping private containerd (stop it with:"
          + " scripts/private-containerd.sh stop " + dir() + ")");
      env = Map.of();
      return;
    }
    rootfs = null;
    CommandResult stopped =
        Commands.run(Duration.ofSeconds(120), "bash", script("private-containerd.sh"), "stop",
            dir().toString());
    if (stopped.exitCode() != 0) {
      throw new IllegalStateException("private containerd did not stop cleanly\n"
          + stopped.describe());
    }
    env = Map.of();
  }

  /** Whether containerd was started (and not stopped) by this extension. */
  public boolean isRunning() {
    return !env.isEmpty();
  }

  /** The work directory (config, root, state, sockets, log). */
  public Path dir() {
    return Path.of(value("PRIVATE_CONTAINERD_DIR"));
  }

  /** The gRPC socket, for {@code ctr -a}. */
  public String address() {
    return value("PRIVATE_CONTAINERD_ADDRESS");
  }

  /** This instance's namespace; others must be {@link #namespace(String) derived} from it. */
  public String namespace() {
    return value("PRIVATE_CONTAINERD_NAMESPACE");
  }

  /** A further namespace of this instance, {@code <namespace>-<suffix>}, cleaned up on stop. */
  public String namespace(String suffix) {
    return namespace() + "-" + requireNonNull(suffix, "suffix");
  }

  /** containerd's current pid. */
  public long pid() {
    return Long.parseLong(value("PRIVATE_CONTAINERD_PID"));
  }

  /** containerd's log file. */
  public Path logFile() {
    return Path.of(value("PRIVATE_CONTAINERD_LOG"));
  }

  /** The events seen by a {@code ctr events} subscription started with containerd. */
  public EventLog events() {
    return requireNonNull(events, "containerd not started");
  }

  /**
   * A {@code ctr events} subscription to {@code namespace} only, started on the first call: its
   * {@link EventLog#decodeWarnings() warnings} (which do not name a namespace) are then this
   * namespace's. Call it before the namespace's first event.
   */
  public synchronized EventLog events(String namespace) {
    requireNonNull(events, "containerd not started");
    return namespaceEvents.computeIfAbsent(namespace,
        ns -> EventLog.start(ctrBinary, address(), "namespace==" + ns));
  }

  /** {@code ctr -a <address> -n <namespace> args…} as an argv. */
  public List<String> ctrCommand(String namespace, String... args) {
    List<String> argv = new ArrayList<>(List.of(ctrBinary, "-a", address(), "-n", namespace));
    argv.addAll(List.of(args));
    return argv;
  }

  /** Runs ctr in {@code namespace} with the default timeout. */
  public CommandResult ctr(String namespace, String... args) {
    return ctr(namespace, CTR_TIMEOUT, args);
  }

  /** Runs ctr in {@code namespace}; a command still running after {@code timeout} is killed. */
  public CommandResult ctr(String namespace, Duration timeout, String... args) {
    return Commands.run(timeout, ctrCommand(namespace, args));
  }

  /** A busybox rootfs inside the work dir, built on first use by scripts/busybox-rootfs.sh. */
  public synchronized Path rootfs() {
    if (rootfs == null) {
      Path dir = dir().resolve("rootfs");
      CommandResult built =
          Commands.run(Duration.ofSeconds(60), "bash", script("busybox-rootfs.sh"), dir.toString());
      if (built.exitCode() != 0) {
        throw new IllegalStateException(
            "cannot build a busybox rootfs (Debian: apt-get install busybox-static)\n"
                + built.describe());
      }
      rootfs = dir;
    }
    return rootfs;
  }

  /**
   * Stops containerd (its shims and containers keep running) and starts it again with the same
   * configuration; the event subscription is renewed.
   */
  public synchronized void restart() {
    events.expectDisconnect();
    namespaceEvents.values().forEach(EventLog::expectDisconnect);
    CommandResult restarted = Commands.run(Duration.ofSeconds(90),
        "bash", script("private-containerd.sh"), "restart", dir().toString());
    if (restarted.exitCode() != 0) {
      throw new IllegalStateException("private containerd did not restart\n"
          + restarted.describe());
    }
    env = parseEnv(restarted.stdout());
    events.resubscribe();
    namespaceEvents.values().forEach(EventLog::resubscribe);
  }

  /**
   * The socket a shim of this containerd serves a group on: {@code /run/containerd/s/} +
   * hex(sha256({@code <address>/<namespace>/<group>})), as containerd 1.6's shims compute it.
   */
  public Path shimSocket(String namespace, String group) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(
          (address() + "/" + namespace + "/" + group).getBytes(StandardCharsets.UTF_8));
      return Path.of("/run/containerd/s", HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The current size of containerd's log in bytes, to read what comes after it later. */
  public long logSize() {
    try {
      return Files.size(logFile());
    } catch (IOException e) {
      return 0;
    }
  }

  /** containerd's log from byte {@code offset} on ("" if unreadable). */
  public String logSince(long offset) {
    try {
      byte[] all = Files.readAllBytes(logFile());
      int from = (int) Math.min(Math.max(offset, 0), all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** containerd's log so far. */
  public String log() {
    try {
      return Files.readString(logFile(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Events shims forwarded to containerd in {@code namespace}, as {@code topic → type_url} pairs
   * in arrival order, from containerd's debug log ({@code event forwarded}).
   */
  public List<Map.Entry<String, String>> forwardedEvents(String namespace) {
    List<Map.Entry<String, String>> result = new ArrayList<>();
    Matcher m = FORWARDED.matcher(log());
    while (m.find()) {
      if (m.group(1).equals(namespace)) {
        result.add(Map.entry(m.group(2), m.group(3)));
      }
    }
    return result;
  }

  private String value(String key) {
    String v = env.get(key);
    if (v == null) {
      throw new IllegalStateException("private containerd not started (no " + key + ")");
    }
    return v;
  }

  private static String script(String name) {
    Path script = scriptsDir().resolve(name);
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("missing " + script + " (set -Dconformance.scripts)");
    }
    return script.toString();
  }

  private static Map<String, String> parseEnv(String output) {
    Map<String, String> result = new HashMap<>();
    for (String line : output.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        result.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return Map.copyOf(result);
  }
}
