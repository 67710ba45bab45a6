package dev.ttrpc.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.Metadata;
import dev.ttrpc.Status;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.ResponseEnvelope;
import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.RawConnection.Frame;
import dev.ttrpc.testing.StreamService;
import dev.ttrpc.testing.TestService;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The server's streaming frame sequences and protocol checks, against hand-written frames. */
@ExtendWith(LeakCheck.class)
class StreamProtocolTest {
  private static final int RC = 0x01;
  private static final int RO = 0x02;
  private static final int ND = 0x04;

  @TempDir Path dir;
  Path socket;
  StreamService streams;
  TtrpcServer server;

  @BeforeEach
  void start() throws Exception {
    socket = dir.resolve("s.sock");
    streams = new StreamService();
    server = TtrpcServer.builder().addService(streams.definition())
        .addService(new TestService().definition()).build().start(socket.toString());
  }

  @AfterEach
  void stop() throws Exception {
    streams.release.countDown();
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  private static byte[] request(int id, int flags, String method, com.google.protobuf.MessageLite payload) throws Exception {
    ByteBuf b = FrameEncoder.request(io.netty.buffer.ByteBufAllocator.DEFAULT, id, flags,
        FrameEncoder.route(StreamService.NAME, method),
        dev.ttrpc.Marshaller.protobuf(payload == null ? Int64Value.getDefaultInstance() : payload),
        payload, 0, new Metadata(), Integer.MAX_VALUE);
    try {
      return ByteBufUtil.getBytes(b);
    } finally {
      b.release();
    }
  }

  private static long int64(Frame f) throws Exception {
    ByteBuf data = f.dataBuf();
    ResponseEnvelope r = EnvelopeReader.readResponse(data, 0, data.readableBytes());
    assertTrue(r.status().isOk(), r.status().toString());
    return Int64Value.parseFrom(r.payload(data)).getValue();
  }

  private static byte[] int64Bytes(long v) {
    return Int64Value.of(v).toByteArray();
  }

  private static void assertEnd(Frame f, int id) {
    assertEquals(id, f.streamId());
    assertEquals(Frames.DATA, f.type());
    assertEquals(RC | ND, f.flags());
    assertEquals(0, f.data().length);
  }

  private static void assertError(Frame f, int id, Status.Code code, String message) throws Exception {
    assertEquals(id, f.streamId());
    assertEquals(Frames.RESPONSE, f.type());
    assertEquals(Status.of(code, message), Frames.status(f));
  }

  @Test
  void goStyleAndRustStyleClientStreamsDeliverExactlyTheMessagesSent() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      // Go: RO, no payload; Data 2, 0-length Data (an empty message, i.e. 0), Data 5; close 0x05.
      c.write(request(1, RO, "Sum", null));
      c.writeFrame(1, Frames.DATA, 0, int64Bytes(2));
      c.writeFrame(1, Frames.DATA, 0, new byte[0]);
      c.writeFrame(1, Frames.DATA, 0, int64Bytes(5));
      c.writeFrame(1, Frames.DATA, RC | ND, new byte[0]);
      Frame f = c.readFrame();
      assertEquals(Frames.RESPONSE, f.type());
      assertEquals(3007, int64(f));
      // Rust: RO|ND on the Request: same messages, no phantom first one.
      c.write(request(3, RO | ND, "Sum", null));
      c.writeFrame(3, Frames.DATA, 0, int64Bytes(4));
      c.writeFrame(3, Frames.DATA, RC | ND, new byte[0]);
      assertEquals(1004, int64(c.readFrame()));
      // A non-empty Request payload is the first message.
      c.write(request(5, RO, "Sum", Int64Value.of(10)));
      c.writeFrame(5, Frames.DATA, RC | ND, new byte[0]);
      assertEquals(1010, int64(c.readFrame()));
    }
  }

  @Test
  void serverStreamSequencesMatchGo() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(request(1, RC, "Divide", Int64Value.of(2)));
      Frame a = c.readFrame();
      assertEquals(Frames.DATA, a.type());
      assertEquals(0, a.flags());
      assertEquals("0", StringValue.parseFrom(a.data()).getValue());
      assertEquals("1", StringValue.parseFrom(c.readFrame().data()).getValue());
      assertEnd(c.readFrame(), 1);
      // No payload at all: the handler still gets the default message.
      c.write(request(3, RC, "Divide", null));
      assertEquals("zero", StringValue.parseFrom(c.readFrame().data()).getValue());
      assertEnd(c.readFrame(), 3);
      // Failure: a Response with the status and no closing Data.
      c.write(request(5, RC, "Divide", Int64Value.of(-1)));
      assertEquals("before failure", StringValue.parseFrom(c.readFrame().data()).getValue());
      assertError(c.readFrame(), 5, Status.Code.FAILED_PRECONDITION, "negative");
      // Called "the old way" with flags 0: still a server stream, as on Go servers.
      c.write(request(7, 0, "Divide", Int64Value.of(1)));
      assertEquals("0", StringValue.parseFrom(c.readFrame().data()).getValue());
      assertEnd(c.readFrame(), 7);
      c.write(Frames.request(9, "Echo", "unary still fine"));
      assertEquals("unary still fine", Frames.stringPayload(c.readFrame()));
    }
  }

  @Test
  void dataForUnknownOrFinishedStreamsIsNoLongerActive() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.writeFrame(41, Frames.DATA, 0, new byte[] {8, 1});
      assertError(c.readFrame(), 41, Status.Code.INVALID_ARGUMENT, "StreamID is no longer active");
      c.write(request(1, RC, "Divide", Int64Value.of(1)));
      c.readFrame();
      assertEnd(c.readFrame(), 1);
      c.writeFrame(1, Frames.DATA, 0, new byte[] {8, 1});
      assertError(c.readFrame(), 1, Status.Code.INVALID_ARGUMENT, "StreamID is no longer active");
      c.writeFrame(2, Frames.DATA, 0, new byte[0]);
      assertError(c.readFrame(), 2, Status.Code.INVALID_ARGUMENT, ServerConnection.ODD_IDS);
      c.write(Frames.request(43, "Echo", "alive"));
      assertEquals("alive", Frames.stringPayload(c.readFrame()));
    }
  }

  @Test
  void closeWithDataAndDataAfterCloseAreAnsweredOnce() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(request(1, RO, "Chat", null));
      c.writeFrame(1, Frames.DATA, RC, StringValue.of("x").toByteArray());
      assertError(c.readFrame(), 1, Status.Code.INVALID_ARGUMENT, "data close message cannot include data");
      c.write(request(3, RO, "Chat", null));
      c.writeFrame(3, Frames.DATA, RC | ND, new byte[0]);
      assertEnd(c.readFrame(), 3);
      // Data after the half-close but while the call is still live.
      c.write(request(5, RO, "Ignore", null));
      c.writeFrame(5, Frames.DATA, RC | ND, new byte[0]);
      c.writeFrame(5, Frames.DATA, 0, StringValue.of("late").toByteArray());
      assertError(c.readFrame(), 5, Status.Code.INVALID_ARGUMENT, "data handling error: ttrpc: stream closed");
      streams.release.countDown();
      c.write(Frames.request(7, "Echo", "alive"));
      Frame f = c.readFrame();
      assertEquals(7, f.streamId(), "no second terminal frame for stream 5");
      assertEquals("alive", Frames.stringPayload(f));
    }
  }

  @Test
  void oversizedDataEndsOnlyItsStreamOnce() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(request(1, RO, "Chat", null));
      c.writeFrame(1, Frames.DATA, 0, StringValue.of("before").toByteArray());
      assertEquals("before", StringValue.parseFrom(c.readFrame().data()).getValue());
      c.writeFrame(1, Frames.DATA, 0, new byte[4194305]);
      assertError(c.readFrame(), 1, Status.Code.RESOURCE_EXHAUSTED,
          "message length 4194305 exceed maximum message size of 4194304");
      c.write(Frames.request(3, "Echo", "in sync"));
      Frame f = c.readFrame();
      assertEquals(3, f.streamId(), "no second terminal frame for stream 1");
      assertEquals("in sync", Frames.stringPayload(f));
    }
  }

  @Test
  void metadataAndTimeoutReachStreamHandlers() throws Exception {
    try (RawConnection c = RawConnection.connect(socket)) {
      ByteBuf b = FrameEncoder.request(io.netty.buffer.ByteBufAllocator.DEFAULT, 1, RC,
          FrameEncoder.route(StreamService.NAME, "Info"),
          dev.ttrpc.Marshaller.protobuf(StringValue.getDefaultInstance()), StringValue.of("k"),
          1_000_000_000L, Metadata.of("k", "v"), Integer.MAX_VALUE);
      c.write(ByteBufUtil.getBytes(b));
      b.release();
      assertEquals("v", StringValue.parseFrom(c.readFrame().data()).getValue());
      assertEquals("deadline", StringValue.parseFrom(c.readFrame().data()).getValue());
      assertEnd(c.readFrame(), 1);
    }
  }
}
