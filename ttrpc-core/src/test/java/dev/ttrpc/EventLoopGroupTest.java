package dev.ttrpc;

import static dev.ttrpc.testing.TestService.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.internal.transport.Transport;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.TestService;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Who owns the event loops: the shared, reference-counted group or the application's own. */
@ExtendWith(LeakCheck.class)
class EventLoopGroupTest {
  @TempDir Path dir;

  private static EventLoopGroup ownGroup() {
    return new MultiThreadIoEventLoopGroup(
        1, Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  private static long ioThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("ttrpc-io") && t.isAlive())
        .count();
  }

  @Test
  void theSharedGroupLivesWhileAClientOrServerUsesItAndStopsAfterTheLast() throws Exception {
    String socket = dir.resolve("shared.sock").toString();
    assertEquals(0, Transport.sharedLeases());
    TtrpcServer server = TtrpcServer.builder().addService(new TestService().definition()).build();
    assertEquals(0, Transport.sharedLeases(), "a server that never started holds nothing");
    server.start(socket);
    TtrpcClient client = TtrpcClient.connect(socket);
    assertEquals(2, Transport.sharedLeases());
    assertEquals(str("a"), client.call(TestService.ECHO, str("a"), CallOptions.DEFAULT));
    client.close();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (Transport.sharedLeases() != 1 && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    assertEquals(1, Transport.sharedLeases(), "the closed client gave its lease back");
    server.shutdown().get(5, TimeUnit.SECONDS);
    assertEquals(0, Transport.sharedLeases());
    end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ioThreads() > 0 && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertEquals(0, ioThreads(), "the shared event loop threads are gone");

    // The next user gets a fresh group.
    server = TtrpcServer.builder().addService(new TestService().definition()).build().start(socket);
    try (TtrpcClient again = TtrpcClient.connect(socket)) {
      assertEquals(str("b"), again.call(TestService.ECHO, str("b"), CallOptions.DEFAULT));
    } finally {
      server.shutdownNow();
      assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
    }
  }

  @Test
  void anApplicationGroupIsUsedAndNeverShutDownByTtrpc() throws Exception {
    String socket = dir.resolve("own.sock").toString();
    EventLoopGroup group = ownGroup();
    try {
      TtrpcServer server =
          TtrpcServer.builder()
              .addService(new TestService().definition())
              .eventLoopGroup(group)
              .build()
              .start(socket);
      for (int i = 0; i < 2; i++) {
        try (TtrpcClient client =
            TtrpcClient.builder().address(socket).eventLoopGroup(group).connect()) {
          assertEquals(str("own"), client.call(TestService.ECHO, str("own"), CallOptions.DEFAULT));
          assertEquals(0, Transport.sharedLeases(), "nothing runs on the shared group");
        }
      }
      server.shutdown().get(5, TimeUnit.SECONDS);
      assertFalse(group.isShuttingDown(), "the application's group is the application's to stop");
    } finally {
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void aGroupWithoutASocketTransportIsRefused() {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    try {
      assertThrows(
          IllegalArgumentException.class,
          () -> TtrpcClient.builder().address(dir.resolve("x.sock").toString())
              .eventLoopGroup(group).connect());
      assertThrows(
          IllegalArgumentException.class,
          () -> TtrpcServer.builder().eventLoopGroup(group).build()
              .start(dir.resolve("y.sock").toString()));
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
