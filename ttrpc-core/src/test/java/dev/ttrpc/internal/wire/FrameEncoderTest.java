package dev.ttrpc.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.ttrpc.Marshaller;
import dev.ttrpc.Metadata;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.LeakPresenceDetector;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Frames larger than the pooled maximum are built from pooled chunks, byte for byte the same. */
class FrameEncoderTest {
  private static final Marshaller<BytesValue> PROTOBUF =
      Marshaller.protobuf(BytesValue.getDefaultInstance());
  /** The same encoding through a marshaller the encoder does not know: always one buffer. */
  private static final Marshaller<BytesValue> OPAQUE =
      new Marshaller<>() {
        @Override
        public int serializedSize(BytesValue value) {
          return PROTOBUF.serializedSize(value);
        }

        @Override
        public void serialize(BytesValue value, ByteBuffer target) throws IOException {
          PROTOBUF.serialize(value, target);
        }

        @Override
        public BytesValue parse(ByteBuffer source) throws IOException {
          return PROTOBUF.parse(source);
        }
      };
  private static final int MAX = Wire.DEFAULT_MAX_MESSAGE_SIZE;
  private static final byte[] ROUTE = FrameEncoder.route("svc.Service", "Method");
  private static final Metadata METADATA = Metadata.of("Key", "value", "k2", "v2");

  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

  @AfterEach
  void noLeaks() {
    LeakPresenceDetector.check();
  }

  private static BytesValue message(int size) {
    byte[] body = new byte[size];
    new Random(size).nextBytes(body);
    return BytesValue.of(ByteString.copyFrom(body));
  }

  @Test
  void aLargeRequestIsBuiltFromPooledChunksWithTheSameBytes() throws Exception {
    // 1.5 MiB plus a few bytes: the payload spans the chunk border, the fields after it follow.
    BytesValue message = message(3 * FrameEncoder.MAX_CONTIGUOUS_FRAME / 2 + 7);
    ByteBuf chunked = FrameEncoder.request(alloc, 5, 0, ROUTE, PROTOBUF, message, 12345, METADATA, MAX);
    ByteBuf contiguous =
        FrameEncoder.request(alloc, 5, 0, ROUTE, OPAQUE, message, 12345, METADATA, MAX);
    try {
      assertChunked(chunked);
      assertFalse(contiguous instanceof CompositeByteBuf);
      assertArrayEquals(ByteBufUtil.getBytes(contiguous), ByteBufUtil.getBytes(chunked));

      RequestEnvelope request =
          EnvelopeReader.readRequest(chunked, Wire.dataIndex(chunked), Wire.dataLength(chunked));
      assertEquals("svc.Service", request.service());
      assertEquals(12345, request.timeoutNano());
      assertEquals("value", request.metadata().get("key"));
      assertEquals(message, PROTOBUF.parse(request.payload(chunked)));
    } finally {
      chunked.release();
      contiguous.release();
    }
  }

  @Test
  void aLargeResponseAndDataFrameAreChunkedWithTheSameBytes() throws Exception {
    BytesValue message = message(FrameEncoder.MAX_CONTIGUOUS_FRAME);
    ByteBuf chunked = FrameEncoder.response(alloc, 7, PROTOBUF, message, MAX);
    ByteBuf contiguous = FrameEncoder.response(alloc, 7, OPAQUE, message, MAX);
    ByteBuf data = FrameEncoder.data(alloc, 7, Wire.FLAG_REMOTE_CLOSED, PROTOBUF, message, MAX);
    try {
      assertChunked(chunked);
      assertChunked(data);
      assertArrayEquals(ByteBufUtil.getBytes(contiguous), ByteBufUtil.getBytes(chunked));
      ResponseEnvelope response =
          EnvelopeReader.readResponse(chunked, Wire.dataIndex(chunked), Wire.dataLength(chunked));
      assertTrue(response.status().isOk());
      assertEquals(message, PROTOBUF.parse(response.payload(chunked)));
      assertEquals(Wire.TYPE_DATA, Wire.type(data));
      assertEquals(
          message, PROTOBUF.parse(data.nioBuffer(Wire.dataIndex(data), Wire.dataLength(data))));
    } finally {
      chunked.release();
      contiguous.release();
      data.release();
    }
  }

  @Test
  void framesUpToThePooledMaximumStayInOneBuffer() throws Exception {
    // Payload plus field overhead and header just fit.
    BytesValue message = message(FrameEncoder.MAX_CONTIGUOUS_FRAME - Wire.HEADER_LENGTH - 10);
    ByteBuf frame = FrameEncoder.response(alloc, 1, PROTOBUF, message, MAX);
    try {
      assertTrue(frame.readableBytes() <= FrameEncoder.MAX_CONTIGUOUS_FRAME);
      assertFalse(frame instanceof CompositeByteBuf);
    } finally {
      frame.release();
    }
  }

  private static void assertChunked(ByteBuf frame) {
    assertTrue(frame instanceof CompositeByteBuf, frame.getClass().getName());
    CompositeByteBuf composite = (CompositeByteBuf) frame;
    int size = composite.readableBytes();
    assertTrue(size > FrameEncoder.MAX_CONTIGUOUS_FRAME);
    assertEquals(
        (size + FrameEncoder.CHUNK_SIZE - 1) / FrameEncoder.CHUNK_SIZE, composite.numComponents());
    for (int i = 0; i < composite.numComponents(); i++) {
      assertTrue(composite.internalComponent(i).capacity() <= FrameEncoder.CHUNK_SIZE);
    }
    assertEquals(composite.capacity(), size, "sized exactly, every byte written");
  }
}
