package dev.ttrpc;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.testing.TestService;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application stops the event loop group its server runs on, with no quiet period, while
 * calls are arriving. Netty can then end the loop without closing the connection's socket, so
 * nothing would ever answer or close it; the server must end the connection itself. Runs in a JVM
 * of its own (see the surefire configuration), like {@link EventLoopShutdownRaceTest}: a group
 * stopped under live channels can leave buffers in them that Netty never releases.
 */
class ServerLoopTerminationTest {
  @TempDir Path dir;

  /**
   * Each round races the group's end against 3000 calls in flight (the race is lost in about one
   * round in six without the fix, so 20 rounds): every time the client must see its connection
   * closed and every call must end, answered or UNAVAILABLE, and the server must terminate.
   */
  @Test
  void aConnectionWhoseLoopEndsIsClosedAndItsCallsEnd() throws Exception {
    assumeTrue(Epoll.isAvailable(), "needs the epoll transport: " + Epoll.unavailabilityCause());
    for (int round = 0; round < 20; round++) {
      String socket = dir.resolve("end-" + round + ".sock").toString();
      EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      TtrpcServer server =
          TtrpcServer.builder()
              .addService(new TestService().definition())
              .eventLoopGroup(group)
              .build()
              .start(socket);
      try (TtrpcClient client = TtrpcClient.connect(socket)) {
        InFlightEchoes calls = InFlightEchoes.start(client, 3000);
        Thread.sleep(round % 5);
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        calls.assertEachEnds();
        client.closeFuture().get(5, TimeUnit.SECONDS);
        assertTrue(client.isClosed(), "round " + round);
      } finally {
        server.shutdownNow();
      }
      assertTrue(server.awaitTermination(Duration.ofSeconds(5)), "round " + round + ": " + server);
    }
  }
}
