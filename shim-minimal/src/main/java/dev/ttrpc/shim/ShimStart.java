package dev.ttrpc.shim;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code start} action: find or create the shim daemon serving a group and return its
 * address, the way containerd's runc shim does it.
 *
 * <ol>
 *   <li>Bind the group's socket natively (no unlink, so an existing socket reports {@code
 *       EADDRINUSE}). In use and connectable: another daemon serves the group, reuse it. In use
 *       but dead: unlink the stale file and bind again.
 *   <li>Write the bundle's {@code address} file atomically.
 *   <li>Spawn the daemon with {@code posix_spawn}: the shim's own command without an action, the
 *       listening socket as fd 3, stdio on {@code /dev/null}, a new session, the bundle as cwd,
 *       and an environment without JVM option variables (a JVM prints "Picked up ..." for them).
 *       The daemon is not waited for: the socket already queues connections.
 * </ol>
 *
 * <p>{@link #bind} is steps 1 and 2 alone, for a {@code start} that runs in the process that is
 * to serve the group (the launcher's cold start): that process then needs no spawn.
 *
 * <p>Stateless; one call per {@code start} process.
 */
public final class ShimStart {
  /** Environment variables that make a JVM print to stderr or change its flags. */
  public static final Set<String> JVM_OPTION_VARIABLES =
      Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

  /** System property naming the launcher to re-run for the daemon (set by the launcher script). */
  public static final String LAUNCHER_PROPERTY = "dev.ttrpc.shim.launcher";

  /**
   * System property set by the launcher when it runs {@code start} in the process that is to
   * become the daemon (see {@code ShimRunner}); its value is containerd's pid (the launcher's
   * parent). Stdout is then the report pipe to the launcher.
   */
  public static final String SERVE_PROPERTY = "dev.ttrpc.shim.serve";

  /**
   * System property set by the launcher when it has already read {@code start}'s stdin (the
   * runtime options containerd writes there): the same bytes in hex, or {@code -} when the hex
   * is on this process's stdin instead (see {@link ShimRunner#startInputBytes}).
   */
  public static final String START_INPUT_PROPERTY = "dev.ttrpc.shim.startInput";

  /** Report prefix: what follows is the reply to print; exit status 0. */
  public static final String REPORT_OK = "ok:";

  /** Report prefix: what follows is the line to print on stderr; exit status 1. */
  public static final String REPORT_ERROR = "error:";

  private ShimStart() {}

  /** The outcome: the address to print, and whether an existing daemon was reused. */
  public record Result(String address, boolean reused, int daemonPid) {}

  /**
   * The group's socket: either bound by this process ({@link #listener} ≥ 0, close-on-exec,
   * listening, mode 0600) or served by a live daemon ({@link #reused()}). Either way the
   * bundle's {@code address} file already holds the reply.
   *
   * @param address the group's {@code unix://} address
   * @param listener the listening descriptor, or -1 when another daemon serves the group
   */
  public record Binding(String address, int listener) {
    /** Whether a live daemon already serves the group (nothing was bound). */
    public boolean reused() {
      return listener < 0;
    }
  }

  /**
   * Starts or reuses the daemon for the group.
   *
   * @param daemonCommand the command that runs this shim (without flags or action)
   * @param daemonArgs the daemon's flags
   * @param reply the text to print and write to {@code address} for a given address
   */
  public static Result start(
      Path bundle,
      String address,
      List<String> daemonCommand,
      List<String> daemonArgs,
      Map<String, String> env,
      java.util.function.UnaryOperator<String> reply)
      throws IOException {
    Binding b = bind(bundle, address, reply);
    if (b.reused()) {
      return new Result(address, true, 0);
    }
    Path socket = ShimSockets.socketPath(address);
    try {
      List<String> argv = new java.util.ArrayList<>(daemonCommand);
      argv.addAll(daemonArgs);
      int pid =
          Libc.spawn(
              argv, daemonEnvironment(env), new Libc.SpawnOptions(bundle, Map.of(3, b.listener()),
                  true));
      long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
      adjustOomScore(parent, pid);
      return new Result(address, false, pid);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(socket);
      throw e;
    } finally {
      Libc.closeQuietly(b.listener());
    }
  }

  /**
   * The first half of {@link #start}, for a process that is to serve the group itself: binds the
   * group's socket natively (an existing socket reports {@code EADDRINUSE}: connectable means a
   * live daemon serves the group, otherwise the stale file is unlinked and the bind retried) and
   * writes the bundle's {@code address} file. On failure nothing is left bound.
   *
   * @param reply the text to write to {@code address} for a given address
   */
  public static Binding bind(
      Path bundle, String address, java.util.function.UnaryOperator<String> reply)
      throws IOException {
    requireNonNull(bundle, "bundle");
    Path socket = ShimSockets.socketPath(address);
    Files.createDirectories(
        socket.getParent(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    // The common case of a grouped container: the group's daemon already serves. Reuse it with
    // the JDK's own socket support, before anything loads the native bindings.
    if (Files.exists(socket) && canConnectWithJdk(socket)) {
      writeAddressFile(bundle, reply.apply(address));
      return new Binding(address, -1);
    }
    int listener = -1;
    for (int attempt = 0; listener < 0; attempt++) {
      try {
        listener = Libc.unixListen(socket, 128);
      } catch (ErrnoException e) {
        if (e.errno() != Errno.EADDRINUSE || attempt >= 2) {
          throw e;
        }
        if (canConnect(socket)) {
          writeAddressFile(bundle, reply.apply(address));
          return new Binding(address, -1);
        }
        Files.deleteIfExists(socket);
      }
    }
    try {
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
      writeAddressFile(bundle, reply.apply(address));
      return new Binding(address, listener);
    } catch (IOException | RuntimeException e) {
      Libc.closeQuietly(listener);
      Files.deleteIfExists(socket);
      throw e;
    }
  }

  private static boolean canConnectWithJdk(Path socket) {
    try (java.nio.channels.SocketChannel channel =
        java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      return channel.connect(java.net.UnixDomainSocketAddress.of(socket));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Whether something accepts connections on the socket file. */
  public static boolean canConnect(Path socket) {
    try {
      Libc.close(Libc.unixConnect(socket));
      return true;
    } catch (ErrnoException e) {
      return false;
    }
  }

  /** {@code env} without the JVM option variables. */
  public static Map<String, String> daemonEnvironment(Map<String, String> env) {
    Map<String, String> out = new LinkedHashMap<>(env);
    out.keySet().removeAll(JVM_OPTION_VARIABLES);
    return out;
  }

  /** Writes {@code bundle/address} atomically (temp file + rename), as containerd expects. */
  public static void writeAddressFile(Path bundle, String content) throws IOException {
    Path tmp = bundle.resolve(".address");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, bundle.resolve("address"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The command that runs this shim: the launcher named by {@link #LAUNCHER_PROPERTY}, else this
   * JVM's executable and options (everything before the program arguments {@code ownArgs}).
   */
  public static List<String> selfCommand(int ownArgCount) {
    String launcher = System.getProperty(LAUNCHER_PROPERTY, "");
    if (!launcher.isEmpty()) {
      return List.of(launcher);
    }
    ProcessHandle.Info info = ProcessHandle.current().info();
    String cmd = info.command().orElseThrow(() -> new IllegalStateException("no own command"));
    String[] args = info.arguments().orElse(new String[0]);
    List<String> out = new java.util.ArrayList<>();
    out.add(cmd);
    out.addAll(List.of(args).subList(0, Math.max(0, args.length - ownArgCount)));
    return out;
  }

  /**
   * Gives process {@code pid} the OOM score of {@code containerdPid} + 1 (the runc shim's rule:
   * the shim goes before containerd), best effort.
   */
  public static void adjustOomScore(long containerdPid, long pid) {
    try {
      String score =
          Files.readString(Path.of("/proc/" + containerdPid + "/oom_score_adj")).trim();
      int adj = Math.min(1000, Integer.parseInt(score) + 1);
      Files.writeString(Path.of("/proc/" + pid + "/oom_score_adj"), Integer.toString(adj));
    } catch (IOException | NumberFormatException e) {
      // Best effort, as in the runc shim: the daemon runs fine with the default score.
    }
  }
}
