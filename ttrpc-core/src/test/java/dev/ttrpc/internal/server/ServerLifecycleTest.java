package dev.ttrpc.internal.server;

import static dev.ttrpc.testing.TestService.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.CallOptions;
import dev.ttrpc.Handshaker;
import dev.ttrpc.PeerCredentials;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.internal.ProcessIdentity;
import dev.ttrpc.internal.transport.Transport;
import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.TestService;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Accepting, refusing, adopting and closing: the server's life and its resources. */
@ExtendWith(LeakCheck.class)
class ServerLifecycleTest {
  @TempDir Path dir;

  @Test
  void handshakerRefusalClosesWithoutAFrame() throws Exception {
    String address = dir.resolve("h.sock").toString();
    TtrpcServer server = TtrpcServer.builder().addService(new TestService().definition())
        .handshaker(Handshaker.requireUidGid(54321, 54321)).build().start(address);
    try (RawConnection c = RawConnection.connect(Path.of(address))) {
      c.write(Frames.request(1, "Echo", "x"));
      assertNull(c.readFrame(), "closed, no frame");
    }
    try (TtrpcClient client = TtrpcClient.connect(address)) {
      StatusException e = assertThrows(StatusException.class,
          () -> client.call(TestService.ECHO, str("x"), CallOptions.DEFAULT));
      assertEquals(Status.Code.UNAVAILABLE, e.code());
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void sameUserIsAcceptedAndPeerIsVisible() throws Exception {
    Assumptions.assumeTrue(Transport.isEpoll(), "peer credentials need epoll");
    AtomicReference<PeerCredentials> seen = new AtomicReference<>();
    Handshaker same = Handshaker.requireSameUser();
    String address = "unix://@ttrpc-test-" + ProcessHandle.current().pid();
    TtrpcServer server = TtrpcServer.builder().addService(new TestService().definition())
        .handshaker(peer -> {
          seen.set(peer);
          same.handshake(peer);
        }).build().start(address);
    try (TtrpcClient client = TtrpcClient.connect(address)) {
      assertEquals(str("me"), client.call(TestService.ECHO, str("me"), CallOptions.DEFAULT));
    } finally {
      server.shutdownNow();
    }
    ProcessIdentity self = ProcessIdentity.current();
    assertEquals(self.effectiveUid(), seen.get().uid());
    assertEquals(self.effectiveGid(), seen.get().gid());
    assertEquals(ProcessHandle.current().pid(), seen.get().pid());
  }

  @Test
  void mismatchedCredentialsUseGoText() {
    SecurityException e = assertThrows(SecurityException.class,
        () -> Handshaker.requireUidGid(1, 2).handshake(new PeerCredentials(10, 1, 3)));
    assertEquals("ttrpc: invalid credentials: operation not permitted", e.getMessage());
    Handshaker.requireUidGid(-1, 3).handshake(new PeerCredentials(10, 99, 3));
    assertThrows(SecurityException.class, () -> Handshaker.requireRoot().handshake(PeerCredentials.NONE));
  }

  @Test
  void shutdownRightAfterStartReturnsPromptly() throws Exception {
    TtrpcServer server = TtrpcServer.builder().addService(new TestService().definition()).build()
        .start(dir.resolve("q.sock").toString());
    long start = System.nanoTime();
    server.shutdown().get();
    assertTrue(System.nanoTime() - start < 1_000_000_000L);
    assertTrue(server.isTerminated());
    assertThrows(IllegalStateException.class, () -> server.start(dir.resolve("r.sock").toString()));
  }

  @Test
  void servesOnAnInheritedListeningDescriptor() throws Exception {
    Assumptions.assumeTrue(Transport.isEpoll(), "inherited descriptors need epoll");
    File path = dir.resolve("fd.sock").toFile();
    Socket socket = Socket.newSocketDomain();
    socket.bind(new DomainSocketAddress(path));
    socket.listen(16);
    TtrpcServer server = TtrpcServer.builder().addService(new TestService().definition()).build()
        .startOnInheritedFd(socket.intValue());
    try (TtrpcClient client = TtrpcClient.connect(path.getPath())) {
      assertEquals(str("fd"), client.call(TestService.ECHO, str("fd"), CallOptions.DEFAULT));
    } finally {
      server.shutdownNow();
      assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
    }
  }

  @Test
  void abusiveConnectionsLeaveNoDescriptorsBehind() throws Exception {
    Path socketPath = dir.resolve("abuse.sock");
    TtrpcServer server = TtrpcServer.builder().addService(new TestService().definition())
        .maxMessageSize(4096).build().start(socketPath.toString());
    try {
      try (RawConnection warm = RawConnection.connect(socketPath)) {
        warm.write(Frames.request(1, "Echo", "warm"));
        warm.readFrame();
      }
      Thread.sleep(200);
      long baseline = openFds();
      Random random = new Random(42);
      for (int i = 0; i < 1000; i++) {
        try (RawConnection c = RawConnection.connect(socketPath)) {
          switch (i % 5) {
            case 0: {
              byte[] garbage = new byte[random.nextInt(200)];
              random.nextBytes(garbage);
              c.write(garbage);
              break;
            }
            case 1:
              c.writeHex("00000019 0000");
              break;
            case 2: {
              byte[] req = Frames.request(1, "Echo", "cut");
              c.write(java.util.Arrays.copyOf(req, req.length - 3));
              break;
            }
            case 3:
              c.write(Frames.request(1, "Block", ""));
              break;
            default:
              c.writeHex("7fffffff 00000001 01 00 0102");
              break;
          }
        }
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      long now = openFds();
      while (now > baseline + 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
        now = openFds();
      }
      assertTrue(now <= baseline + 2, "fds: baseline " + baseline + ", now " + now);
      try (TtrpcClient client = TtrpcClient.connect(socketPath.toString())) {
        assertEquals(str("alive"), client.call(TestService.ECHO, str("alive"), CallOptions.DEFAULT));
      }
    } finally {
      server.shutdownNow();
      assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
    }
  }

  private static long openFds() throws Exception {
    try (var s = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }
}
