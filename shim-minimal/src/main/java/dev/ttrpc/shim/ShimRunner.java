package dev.ttrpc.shim;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.Handshaker;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.TtrpcServerBuilder;
import dev.ttrpc.proto.containerd.task.v2.DeleteResponse;
import dev.ttrpc.shim.log.ShimLog;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of a Java containerd shim: parses the command line and runs the action.
 *
 * <ul>
 *   <li>{@code -v}: prints the version, exits 0. Unknown flags: usage on stderr, exit 2.
 *   <li>{@code start}: reads the runtime options from stdin, computes the group's socket, starts
 *       or reuses the daemon ({@link ShimStart}), writes {@code ./address}, prints ONLY the
 *       address on stdout (JSON {@code {"version":2,...}} when containerd 2.3+ sent
 *       BootstrapParams), nothing on stderr, and exits at once.
 *   <li>{@code delete}: runs {@link Shim#cleanup} and prints only the serialized DeleteResponse.
 *   <li>no action: the daemon. Becomes a child subreaper, sends its stderr to the bundle's {@code
 *       log} FIFO, writes {@code shim.pid}, serves the shim's services over ttRPC on the inherited
 *       fd 3 (or {@code -socket}) with the same-user handshake, and exits after {@link
 *       ShimDaemon#shutdown()}. With {@link ShimStart#SERVE_PROPERTY} set (by the launcher, for
 *       a cold start) it first does {@code start}'s work itself, binding the group's socket
 *       instead of inheriting it, and reports to the launcher on stdout (see {@code
 *       startAndServe}); its command line is then a daemon's, without {@code start}.
 * </ul>
 *
 * <p>Logging goes through SLF4J (bound to {@link ShimLog}'s logrus lines), to stderr only, and
 * only in daemon mode or on failure: {@code start} must keep stderr empty.
 */
public final class ShimRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ShimRunner.class);

  private ShimRunner() {}

  /** Runs the shim and exits the JVM with the action's status. */
  public static void run(String binaryName, String version, Shim shim, String[] args) {
    requireNonNull(shim, "shim");
    int status;
    try {
      status = runAction(binaryName, version, shim, List.of(args));
    } catch (Throwable t) {
      System.err.println(binaryName + ": " + t.getMessage());
      status = 1;
    }
    if (status >= 0) {
      System.out.flush();
      System.err.flush();
      // Exit at once: lingering executor threads must not delay containerd.
      System.exit(status);
    }
  }

  /** Runs the action; returns the exit status, or -1 for a daemon that exits by itself. */
  static int runAction(String binaryName, String version, Shim shim, List<String> args)
      throws Exception {
    ShimFlags flags;
    try {
      flags = ShimFlags.parse(args);
    } catch (ShimFlags.UsageException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println(e.getMessage());
      }
      System.err.print(ShimFlags.usage(binaryName));
      return e.exitCode();
    }
    if (flags.version()) {
      System.out.println(binaryName + ":");
      System.out.println("  Version:  " + version);
      System.out.println("  Java version: " + System.getProperty("java.version"));
      return 0;
    }
    if (flags.namespace().isEmpty()) {
      System.err.println("shim namespace cannot be empty");
      return 1;
    }
    Path bundle =
        flags.bundle().isEmpty() ? Path.of("").toAbsolutePath() : Path.of(flags.bundle());
    Map<String, String> env = System.getenv();
    switch (flags.action()) {
      case "start" -> {
        byte[] stdin = startInputBytes(System.getProperty(ShimStart.START_INPUT_PROPERTY),
            System.in);
        StartInput input = StartInput.parse(stdin, flags.id(), flags.namespace());
        ShimContext ctx = new ShimContext(flags, bundle, input, env);
        String reply = start(shim, ctx, args.size());
        System.out.print(reply);
        return 0;
      }
      case "delete" -> {
        ShimContext ctx = new ShimContext(flags, bundle, StartInput.EMPTY, env);
        DeleteResponse r = shim.cleanup(ctx);
        removeDeadSocket(bundle);
        // After a clean Delete the daemon recorded the task's real exit; the launcher's fast
        // path prints those same bytes.
        byte[] out =
            ShimRecords.deletedResponse(bundle, flags.namespace(), flags.id())
                .orElseGet(r::toByteArray);
        System.out.write(out);
        return 0;
      }
      case "" -> {
        String caller = System.getProperty(ShimStart.SERVE_PROPERTY, "");
        if (!caller.isEmpty()) {
          return startAndServe(binaryName, shim, flags, bundle, env, caller);
        }
        Path socket =
            flags.socket().isEmpty()
                ? socketFromAddressFile(bundle)
                : ShimSockets.socketPath(flags.socket());
        daemon(shim, new ShimContext(flags, bundle, StartInput.EMPTY, env),
            flags.socket().isEmpty() ? 3 : -1, socket);
        return -1;
      }
      default -> {
        System.err.println("unknown action: " + flags.action());
        System.err.print(ShimFlags.usage(binaryName));
        return 2;
      }
    }
  }

  private static String start(Shim shim, ShimContext ctx, int ownArgCount) throws IOException {
    ShimFlags flags = ctx.flags();
    Map<String, String> annotations = annotations(ctx.bundle());
    String group = shim.groupId(ctx, annotations);
    Path socketDir =
        ctx.startInput().socketDir().isEmpty()
            ? ShimSockets.DEFAULT_SOCKET_DIR
            : Path.of(ctx.startInput().socketDir());
    String address = ShimSockets.socketAddress(flags.address(), flags.namespace(), group,
        socketDir);
    Map<String, String> env = new LinkedHashMap<>(ctx.env());
    if (!ctx.startInput().ttrpcAddress().isEmpty()) {
      env.put("TTRPC_ADDRESS", ctx.startInput().ttrpcAddress());
    }
    boolean json = ctx.startInput().bootstrap();
    ShimStart.Result r =
        ShimStart.start(
            ctx.bundle(),
            address,
            ShimStart.selfCommand(ownArgCount),
            flags.daemonArguments(),
            env,
            a -> json ? startReplyJson(a) : a);
    if (!r.reused()) {
      long containerd = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(1L);
      recordDaemon(r.address(), r.daemonPid(), containerd, flags, group);
    }
    return json ? startReplyJson(r.address()) : r.address();
  }

  /**
   * {@code start} when the launcher ran it in the process that is to become the daemon ({@link
   * ShimStart#SERVE_PROPERTY}): stdout is a pipe to the launcher, which prints what this writes
   * there. The launcher gave this process a session of its own, stdin and stderr on {@code
   * /dev/null} and the bundle as working directory, as {@link ShimStart#start} gives a spawned
   * daemon. It does what the {@code start} JVM does, then reports one of
   *
   * <ul>
   *   <li>{@value ShimStart#REPORT_OK}{@code reply}: bound the group's socket (and wrote the
   *       address file, the daemon record, its OOM score): this process goes on as the daemon,
   *       stdout on {@code /dev/null};
   *   <li>{@value ShimStart#REPORT_OK}{@code reply}, then exit 0: a live daemon serves the group;
   *   <li>{@value ShimStart#REPORT_ERROR}{@code message}, then exit 1: the {@code start} JVM's
   *       stderr line; nothing is left bound.
   * </ul>
   *
   * <p>Returns the exit status, or -1 once it serves.
   */
  private static int startAndServe(
      String binaryName, Shim shim, ShimFlags flags, Path bundle, Map<String, String> env,
      String caller) throws Exception {
    java.io.PrintStream report = System.out;
    ShimStart.Binding binding = null;
    String reply;
    ShimContext daemonCtx;
    try {
      long containerd = Long.parseLong(caller);
      byte[] stdin = startInputBytes(System.getProperty(ShimStart.START_INPUT_PROPERTY),
          System.in);
      StartInput input = StartInput.parse(stdin, flags.id(), flags.namespace());
      ShimContext ctx = new ShimContext(flags, bundle, input, env);
      String group = shim.groupId(ctx, annotations(bundle));
      Path socketDir =
          input.socketDir().isEmpty() ? ShimSockets.DEFAULT_SOCKET_DIR : Path.of(input.socketDir());
      String address =
          ShimSockets.socketAddress(flags.address(), flags.namespace(), group, socketDir);
      boolean json = input.bootstrap();
      reply = json ? startReplyJson(address) : address;
      // What a spawned daemon would see: its own flags, and the environment start gives it.
      Map<String, String> daemonEnv = new LinkedHashMap<>(ShimStart.daemonEnvironment(env));
      if (!input.ttrpcAddress().isEmpty()) {
        daemonEnv.put("TTRPC_ADDRESS", input.ttrpcAddress());
      }
      daemonCtx =
          new ShimContext(ShimFlags.parse(flags.daemonArguments()), bundle, StartInput.EMPTY,
              daemonEnv);
      binding = ShimStart.bind(bundle, address, a -> json ? startReplyJson(a) : a);
      if (!binding.reused()) {
        // The JDK's pid, not Libc's: every distinct downcall shape linked before the report
        // spins classes the AOT cache cannot hold, and containerd waits for the report.
        int self = (int) ProcessHandle.current().pid();
        ShimStart.adjustOomScore(containerd, self);
        recordDaemon(address, self, containerd, flags, group);
      }
    } catch (Throwable t) {
      if (binding != null && !binding.reused()) {
        Libc.closeQuietly(binding.listener());
        Files.deleteIfExists(ShimSockets.socketPath(binding.address()));
      }
      report.print(ShimStart.REPORT_ERROR + binaryName + ": " + t.getMessage());
      report.flush();
      return 1;
    }
    report.print(ShimStart.REPORT_OK + reply);
    report.flush();
    // The launcher reads until end of file: from here on stdout is /dev/null, as for a spawned
    // daemon. The launcher put stderr on /dev/null (daemon() moves it to the log only later), so
    // no open() of /dev/null (one more downcall shape to link) is needed before the report.
    try {
      Libc.dup2(2, 1);
    } catch (ErrnoException e) {
      // No stderr at all: closing stdout still ends the launcher's read.
      Libc.closeQuietly(1);
    }
    if (binding.reused()) {
      return 0;
    }
    daemon(shim, daemonCtx, binding.listener(), ShimSockets.socketPath(binding.address()));
    return -1;
  }

  /**
   * What containerd wrote on {@code start}'s stdin: {@code stdin} itself, unless the launcher
   * read it first and passed the bytes on as {@link ShimStart#START_INPUT_PROPERTY} ({@code
   * property}): hex digits, or {@code -} for hex digits (and a final newline) on {@code stdin}.
   *
   * @throws IllegalArgumentException if the hex is malformed
   */
  public static byte[] startInputBytes(String property, java.io.InputStream stdin) throws IOException {
    if (property == null) {
      return stdin.readAllBytes();
    }
    String hex =
        property.equals("-")
            ? new String(stdin.readAllBytes(), StandardCharsets.US_ASCII).strip()
            : property;
    try {
      return java.util.HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "runtime options from the launcher are not hex (" + ShimStart.START_INPUT_PROPERTY
              + ")", e);
    }
  }

  /** Lets the launcher reuse this daemon without a JVM ({@link ShimRecords}); best effort. */
  private static void recordDaemon(
      String address, int daemonPid, long containerdPid, ShimFlags flags, String group) {
    var daemon = ShimRecords.ProcessIdentity.of(daemonPid);
    var containerd = ShimRecords.ProcessIdentity.of(containerdPid);
    if (daemon.isPresent() && containerd.isPresent()) {
      ShimRecords.writeDaemonRecord(
          ShimSockets.socketPath(address),
          daemon.get(),
          flags.namespace(),
          flags.address(),
          group,
          containerd.get());
    }
  }

  /** The JSON start reply containerd 1.7+ understands (task API version 2, ttRPC). */
  public static String startReplyJson(String address) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 2);
    m.put("address", address);
    m.put("protocol", "ttrpc");
    return Json.write(m);
  }

  /** The address in a start reply or {@code address} file (plain or JSON). */
  public static String addressOf(String reply) {
    String s = reply.trim();
    if (s.startsWith("{")) {
      return Json.string(Json.parseObject(s), "address", "");
    }
    return s;
  }

  /** {@code config.json}'s annotations (empty if absent or unreadable). */
  public static Map<String, String> annotations(Path bundle) {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      Map<String, Object> spec =
          Json.parseObject(Files.readString(bundle.resolve("config.json"), StandardCharsets.UTF_8));
      for (Map.Entry<String, Object> e : Json.object(spec, "annotations").entrySet()) {
        if (e.getValue() instanceof String v) {
          out.put(e.getKey(), v);
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      // No spec or a broken one: no annotations; Create will report the real problem.
    }
    return out;
  }

  // ---- daemon --------------------------------------------------------------------------------

  /**
   * Serves until shutdown: on the listening descriptor {@code listenerFd}, or on {@code -socket}
   * when it is negative. {@code socket} is the file to remove on exit (null if unknown).
   */
  private static void daemon(Shim shim, ShimContext ctx, int listenerFd, Path socket)
      throws Exception {
    redirectStderrToLogFifo(ctx.bundle());
    configureLogging(ctx.flags().debug());
    Libc.setChildSubreaper(true);
    Files.writeString(ctx.bundle().resolve("shim.pid"), Integer.toString(Libc.getpid()));
    EventPublisher publisher =
        EventPublisher.toContainerd(ctx.ttrpcAddress(), ctx.flags().namespace());
    CountDownLatch stop = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    ShimDaemon daemon =
        new ShimDaemon() {
          @Override
          public ShimContext context() {
            return ctx;
          }

          @Override
          public EventPublisher publisher() {
            return publisher;
          }

          @Override
          public void shutdown() {
            if (stopping.compareAndSet(false, true)) {
              if (socket != null) {
                // Before the Shutdown reply: from now on the launcher must not hand this daemon
                // out.
                ShimRecords.removeDaemonRecord(socket, Libc.getpid());
              }
              stop.countDown();
            }
          }
        };
    TtrpcServerBuilder builder = TtrpcServer.builder().handshaker(Handshaker.requireSameUser());
    for (ServiceDefinition s : shim.services(daemon)) {
      builder.addService(s);
    }
    TtrpcServer server = builder.build();
    if (listenerFd >= 0) {
      server.startOnInheritedFd(listenerFd);
    } else {
      server.start(ctx.flags().socket());
    }
    LOG.info("shim {} serving (pid {})", ctx.flags().id(), Libc.getpid());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (socket != null) {
                    ShimRecords.removeDaemonRecord(socket, Libc.getpid());
                    try {
                      Files.deleteIfExists(socket);
                    } catch (IOException ignored) {
                      // Exiting anyway.
                    }
                  }
                }));
    stop.await();
    LOG.info("shim {} shutting down", ctx.flags().id());
    try {
      server.shutdown().get(2, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // Calls like a Wait whose client is gone never finish: cut them off.
      server.shutdownNow();
    }
    publisher.close();
    if (socket != null) {
      Files.deleteIfExists(socket);
    }
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(0);
  }

  /**
   * After a daemon died (SIGKILL), its socket file stays behind; remove it if nothing accepts on
   * it any more. A live daemon (still serving other containers of its group) keeps its socket.
   */
  static void removeDeadSocket(Path bundle) {
    Path socket = socketFromAddressFile(bundle);
    if (socket != null && Files.exists(socket) && !ShimStart.canConnect(socket)) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        // Best effort: a later start replaces a stale socket anyway.
      }
    }
  }

  private static Path socketFromAddressFile(Path bundle) {
    try {
      String a = addressOf(Files.readString(bundle.resolve("address")));
      return a.isEmpty() ? null : ShimSockets.socketPath(a);
    } catch (IOException e) {
      return null;
    }
  }

  /** Points fd 2 at the bundle's {@code log} FIFO if containerd holds it open. */
  private static void redirectStderrToLogFifo(Path bundle) {
    Path log = bundle.resolve("log");
    if (!Files.exists(log)) {
      return;
    }
    try {
      int fd = Libc.open(log, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
      Libc.setNonBlocking(fd, false);
      Libc.dup2(fd, 2);
      Libc.close(fd);
    } catch (ErrnoException e) {
      // ENXIO: nobody reads the FIFO (containerd gone); keep /dev/null.
    }
  }

  /**
   * Logrus lines on stderr (the log FIFO in the daemon), debug level with {@code -debug}; see
   * {@link ShimLog}.
   */
  public static void configureLogging(boolean debug) {
    ShimLog.get().configure(debug);
  }
}
