package dev.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.testing.TestService;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application stops the event loop group its client runs on, with no quiet period, while
 * calls are in flight. Netty can then end the loop without closing the connection's socket: the
 * client must fail its calls and close the socket itself, or the descriptor leaks and the server
 * keeps a connection nobody will ever use. Runs in a JVM of its own (see the surefire
 * configuration), like {@link ServerLoopTerminationTest}.
 */
class ClientLoopTerminationTest {
  @TempDir Path dir;

  @Test
  void aClientWhoseLoopEndsFailsItsCallsAndClosesItsSocket() throws Exception {
    assumeTrue(Epoll.isAvailable(), "needs the epoll transport: " + Epoll.unavailabilityCause());
    String socket = dir.resolve("client-end.sock").toString();
    TtrpcServer server =
        TtrpcServer.builder().addService(new TestService().definition()).build().start(socket);
    try {
      long baseline = openSockets();
      for (int round = 0; round < 20; round++) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        TtrpcClient client = TtrpcClient.builder().address(socket).eventLoopGroup(group).connect();
        InFlightEchoes calls = InFlightEchoes.start(client, 3000);
        Thread.sleep(round % 5);
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        calls.assertEachEnds();
        client.closeFuture().get(5, TimeUnit.SECONDS);
        assertTrue(client.isClosed(), "round " + round);
        client.close();
        // Both ends of the connection go: the client's socket, and the server's once it reads
        // the end of the stream.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (openSockets() > baseline && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertEquals(baseline, openSockets(), "round " + round + ": sockets left open");
      }
    } finally {
      server.shutdownNow();
    }
  }

  private static long openSockets() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                  return false; // closed while listing
                }
              })
          .count();
    }
  }
}
