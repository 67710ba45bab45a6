package dev.ttrpc.internal.client;

import static dev.ttrpc.testing.TestService.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import dev.ttrpc.CallOptions;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.RequestEnvelope;
import dev.ttrpc.internal.wire.Wire;
import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.RawConnection.Frame;
import dev.ttrpc.testing.TestService;
import io.netty.buffer.ByteBuf;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The client against a hand-written server that records frames and answers as told. */
@ExtendWith(LeakCheck.class)
class ClientProtocolTest {
  @TempDir Path dir;
  Path socket;
  ServerSocketChannel listener;

  @BeforeEach
  void listen() throws Exception {
    socket = dir.resolve("raw.sock");
    listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(socket));
  }

  @AfterEach
  void close() throws Exception {
    listener.close();
  }

  private ClientConnection connect(long firstStreamId, int max) throws Exception {
    return ClientConnection.connect(new ClientConfig(socket.toString(), max, List.of(), List.of(),
        Duration.ofSeconds(5), null, null), firstStreamId);
  }

  private static StatusException failure(CompletableFuture<?> f) {
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return (StatusException) e.getCause();
  }

  private static String requestValue(Frame f) throws Exception {
    ByteBuf data = f.dataBuf();
    RequestEnvelope r = EnvelopeReader.readRequest(data, 0, data.readableBytes());
    return StringValue.parseFrom(r.payload(data)).getValue();
  }

  @Test
  void streamIdsReachTheWireOddAndStrictlyIncreasing() throws Exception {
    try (ClientConnection client = connect(1, Wire.DEFAULT_MAX_MESSAGE_SIZE);
        RawConnection server = RawConnection.wrap(listener.accept())) {
      List<CompletableFuture<StringValue>> calls = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Thread th = new Thread(() -> {
          for (int i = 0; i < 16; i++) {
            CompletableFuture<StringValue> f = client.callAsync(TestService.ECHO, str("v"), CallOptions.DEFAULT);
            synchronized (calls) {
              calls.add(f);
            }
          }
        });
        threads.add(th);
        th.start();
      }
      for (Thread th : threads) {
        th.join();
      }
      long last = -1;
      for (int i = 0; i < 128; i++) {
        Frame f = server.readFrame();
        long id = Wire.unsignedStreamId(f.streamId());
        assertEquals(1, id & 1, "odd");
        assertTrue(id > last, id + " after " + last);
        last = id;
        server.write(Frames.response(f.streamId(), "r" + id));
      }
      assertEquals(255, last);
      for (CompletableFuture<StringValue> f : calls) {
        assertTrue(f.join().getValue().startsWith("r"));
      }
    }
  }

  @Test
  void streamIdExhaustionIsAClearErrorNotAWrapAround() throws Exception {
    try (ClientConnection client = connect(0xFFFF_FFFDL, Wire.DEFAULT_MAX_MESSAGE_SIZE);
        RawConnection server = RawConnection.wrap(listener.accept())) {
      CompletableFuture<StringValue> a = client.callAsync(TestService.ECHO, str("a"), CallOptions.DEFAULT);
      CompletableFuture<StringValue> b = client.callAsync(TestService.ECHO, str("b"), CallOptions.DEFAULT);
      Frame fa = server.readFrame();
      Frame fb = server.readFrame();
      assertEquals(0xFFFF_FFFDL, Wire.unsignedStreamId(fa.streamId()));
      assertEquals(0xFFFF_FFFFL, Wire.unsignedStreamId(fb.streamId()));
      server.write(Frames.response(fa.streamId(), "A")).write(Frames.response(fb.streamId(), "B"));
      assertEquals("A", a.join().getValue());
      assertEquals("B", b.join().getValue());
      StatusException e = failure(client.callAsync(TestService.ECHO, str("c"), CallOptions.DEFAULT));
      assertEquals(ClientConnection.STREAM_IDS_EXHAUSTED, e.status());
      assertTrue(server.quietFor(Duration.ofMillis(100)), "nothing written for the refused call");
    }
  }

  @Test
  void oversizedResponseFailsOnlyItsCall() throws Exception {
    try (ClientConnection client = connect(1, 64);
        RawConnection server = RawConnection.wrap(listener.accept())) {
      CompletableFuture<StringValue> big = client.callAsync(TestService.ECHO, str("big"), CallOptions.DEFAULT);
      CompletableFuture<StringValue> ok = client.callAsync(TestService.ECHO, str("ok"), CallOptions.DEFAULT);
      Frame f1 = server.readFrame();
      Frame f2 = server.readFrame();
      server.write(Frames.response(f1.streamId(), "x".repeat(100)));
      server.write(Frames.response(f2.streamId(), "fine"));
      assertEquals(Status.of(Status.Code.RESOURCE_EXHAUSTED, "message length 104 exceed maximum message size of 64"),
          failure(big).status());
      assertEquals("fine", ok.join().getValue());
      // A corrupt length (non-zero first byte) on a live stream: same treatment.
      CompletableFuture<StringValue> corrupt = client.callAsync(TestService.ECHO, str("c"), CallOptions.DEFAULT);
      Frame f3 = server.readFrame();
      server.writeHex(String.format("01000000 %08x 02 00", f3.streamId()));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, failure(corrupt).code());
      assertTrue(!client.isClosed());
    }
  }

  @Test
  void unknownStreamIdsAndStrayTypesAreDroppedOrFailTheCall() throws Exception {
    try (ClientConnection client = connect(1, Wire.DEFAULT_MAX_MESSAGE_SIZE);
        RawConnection server = RawConnection.wrap(listener.accept())) {
      server.write(Frames.response(99, "nobody asked"));
      CompletableFuture<StringValue> data = client.callAsync(TestService.ECHO, str("d"), CallOptions.DEFAULT);
      Frame f = server.readFrame();
      server.writeFrame(f.streamId(), Frames.DATA, 0, new byte[] {0x0a, 0x01, 0x61});
      assertEquals(Status.Code.INTERNAL, failure(data).code());
      CompletableFuture<StringValue> next = client.callAsync(TestService.ECHO, str("n"), CallOptions.DEFAULT);
      Frame g = server.readFrame();
      assertEquals("n", requestValue(g));
      server.write(Frames.response(g.streamId(), "N"));
      assertEquals("N", next.join().getValue());
    }
  }

  @Test
  void errorStatusAndDetailsReachTheCaller() throws Exception {
    try (ClientConnection client = connect(1, Wire.DEFAULT_MAX_MESSAGE_SIZE);
        RawConnection server = RawConnection.wrap(listener.accept())) {
      CompletableFuture<StringValue> call = client.callAsync(TestService.ECHO, str("e"), CallOptions.DEFAULT);
      Frame f = server.readFrame();
      // G3 bytes on this stream: code 12 "service no.Such".
      server.writeHex(String.format("00000015 %08x 02 00 0a 13 08 0c 12 0f 73657276696365206e6f2e53756368", f.streamId()));
      assertEquals(Status.of(Status.Code.UNIMPLEMENTED, "service no.Such"), failure(call).status());
    }
  }

  @Test
  void peerThatNeverReadsCannotStallDeadlinesOrReading() throws Exception {
    try (ClientConnection client = connect(1, Wire.DEFAULT_MAX_MESSAGE_SIZE);
        RawConnection server = RawConnection.wrap(listener.accept())) {
      // Fill the socket: the peer reads nothing, so writes pile up in the outbound buffer.
      String chunk = "p".repeat(512 * 1024);
      List<CompletableFuture<StringValue>> stuck = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        stuck.add(client.callAsync(TestService.ECHO, str(chunk), CallOptions.timeout(Duration.ofMillis(300))));
      }
      long start = System.nanoTime();
      for (CompletableFuture<StringValue> f : stuck) {
        assertEquals(Status.Code.DEADLINE_EXCEEDED, failure(f).code());
      }
      assertTrue(System.nanoTime() - start < 3_000_000_000L);
      // Reading still works while writes are stuck: an unsolicited frame is consumed and dropped.
      server.write(Frames.response(12345, "x"));
      assertTrue(!client.isClosed());
    }
  }
}
