package dev.ttrpc.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.Metadata;
import dev.ttrpc.Status;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.RawConnection.Frame;
import dev.ttrpc.testing.TestService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The server against hand-written frames: Go's error codes and texts, one answer per bad frame. */
@ExtendWith(LeakCheck.class)
class ServerProtocolTest {
  @TempDir Path dir;
  Path socket;
  TestService service;
  TtrpcServer server;

  @BeforeEach
  void start() throws Exception {
    socket = dir.resolve("s.sock");
    service = new TestService();
    server = TtrpcServer.builder().addService(service.definition()).maxMessageSize(1024).build()
        .start(socket.toString());
    service.server.set(server);
  }

  @AfterEach
  void stop() throws Exception {
    service.release.countDown();
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  private static void assertError(Frame f, int streamId, Status.Code code, String message) throws Exception {
    assertEquals(streamId, f.streamId());
    assertEquals(Frames.RESPONSE, f.type());
    assertEquals(0, f.flags());
    assertEquals(Status.of(code, message), Frames.status(f));
  }

  private static void assertEcho(RawConnection c, int streamId, String value) throws Exception {
    c.write(Frames.request(streamId, "Echo", value));
    Frame f = c.readFrame();
    assertEquals(streamId, f.streamId());
    assertEquals(value, Frames.stringPayload(f));
  }

  @Test
  void evenAndZeroIdsAreRejectedWithGoText() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(Frames.request(2, "Echo", "x"));
      assertError(c.readFrame(), 2, Status.Code.INVALID_ARGUMENT, ServerConnection.ODD_IDS);
      c.write(Frames.request(0, "Echo", "x"));
      assertError(c.readFrame(), 0, Status.Code.INVALID_ARGUMENT, ServerConnection.ODD_IDS);
      // Unknown type on an even id is answered too (parity first, as Go main).
      c.writeFrame(4, 7, 0, new byte[0]);
      assertError(c.readFrame(), 4, Status.Code.INVALID_ARGUMENT, ServerConnection.ODD_IDS);
      assertEcho(c, 1, "still");
    }
  }

  @Test
  void reusedAndDecreasingIdsAreRejectedOnce() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      assertEcho(c, 5, "a");
      c.write(Frames.request(5, "Echo", "again"));
      assertError(c.readFrame(), 5, Status.Code.INVALID_ARGUMENT, ServerConnection.INCREASING_IDS);
      c.write(Frames.request(3, "Echo", "lower"));
      assertError(c.readFrame(), 3, Status.Code.INVALID_ARGUMENT, ServerConnection.INCREASING_IDS);
      assertEcho(c, 7, "b");
      // A reuse of a live call's id: the stream still ends exactly once.
      c.write(Frames.request(9, "Block", ""));
      assertTrue(service.blocked.await(5, TimeUnit.SECONDS));
      c.write(Frames.request(9, "Echo", "dup"));
      assertError(c.readFrame(), 9, Status.Code.INVALID_ARGUMENT, ServerConnection.INCREASING_IDS);
      service.release.countDown();
      assertEcho(c, 11, "c");
      assertTrue(c.quietFor(Duration.ofMillis(200)), "no second terminal frame on stream 9");
    }
  }

  @Test
  void undecodableEnvelopeIsInvalidArgument() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.writeFrame(1, Frames.REQUEST, 0, new byte[] {0x0a, 0x05, 0x61});
      Frame f = c.readFrame();
      assertEquals(1, f.streamId());
      Status s = Frames.status(f);
      assertEquals(Status.Code.INVALID_ARGUMENT, s.code());
      assertTrue(s.message().startsWith("unmarshal request error: "), s.message());
      assertEcho(c, 3, "ok");
    }
  }

  @Test
  void unknownServiceAndMethodUseGoTexts() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(Frames.request(3, 0, "no.Such", "Echo", "x", 0, new Metadata()));
      assertError(c.readFrame(), 3, Status.Code.UNIMPLEMENTED, "service no.Such");
      c.write(Frames.request(5, "Nope", "x"));
      assertError(c.readFrame(), 5, Status.Code.UNIMPLEMENTED, "method Nope");
    }
  }

  @Test
  void unknownTypesAndFlagsAreIgnored() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.writeFrame(1, 7, 0, new byte[] {1, 2, 3});
      c.writeFrame(3, Frames.RESPONSE, 0, new byte[0]);
      c.write(Frames.request(5, 0x80, "Echo", "flagged", 0, new Metadata()));
      Frame f = c.readFrame();
      assertEquals(5, f.streamId());
      assertEquals("flagged", Frames.stringPayload(f));
    }
  }

  @Test
  void oversizedRequestIsDiscardedAndAnsweredOnItsStream() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      byte[] big = Frames.request(7, "Echo", "z".repeat(1100));
      c.write(big);
      assertError(c.readFrame(), 7, Status.Code.RESOURCE_EXHAUSTED,
          "message length " + (big.length - 10) + " exceed maximum message size of 1024");
      assertEcho(c, 9, "in sync");
      // A non-zero first byte is just a huge length: answered the same way.
      c.writeHex("01000000 0000000b 01 00");
      assertError(c.readFrame(), 11, Status.Code.RESOURCE_EXHAUSTED,
          "message length 16777216 exceed maximum message size of 1024");
    }
  }

  @Test
  void timeoutNanoZeroNegativeAndPositive() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(Frames.request(1, 0, "Deadline", "", 0, new Metadata()));
      assertEquals("none", Frames.stringPayload(c.readFrame()));
      c.write(Frames.request(3, 0, "Deadline", "", -1, new Metadata()));
      assertEquals("expired:true", Frames.stringPayload(c.readFrame()));
      // Every negative value is an expired deadline, the most negative one included.
      c.write(Frames.request(7, 0, "Deadline", "", Long.MIN_VALUE, new Metadata()));
      assertEquals("expired:true", Frames.stringPayload(c.readFrame()));
      c.write(Frames.request(9, 0, "Deadline", "", Long.MIN_VALUE + 1, new Metadata()));
      assertEquals("expired:true", Frames.stringPayload(c.readFrame()));
      c.write(Frames.request(11, 0, "Deadline", "", 3_000_000_000L, new Metadata()));
      long remaining = Long.parseLong(Frames.stringPayload(c.readFrame()));
      assertTrue(remaining > 2_000_000_000L && remaining <= 3_000_000_000L, "remaining " + remaining);
    }
  }

  @Test
  void handlerContextIsCancelledOnReturn() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(Frames.request(1, 0, "Deadline", "", 0, new Metadata()));
      c.readFrame();
      assertTrue(service.lastContext.get().isCancelled(), "cancelled once the handler returned");
    }
  }

  @Test
  void truncatedFramesAtEofAreNotMessages() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.writeHex("00000019 0000");
    }
    try (RawConnection c = RawConnection.connect(socket)) {
      byte[] req = Frames.request(1, "Shutdown", "x");
      c.write(java.util.Arrays.copyOf(req, req.length - 1));
    }
    try (RawConnection c = RawConnection.connect(socket)) {
      assertEcho(c, 1, "alive");
    }
    assertTrue(!server.isShutdown(), "the truncated Shutdown request was never dispatched");
  }

  @Test
  void aPeerThatReadsLateGetsEveryAnswerOnce() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      java.io.ByteArrayOutputStream requests = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < 3000; i++) {
        requests.write(Frames.request(2 * i + 1, "Echo", "r" + i + "-" + "p".repeat(900)));
      }
      Thread writer = new Thread(() -> {
        try {
          c.write(requests.toByteArray());
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      writer.start();
      Thread.sleep(500);
      java.util.Set<Integer> answered = new java.util.HashSet<>();
      for (int i = 0; i < 3000; i++) {
        Frame f = c.readFrame();
        int index = (f.streamId() - 1) / 2;
        assertTrue(Frames.stringPayload(f).startsWith("r" + index + "-"));
        assertTrue(answered.add(index), "answered once");
      }
      assertEquals(3000, answered.size());
      writer.join();
    }
  }

  @Test
  void gracefulShutdownAnswersInFlightCallsEvenAfterAnImmediateError() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(Frames.request(1, "Block", ""));
      assertTrue(service.blocked.await(5, TimeUnit.SECONDS));
      c.write(Frames.request(2, "Echo", "even"));
      assertError(c.readFrame(), 2, Status.Code.INVALID_ARGUMENT, ServerConnection.ODD_IDS);
      var done = server.shutdown();
      Thread.sleep(100);
      assertTrue(!done.isDone(), "waits for the in-flight call");
      c.write(Frames.request(3, "Echo", "late"));
      assertError(c.readFrame(), 3, Status.Code.UNAVAILABLE, "ttrpc: server closed");
      service.release.countDown();
      Frame answer = c.readFrame();
      assertEquals(1, answer.streamId());
      assertEquals("released", Frames.stringPayload(answer));
      assertNull(c.readFrame(), "closed after the last answer");
      done.get(5, TimeUnit.SECONDS);
      assertTrue(server.isTerminated());
    }
  }

  @Test
  void shutdownFromAHandlerStillAnswersThatCall() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(Frames.request(1, "Shutdown", ""));
      Frame f = c.readFrame();
      assertEquals("bye", Frames.stringPayload(f));
      assertNull(c.readFrame());
    }
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }
}
