package dev.ttrpc.internal.server;

import dev.ttrpc.TtrpcServer;
import dev.ttrpc.testing.TestService;
import java.io.File;

/**
 * A server in a process of its own, for {@link AcceptBackoffTest}: serves the test service on the
 * socket given as argument, prints {@code READY <pid> <open fds>}, and exits when its stdin closes.
 */
public final class FdLimitServer {
  private FdLimitServer() {}

  public static void main(String[] args) throws Exception {
    TtrpcServer server =
        TtrpcServer.builder().addService(new TestService().definition()).build().start(args[0]);
    String[] fds = new File("/proc/self/fd").list();
    System.out.println(
        "READY " + ProcessHandle.current().pid() + " " + (fds == null ? -1 : fds.length));
    System.out.flush();
    while (System.in.read() >= 0) {
      // Runs until the test closes our stdin.
    }
    server.shutdownNow();
  }
}
