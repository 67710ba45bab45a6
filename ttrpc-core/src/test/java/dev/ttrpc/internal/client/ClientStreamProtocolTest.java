package dev.ttrpc.internal.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.CallOptions;
import dev.ttrpc.ClientStreamCall;
import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.RequestEnvelope;
import dev.ttrpc.internal.wire.Wire;
import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.RawConnection.Frame;
import dev.ttrpc.testing.StreamService;
import io.netty.buffer.ByteBuf;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The client's streaming frames, byte for byte, against a hand-written server. */
@ExtendWith(LeakCheck.class)
class ClientStreamProtocolTest {
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

  private ClientConnection connect() throws Exception {
    return ClientConnection.connect(new ClientConfig(socket.toString(), Wire.DEFAULT_MAX_MESSAGE_SIZE,
        List.of(), List.of(), Duration.ofSeconds(5), null, null));
  }

  private static RequestEnvelope envelope(Frame f) throws Exception {
    ByteBuf data = f.dataBuf();
    return EnvelopeReader.readRequest(data, 0, data.readableBytes());
  }

  @Test
  void clientStreamingFramesAreGoFrames() throws Exception {
    try (ClientConnection client = connect(); RawConnection server = RawConnection.wrap(listener.accept())) {
      ClientStreamCall<Int64Value, Int64Value> call = client.clientStream(StreamService.SUM, CallOptions.DEFAULT);
      call.send(Int64Value.of(7));
      call.send(Int64Value.of(0));
      var result = call.closeAndReceiveAsync();
      Frame req = server.readFrame();
      assertEquals(Frames.REQUEST, req.type());
      assertEquals(Wire.FLAG_REMOTE_OPEN, req.flags());
      assertEquals(false, envelope(req).hasPayload(), "no payload on a client-streaming Request");
      assertEquals(StreamService.NAME, envelope(req).service());
      Frame d1 = server.readFrame();
      assertEquals(Frames.DATA, d1.type());
      assertEquals(0, d1.flags());
      assertArrayEquals(Int64Value.of(7).toByteArray(), d1.data());
      Frame d2 = server.readFrame();
      assertEquals(0, d2.data().length, "an empty message is a zero-length Data frame");
      Frame close = server.readFrame();
      assertEquals(req.streamId(), close.streamId());
      assertEquals(Frames.DATA, close.type());
      assertEquals(0x05, close.flags(), "half-close is RC|ND");
      assertEquals(0, close.data().length);
      // Response{payload = Int64Value{7}}: 12 02 08 07.
      server.writeHex(String.format("00000004 %08x 02 00 12020807", req.streamId()));
      assertEquals(7, result.join().getValue());
    }
  }

  @Test
  void serverStreamingRequestCarriesTheRequestWithRc() throws Exception {
    try (ClientConnection client = connect(); RawConnection server = RawConnection.wrap(listener.accept())) {
      ServerStreamCall<StringValue> call = client.serverStream(StreamService.DIVIDE, Int64Value.of(3), CallOptions.DEFAULT);
      Frame req = server.readFrame();
      assertEquals(Wire.FLAG_REMOTE_CLOSED, req.flags());
      RequestEnvelope env = envelope(req);
      assertEquals(3, Int64Value.parseFrom(env.payload(req.dataBuf())).getValue());
      int id = req.streamId();
      server.writeFrame(id, Frames.DATA, 0, StringValue.of("a").toByteArray());
      server.writeFrame(id, Frames.DATA, Wire.FLAG_NO_DATA, new byte[0]);
      server.writeFrame(id, Frames.DATA, 0, new byte[0]);
      // RC with a payload: that message, then the end (Go client rule).
      server.writeFrame(id, Frames.DATA, Wire.FLAG_REMOTE_CLOSED, StringValue.of("last").toByteArray());
      assertEquals("a", call.receive().getValue());
      assertEquals("", call.receive().getValue(), "zero-length Data is an empty message");
      assertEquals("last", call.receive().getValue());
      assertNull(call.receive());
      // A later frame on the finished stream is dropped; the connection stays usable.
      server.writeFrame(id, Frames.DATA, 0, StringValue.of("stray").toByteArray());
      ServerStreamCall<StringValue> second = client.serverStream(StreamService.DIVIDE, Int64Value.of(1), CallOptions.DEFAULT);
      Frame req2 = server.readFrame();
      server.write(Frames.response(req2.streamId(), "final"));
      assertEquals("final", second.receive().getValue(), "an OK Response with payload ends with that message");
      assertNull(second.receive());
    }
  }

  @Test
  void bidiHalfCloseIsEmptyRcNdAndErrorsArriveAfterMessages() throws Exception {
    try (ClientConnection client = connect(); RawConnection server = RawConnection.wrap(listener.accept())) {
      BidiStreamCall<StringValue, StringValue> call = client.bidiStream(StreamService.CHAT, CallOptions.DEFAULT);
      call.closeSend();
      call.closeSend();
      Frame req = server.readFrame();
      assertEquals(Wire.FLAG_REMOTE_OPEN, req.flags());
      Frame close = server.readFrame();
      assertEquals(Frames.DATA, close.type());
      assertEquals(0x05, close.flags());
      assertEquals(0, close.data().length);
      assertThrows(IllegalStateException.class, () -> call.send(StringValue.of("x")));
      server.writeFrame(req.streamId(), Frames.DATA, 0, StringValue.of("m").toByteArray());
      server.writeHex(String.format("00000015 %08x 02 00 0a 13 08 0c 12 0f 73657276696365206e6f2e53756368", req.streamId()));
      assertEquals("m", call.receive().getValue());
      StatusException e = assertThrows(StatusException.class, call::receive);
      assertEquals(Status.of(Status.Code.UNIMPLEMENTED, "service no.Such"), e.status());
      assertTrue(server.quietFor(Duration.ofMillis(100)), "exactly one half-close");
    }
  }

  @Test
  void messagesBufferedBeforeAConnectionLossAreStillDelivered() throws Exception {
    for (int round = 0; round < 20; round++) {
      try (ClientConnection client = connect()) {
        ServerStreamCall<StringValue> call;
        try (RawConnection server = RawConnection.wrap(listener.accept())) {
          call = client.serverStream(StreamService.DIVIDE, Int64Value.of(3), CallOptions.DEFAULT);
          Frame req = server.readFrame();
          for (int i = 0; i < 3; i++) {
            server.writeFrame(req.streamId(), Frames.DATA, 0, StringValue.of("m" + i).toByteArray());
          }
        }
        for (int i = 0; i < 3; i++) {
          assertEquals("m" + i, call.receive().getValue());
        }
        assertEquals(Status.of(Status.Code.UNAVAILABLE, "ttrpc: closed"),
            assertThrows(StatusException.class, call::receive).status());
      }
    }
  }

  @Test
  void cancelStopsDeliveryLocally() throws Exception {
    try (ClientConnection client = connect(); RawConnection server = RawConnection.wrap(listener.accept())) {
      BidiStreamCall<StringValue, StringValue> call = client.bidiStream(StreamService.CHAT, CallOptions.DEFAULT);
      Frame req = server.readFrame();
      call.cancel();
      assertEquals(Status.Code.CANCELLED, assertThrows(StatusException.class, call::receive).code());
      assertEquals(Status.Code.CANCELLED, assertThrows(StatusException.class, () -> call.send(StringValue.of("x"))).code());
      server.writeFrame(req.streamId(), Frames.DATA, 0, StringValue.of("late").toByteArray());
      assertTrue(!client.isClosed());
    }
  }
}
