package dev.ttrpc.internal.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.Metadata;
import dev.ttrpc.Status;
import dev.ttrpc.testing.Hex;
import dev.ttrpc.testing.KeyValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.LeakPresenceDetector;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The golden frames G1-G4 and C1-C8 of the protocol reference, encoded and decoded byte for byte. */
class GoldenFramesTest {
  static final String G1 =
      "00000019 00000001 01 00 | 0a 09 68656c6c6f2e537663 12 04 4563686f 1a 06 0a016b120176";
  static final String G2 = "00000009 00000001 02 00 | 12 07 0a016b12027676";
  static final String G3 =
      "00000015 00000003 02 00 | 0a 13 08 0c 12 0f 73657276696365206e6f2e53756368";
  static final String C1 =
      "00000053 00000005 01 00 | 0a 17 636f6e7461696e6572642e7461736b2e76322e5461736b 12 05"
          + " 5374617465 1a 04 0a027431 20 80a8d6b907 2a 25 0a 1a"
          + " 636f6e7461696e6572642d6e616d6573706163652d7474727063 12 07 64656661756c74";
  static final String C2 =
      "00000043 00000007 02 00 | 0a 41 08 08 12 3d"
          + " 6d657373616765206c656e677468203431393433303520657863656564206d6178696d756d206d6573736167652073697a65206f662034313934333034";
  static final String C3 = "00000013 00000009 01 01 | 0a 09 68656c6c6f2e537663 12 06 446976696465";
  static final String C4 = "00000010 0000000b 01 02 | 0a 09 68656c6c6f2e537663 12 03 53756d";
  static final String C5 = "00000006 00000009 03 00 | 0a0130120164";
  static final String C6 = "00000000 00000009 03 05";
  static final String C7 = "0000000b 00000001 02 00 | 0a 00 12 07 0a016b12027676";

  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
  private static final int MAX = Wire.DEFAULT_MAX_MESSAGE_SIZE;

  @AfterEach
  void noLeaks() {
    LeakPresenceDetector.check();
  }

  private static void assertFrame(String expectedHex, ByteBuf actual) {
    try {
      assertEquals(Hex.normalize(expectedHex), Hex.of(actual));
    } finally {
      actual.release();
    }
  }

  @Test
  void g1RequestEncodes() throws Exception {
    ByteBuf frame =
        FrameEncoder.request(
            ALLOC, 1, 0, FrameEncoder.route("hello.Svc", "Echo"), KeyValue.MARSHALLER,
            new KeyValue("k", "v"), 0, new Metadata(), MAX);
    assertFrame(G1, frame);
  }

  @Test
  void g2ResponseEncodes() throws Exception {
    assertFrame(G2, FrameEncoder.response(ALLOC, 1, KeyValue.MARSHALLER, new KeyValue("k", "vv"), MAX));
  }

  @Test
  void g3ErrorResponseEncodes() {
    assertFrame(
        G3,
        FrameEncoder.errorResponse(
            ALLOC, 3, Status.of(Status.Code.UNIMPLEMENTED, "service no.Such"), MAX));
  }

  @Test
  void g4AndC5DataFrameEncodes() throws Exception {
    assertFrame(C5, FrameEncoder.data(ALLOC, 9, 0, KeyValue.MARSHALLER, new KeyValue("0", "d"), MAX));
  }

  @Test
  void c1ContainerdStyleRequestEncodesWithLowercasedKey() throws Exception {
    ByteBuf frame =
        FrameEncoder.request(
            ALLOC, 5, 0, FrameEncoder.route("containerd.task.v2.Task", "State"),
            KeyValue.MARSHALLER, new KeyValue("t1", ""), 2_000_000_000L,
            Metadata.of("Containerd-Namespace-TTRPC", "default"), MAX);
    assertFrame(C1, frame);
  }

  @Test
  void c2OversizeErrorEncodes() {
    assertFrame(
        C2,
        FrameEncoder.errorResponse(
            ALLOC, 7,
            Status.of(Status.Code.RESOURCE_EXHAUSTED, Wire.oversizeMessage(4194305, MAX)), MAX));
  }

  @Test
  void c3AndC4StreamingRequestsEncodeWithoutPayload() throws Exception {
    assertFrame(
        C3,
        FrameEncoder.request(ALLOC, 9, Wire.FLAG_REMOTE_CLOSED, FrameEncoder.route("hello.Svc", "Divide"),
            KeyValue.MARSHALLER, new KeyValue("", ""), 0, new Metadata(), MAX));
    assertFrame(
        C4,
        FrameEncoder.request(ALLOC, 11, Wire.FLAG_REMOTE_OPEN, FrameEncoder.route("hello.Svc", "Sum"),
            KeyValue.MARSHALLER, null, 0, new Metadata(), MAX));
  }

  @Test
  void c6HalfCloseEncodes() {
    assertFrame(C6, FrameEncoder.empty(ALLOC, 9, Wire.TYPE_DATA, Wire.FLAG_REMOTE_CLOSED | Wire.FLAG_NO_DATA));
  }

  @Test
  void c8NegativeTimeoutTakesTenBytes() throws Exception {
    ByteBuf frame =
        FrameEncoder.request(ALLOC, 1, 0, new byte[0], KeyValue.MARSHALLER, null, -1, new Metadata(), MAX);
    try {
      assertEquals(Hex.normalize("20 ffffffffffffffffff 01"), Hex.of(frame.skipBytes(Wire.HEADER_LENGTH)));
    } finally {
      frame.release();
    }
    assertEquals(10, FrameEncoder.varintSize(-1));
  }

  @Test
  void goldenFramesDecode() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    ch.writeInbound(Hex.buf(G1 + G2 + G3 + C1 + C5 + C6 + C7));

    ByteBuf g1 = ch.readInbound();
    assertEquals(1, Wire.streamId(g1));
    assertEquals(Wire.TYPE_REQUEST, Wire.type(g1));
    RequestEnvelope r = EnvelopeReader.readRequest(g1, Wire.dataIndex(g1), Wire.dataLength(g1));
    assertEquals("hello.Svc", r.service());
    assertEquals("Echo", r.method());
    assertEquals(new KeyValue("k", "v"), KeyValue.MARSHALLER.parse(r.payload(g1)));
    assertEquals(0, r.timeoutNano());
    g1.release();

    ByteBuf g2 = ch.readInbound();
    ResponseEnvelope ok = EnvelopeReader.readResponse(g2, Wire.dataIndex(g2), Wire.dataLength(g2));
    assertTrue(ok.status().isOk());
    assertEquals(new KeyValue("k", "vv"), KeyValue.MARSHALLER.parse(ok.payload(g2)));
    g2.release();

    ByteBuf g3 = ch.readInbound();
    assertEquals(3, Wire.streamId(g3));
    ResponseEnvelope err = EnvelopeReader.readResponse(g3, Wire.dataIndex(g3), Wire.dataLength(g3));
    assertEquals(Status.of(Status.Code.UNIMPLEMENTED, "service no.Such"), err.status());
    g3.release();

    ByteBuf c1 = ch.readInbound();
    RequestEnvelope c1r = EnvelopeReader.readRequest(c1, Wire.dataIndex(c1), Wire.dataLength(c1));
    assertEquals("containerd.task.v2.Task", c1r.service());
    assertEquals(2_000_000_000L, c1r.timeoutNano());
    assertEquals("default", c1r.metadata().get(Metadata.CONTAINERD_NAMESPACE_KEY));
    c1.release();

    ByteBuf c5 = ch.readInbound();
    assertEquals(Wire.TYPE_DATA, Wire.type(c5));
    assertEquals(new KeyValue("0", "d"),
        KeyValue.MARSHALLER.parse(c5.nioBuffer(Wire.dataIndex(c5), Wire.dataLength(c5))));
    c5.release();

    ByteBuf c6 = ch.readInbound();
    assertEquals(0, Wire.dataLength(c6));
    assertEquals(0x05, Wire.flags(c6));
    c6.release();

    ByteBuf c7 = ch.readInbound();
    ResponseEnvelope c7r = EnvelopeReader.readResponse(c7, Wire.dataIndex(c7), Wire.dataLength(c7));
    assertTrue(c7r.status().isOk(), "explicit code 0 is success");
    assertEquals(new KeyValue("k", "vv"), KeyValue.MARSHALLER.parse(c7r.payload(c7)));
    c7.release();

    assertFalse(ch.finish());
  }

  @Test
  void framesSplitAtEveryByteDecodeTheSame() {
    byte[] all = Hex.bytes(G1 + C6 + G3);
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    for (byte b : all) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    ByteBuf a = ch.readInbound();
    ByteBuf b = ch.readInbound();
    ByteBuf c = ch.readInbound();
    assertEquals(Hex.normalize(G1), Hex.of(a));
    assertEquals(Hex.normalize(C6), Hex.of(b));
    assertEquals(Hex.normalize(G3), Hex.of(c));
    a.release();
    b.release();
    c.release();
    assertFalse(ch.finish());
  }

  @Test
  void oversizeIsReportedSkippedAndDecodingStaysInSync() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(16));
    // 17 bytes of data on stream 7 (one more than allowed), arriving in pieces, then G3.
    ch.writeInbound(Hex.buf("00000011 00000007 01 00 | 0102030405"));
    Oversized event = ch.readInbound();
    assertEquals(new Oversized(7, 1, 0, 17, 16), event);
    assertEquals("message length 17 exceed maximum message size of 16", event.message());
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[12]));
    org.junit.jupiter.api.Assertions.assertNull(ch.readInbound());
    ch.writeInbound(Hex.buf("00000000 00000009 03 05"));
    ByteBuf next = ch.readInbound();
    assertEquals(9, Wire.streamId(next));
    next.release();
    // Exactly the limit is allowed.
    ch.writeInbound(Hex.buf("00000010 0000000b 03 00 | 00112233445566778899aabbccddeeff"));
    ByteBuf exact = ch.readInbound();
    assertEquals(16, Wire.dataLength(exact));
    exact.release();
    assertFalse(ch.finish());
  }

  @Test
  void nonZeroFirstByteTakesTheOversizePath() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    ch.writeInbound(Hex.buf("01000000 00000005 01 00"));
    Oversized event = ch.readInbound();
    assertEquals(0x01000000L, event.length());
    assertEquals(5, event.streamId());
    assertFalse(ch.finish());
  }

  @Test
  void truncatedFrameAtEndOfStreamIsNotEmitted() {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    ch.writeInbound(Hex.buf("00000019 00000001 01 00 | 0a 09 68656c"));
    assertFalse(ch.finish(), "no frame for a truncated body");
    EmbeddedChannel ch2 = new EmbeddedChannel(new FrameDecoder(MAX));
    ch2.writeInbound(Hex.buf("00000019 0000"));
    assertFalse(ch2.finish(), "no frame for a truncated header");
  }

  @Test
  void tooLargeRequestIsRefusedBeforeAllocating() {
    String big = "x".repeat(100);
    MessageTooLargeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            MessageTooLargeException.class,
            () -> FrameEncoder.request(ALLOC, 1, 0, FrameEncoder.route("s", "m"), KeyValue.MARSHALLER,
                new KeyValue(big, ""), 0, new Metadata(), 64));
    assertTrue(e.getMessage().startsWith("message length "));
    assertTrue(e.getMessage().endsWith(" exceed maximum message size of 64"));
  }

  @Test
  void anErrorMessageCutToTheLimitNeverSplitsACharacter() throws Exception {
    // Two-, three- and four-byte characters, so that every cut offset meets each kind.
    String message = "é€😀".repeat(40);
    for (int max = 64; max < 80; max++) {
      ByteBuf frame =
          FrameEncoder.errorResponse(ALLOC, 1, Status.of(Status.Code.INTERNAL, message), max);
      try {
        ResponseEnvelope r =
            EnvelopeReader.readResponse(frame, Wire.dataIndex(frame), Wire.dataLength(frame));
        String cut = r.status().message();
        assertTrue(Wire.dataLength(frame) <= max, "fits the limit");
        assertFalse(cut.isEmpty());
        assertFalse(cut.contains("\uFFFD"), "no replacement character: " + cut);
        assertTrue(message.startsWith(cut), "a prefix of whole characters at limit " + max);
      } finally {
        frame.release();
      }
    }
  }

  @Test
  void statusDetailsRoundTrip() throws Exception {
    com.google.protobuf.Any detail =
        com.google.protobuf.Any.newBuilder()
            .setTypeUrl("type.googleapis.com/x.Y")
            .setValue(com.google.protobuf.ByteString.copyFrom("zz", StandardCharsets.UTF_8))
            .build();
    Status status = Status.of(Status.Code.FAILED_PRECONDITION, "custom 42", java.util.List.of(detail));
    ByteBuf frame = FrameEncoder.errorResponse(ALLOC, 1, status, MAX);
    try {
      ResponseEnvelope r = EnvelopeReader.readResponse(frame, Wire.dataIndex(frame), Wire.dataLength(frame));
      assertEquals(status, r.status());
    } finally {
      frame.release();
    }
  }

  @Test
  void requestRoundTripKeepsEverything() throws Exception {
    Metadata md = Metadata.of("Upper", "1", "upper", "2", "other", "3", "İ-Key", "dotted");
    ByteBuf frame =
        FrameEncoder.request(ALLOC, 17, 0, FrameEncoder.route("a.B", "C"), KeyValue.MARSHALLER,
            new KeyValue("ключ", "значение"), -5, md, MAX);
    try {
      RequestEnvelope r = EnvelopeReader.readRequest(frame, Wire.dataIndex(frame), Wire.dataLength(frame));
      assertEquals("a.B", r.service());
      assertEquals("C", r.method());
      assertEquals(-5, r.timeoutNano());
      assertEquals(java.util.List.of("1", "2"), r.metadata().getAll("UPPER"));
      assertEquals("upper", r.metadata().entries().get(0).getKey());
      // Only ASCII letters are lowercased, so a non-ASCII key is still found as it was added.
      assertEquals("dotted", r.metadata().get("İ-Key"));
      assertEquals("İ-key", r.metadata().entries().get(3).getKey());
      ByteBuffer payload = r.payload(frame);
      assertEquals(new KeyValue("ключ", "значение"), KeyValue.MARSHALLER.parse(payload));
    } finally {
      frame.release();
    }
  }

  @Test
  void malformedEnvelopesFailCleanly() {
    String[] bad = {"0a 05 6162", "20", "2a 03 0a 05 61", "0f", "00", "0a ffffffffffffffffffff01"};
    for (String hex : bad) {
      ByteBuf buf = Hex.buf(hex);
      org.junit.jupiter.api.Assertions.assertThrows(
          MalformedEnvelopeException.class,
          () -> EnvelopeReader.readRequest(buf, 0, buf.readableBytes()),
          hex);
    }
  }
}
