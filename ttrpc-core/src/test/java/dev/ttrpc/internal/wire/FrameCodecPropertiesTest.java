package dev.ttrpc.internal.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.Metadata;
import dev.ttrpc.testing.KeyValue;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.LeakPresenceDetector;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterProperty;

/** Properties of the frame decoder and the envelope codec under arbitrary input. */
class FrameCodecPropertiesTest {
  private static final int MAX = 256;

  /** One frame as a test generates it. */
  record Spec(int streamId, int type, int flags, byte[] data) {
    byte[] bytes() {
      ByteBuf b = Unpooled.buffer();
      FrameEncoder.writeHeader(b, data.length, streamId, type, flags);
      b.writeBytes(data);
      return ByteBufUtil.getBytes(b);
    }
  }

  @AfterProperty
  void noLeaks() {
    LeakPresenceDetector.check();
  }

  @Provide
  Arbitrary<List<Spec>> frameLists() {
    return frames().list().ofMaxSize(8);
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
  }

  @Provide
  Arbitrary<Spec> frames() {
    return Combinators.combine(
            Arbitraries.integers(),
            Arbitraries.integers().between(0, 255),
            Arbitraries.integers().between(0, 255),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(MAX + 40))
        .as(Spec::new);
  }

  /** Feeds {@code bytes} to a decoder in the given chunk sizes and collects what comes out. */
  private static List<Object> decode(byte[] bytes, List<Integer> chunks) {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
    int pos = 0;
    int i = 0;
    while (pos < bytes.length) {
      int n = Math.min(bytes.length - pos, chunks.isEmpty() ? bytes.length : chunks.get(i++ % chunks.size()));
      ch.writeInbound(Unpooled.wrappedBuffer(bytes, pos, n));
      pos += n;
    }
    List<Object> out = new ArrayList<>();
    Object o;
    while ((o = ch.readInbound()) != null) {
      if (o instanceof ByteBuf) {
        ByteBuf b = (ByteBuf) o;
        out.add(new Spec(Wire.streamId(b), Wire.type(b), Wire.flags(b), ByteBufUtil.getBytes(b, Wire.dataIndex(b), Wire.dataLength(b))));
        b.release();
      } else {
        out.add(o);
      }
    }
    ch.finishAndReleaseAll();
    return out;
  }

  @Property(tries = 300)
  void framesDecodeExactlyWhateverTheChunking(
      @ForAll("frameLists") List<Spec> frames,
      @ForAll @Size(max = 6) List<@IntRange(min = 1, max = 64) Integer> chunks) {
    ByteBuf all = Unpooled.buffer();
    List<Object> expected = new ArrayList<>();
    for (Spec f : frames) {
      all.writeBytes(f.bytes());
      expected.add(f.data.length > MAX
          ? new Oversized(f.streamId, f.type, f.flags, f.data.length, MAX)
          : f);
    }
    List<Object> actual = decode(ByteBufUtil.getBytes(all), chunks);
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      Object e = expected.get(i);
      Object a = actual.get(i);
      if (e instanceof Spec) {
        Spec es = (Spec) e;
        Spec as = (Spec) a;
        assertEquals(es.streamId, as.streamId);
        assertEquals(es.type, as.type);
        assertEquals(es.flags, as.flags);
        assertEquals(ByteBufUtil.hexDump(es.data), ByteBufUtil.hexDump(as.data));
      } else {
        assertEquals(e, a);
      }
    }
  }

  @Property(tries = 40)
  void largeFramesArriveInPiecesAndParseInPlace(
      @ForAll @IntRange(min = 1, max = 300_000) int size,
      @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 1, max = 100_000) Integer> chunks)
      throws Exception {
    byte[] payload = new byte[size];
    new java.util.Random(size).nextBytes(payload);
    com.google.protobuf.BytesValue message =
        com.google.protobuf.BytesValue.of(com.google.protobuf.ByteString.copyFrom(payload));
    dev.ttrpc.Marshaller<com.google.protobuf.BytesValue> marshaller =
        dev.ttrpc.Marshaller.protobuf(com.google.protobuf.BytesValue.getDefaultInstance());
    ByteBuf frame = FrameEncoder.data(ByteBufAllocator.DEFAULT, 5, 0, marshaller, message, Integer.MAX_VALUE);
    byte[] bytes = ByteBufUtil.getBytes(frame);
    frame.release();
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(Integer.MAX_VALUE));
    int pos = 0;
    int i = 0;
    while (pos < bytes.length) {
      int n = Math.min(bytes.length - pos, chunks.get(i++ % chunks.size()));
      ch.writeInbound(Unpooled.wrappedBuffer(bytes, pos, n));
      pos += n;
    }
    ByteBuf decoded = ch.readInbound();
    try {
      assertEquals(bytes.length, decoded.readableBytes());
      assertEquals(5, Wire.streamId(decoded));
      if (bytes.length > chunks.get(0)) {
        // Gathered, not one fresh buffer of the announced size.
        assertTrue(decoded.capacity() <= Math.max(bytes.length, FrameDecoder.PIECE_SIZE));
      }
      assertEquals(message, Wire.parse(marshaller, decoded, Wire.dataIndex(decoded), Wire.dataLength(decoded)));
    } finally {
      decoded.release();
    }
    assertTrue(ch.readInbound() == null);
    ch.finishAndReleaseAll();
  }

  @Property(tries = 500)
  void randomBytesNeverCrashOrLeak(
      @ForAll("bytes") byte[] garbage,
      @ForAll @Size(max = 4) List<@IntRange(min = 1, max = 32) Integer> chunks) {
    decode(garbage, chunks);
  }

  @Property(tries = 300)
  void decoderResynchronisesAfterATruncatedOrLyingFrame(
      @ForAll("frames") Spec good, @ForAll @IntRange(min = MAX + 1, max = 100_000) int lyingLength) {
    // A frame announcing lyingLength bytes followed by exactly that many, then a good frame.
    ByteBuf b = Unpooled.buffer();
    FrameEncoder.writeHeader(b, lyingLength, 3, 1, 0);
    b.writeZero(lyingLength);
    b.writeBytes(good.bytes());
    List<Object> out = decode(ByteBufUtil.getBytes(b), List.of(997));
    assertTrue(out.get(0) instanceof Oversized);
    assertEquals(2, out.size());
  }

  @Property(tries = 1000)
  void envelopeReaderFailsOnlyWithItsOwnException(@ForAll("bytes") byte[] bytes) {
    ByteBuf b = Unpooled.wrappedBuffer(bytes);
    try {
      RequestEnvelope r = EnvelopeReader.readRequest(b, 0, bytes.length);
      assertTrue(r.payloadLength() <= bytes.length);
    } catch (MalformedEnvelopeException expected) {
      // fine
    }
    try {
      ResponseEnvelope r = EnvelopeReader.readResponse(b, 0, bytes.length);
      assertTrue(r.payloadLength() <= bytes.length);
      r.status();
    } catch (MalformedEnvelopeException expected) {
      // fine
    }
  }

  @Property(tries = 300)
  void requestEnvelopeRoundTrips(
      @ForAll @StringLength(min = 1, max = 30) String service,
      @ForAll @StringLength(min = 1, max = 30) String method,
      @ForAll @StringLength(max = 40) String key,
      @ForAll @StringLength(max = 40) String value,
      @ForAll long timeoutNano,
      @ForAll @StringLength(min = 1, max = 20) String mdKey,
      @ForAll String mdValue) throws Exception {
    Metadata md = Metadata.of(mdKey, mdValue);
    KeyValue payload = new KeyValue(key.length() > 20 ? key.substring(0, 20) : key, value.length() > 20 ? value.substring(0, 20) : value);
    ByteBuf frame = FrameEncoder.request(ByteBufAllocator.DEFAULT, 7, 0, FrameEncoder.route(service, method),
        KeyValue.MARSHALLER, payload, timeoutNano, md, Integer.MAX_VALUE);
    try {
      RequestEnvelope r = EnvelopeReader.readRequest(frame, Wire.dataIndex(frame), Wire.dataLength(frame));
      assertEquals(service, r.service());
      assertEquals(method, r.method());
      assertEquals(timeoutNano, r.timeoutNano());
      assertEquals(mdValue, r.metadata().get(mdKey));
      assertFalse(r.metadata().isEmpty());
      assertEquals(Wire.dataLength(frame), frame.readableBytes() - Wire.HEADER_LENGTH);
    } finally {
      frame.release();
    }
  }
}
