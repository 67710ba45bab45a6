package dev.ttrpc.conformance.interop;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.Handshaker;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.TtrpcServerBuilder;
import dev.ttrpc.conformance.bench.ServerStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Java interop server: serves {@code ttrpc.interop.TestService} ({@link TestServiceImpl}) on a
 * Unix socket, accepting only clients of its own uid and gid, as containerd shims and the Go peer
 * do. With {@code --stats} it also serves {@link ServerStats}, for benchmarks.
 *
 * <p>From the shell ({@code conformance/bin/interop-server}):
 *
 * <pre>
 * interop-server --address unix:///PATH [--stats]
 * </pre>
 *
 * It prints {@code READY <address>} on stdout once it accepts connections; SIGINT or SIGTERM shut
 * it down gracefully and remove the socket. Tests embed it with {@link #start(String, boolean)}.
 *
 * <p>Thread-safe.
 */
public final class InteropServer implements AutoCloseable {
  private static final Duration GRACE = Duration.ofSeconds(2);
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final TtrpcServer server;
  private final String address;
  private final Path socketFile;

  private InteropServer(TtrpcServer server, String address, Path socketFile) {
    this.server = server;
    this.address = address;
    this.socketFile = socketFile;
  }

  /**
   * Starts serving on {@code address} ({@code unix:///path} or a plain path; a stale socket file
   * there is replaced, any other file is an error).
   *
   * @param stats whether to serve {@link ServerStats} too
   */
  public static InteropServer start(String address, boolean stats) throws IOException {
    requireNonNull(address, "address");
    Path socketFile = InteropAddress.socketPath(address);
    refuseNonSocket(socketFile);
    TtrpcServerBuilder builder =
        TtrpcServer.builder()
            .handshaker(Handshaker.requireSameUser())
            .addService(TestServiceTtrpc.bindService(new TestServiceImpl()));
    if (stats) {
      builder.addService(ServerStats.definition());
    }
    TtrpcServer server = builder.build();
    try {
      server.start(address);
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      throw e;
    }
    return new InteropServer(server, address, socketFile);
  }

  /** The address it serves. */
  public String address() {
    return address;
  }

  /** Blocks until the server has terminated. */
  public void awaitTermination() throws InterruptedException {
    while (!server.awaitTermination(Duration.ofHours(1))) {
      // Keep waiting: only a shutdown ends the server.
    }
  }

  /**
   * Shuts down gracefully (calls in flight get 2 s to finish, then are cut off) and removes the
   * socket file. Idempotent.
   */
  @Override
  public void close() {
    try {
      server.shutdown().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      server.shutdownNow();
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    try {
      if (socketFile != null && isSocket(socketFile)) {
        Files.deleteIfExists(socketFile);
      }
    } catch (IOException e) {
      System.err.println("interop-server: cannot remove " + socketFile + ": " + e.getMessage());
    }
  }

  /** {@code interop-server --address unix:///PATH [--stats]}. */
  public static void main(String[] args) throws Exception {
    Flags flags;
    try {
      flags = Flags.parse(args, List.of("address"), List.of("stats", "help"));
      if (flags.has("help")) {
        System.out.println(usage());
        return;
      }
      flags.require("address");
    } catch (IllegalArgumentException e) {
      System.err.println("interop-server: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    InteropServer server;
    try {
      server = start(flags.get("address"), flags.has("stats"));
    } catch (IOException | RuntimeException e) {
      System.err.println("interop-server: cannot serve " + flags.get("address") + ": " + e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "interop-server-shutdown"));
    System.out.println("READY " + server.address());
    System.out.flush();
    server.awaitTermination();
  }

  private static String usage() {
    return "usage: interop-server --address unix:///PATH [--stats]\n"
        + "  --stats  also serve " + ServerStats.SERVICE_NAME + " (JVM allocation snapshots)";
  }

  private static void refuseNonSocket(Path path) throws IOException {
    if (path != null && Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !isSocket(path)) {
      throw new IOException(path + " exists and is not a socket");
    }
  }

  private static boolean isSocket(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    return (mode & S_IFMT) == S_IFSOCK;
  }
}
