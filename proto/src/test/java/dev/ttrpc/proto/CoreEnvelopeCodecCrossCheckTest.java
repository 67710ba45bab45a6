package dev.ttrpc.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ttrpc.Marshaller;
import dev.ttrpc.Metadata;
import dev.ttrpc.Status;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.MalformedEnvelopeException;
import dev.ttrpc.internal.wire.RequestEnvelope;
import dev.ttrpc.internal.wire.ResponseEnvelope;
import dev.ttrpc.internal.wire.Wire;
import dev.ttrpc.proto.ttrpc.KeyValue;
import dev.ttrpc.proto.ttrpc.Request;
import dev.ttrpc.proto.ttrpc.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * ttrpc-core's hand-written envelope codec ({@link FrameEncoder}, {@link EnvelopeReader}) against
 * the messages protoc generates from our {@code ttrpc/request.proto} and {@code
 * google/rpc/status.proto}: what one encodes the other decodes to the same fields, and both
 * encoders produce the same bytes.
 */
class CoreEnvelopeCodecCrossCheckTest {

  private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

  /** A payload that is already serialized, as the envelope sees it. */
  private static final Marshaller<byte[]> RAW =
      new Marshaller<>() {
        @Override
        public int serializedSize(byte[] value) {
          return value.length;
        }

        @Override
        public void serialize(byte[] value, ByteBuffer target) {
          target.put(value);
        }

        @Override
        public byte[] parse(ByteBuffer source) {
          return remaining(source);
        }
      };

  /** One metadata pair as generated. */
  record Pair(String key, String value) {}

  @Provide
  Arbitrary<String> names() {
    // Routing names are never empty: the core always writes both fields.
    return Arbitraries.strings().ofMinLength(1).ofMaxLength(60);
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings().ofMaxLength(80);
  }

  @Provide
  Arbitrary<byte[]> payloads() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  @Provide
  Arbitrary<List<Pair>> metadata() {
    Arbitrary<String> keys = Arbitraries.strings().ofMinLength(1).ofMaxLength(30);
    Arbitrary<String> values = Arbitraries.strings().ofMaxLength(40);
    return Combinators.combine(keys, values).as(Pair::new).list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<List<Any>> details() {
    Arbitrary<Any> any =
        Combinators.combine(
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
            .as((url, value) -> Any.newBuilder().setTypeUrl(url).setValue(ByteString.copyFrom(value)).build());
    return any.list().ofMaxSize(3);
  }

  private static byte[] remaining(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  private static byte[] dataOf(ByteBuf frame) {
    return ByteBufUtil.getBytes(frame, Wire.dataIndex(frame), Wire.dataLength(frame));
  }

  @Property(tries = 300)
  void requestsEncodedByTheCoreAreOurRequests(
      @ForAll("names") String service,
      @ForAll("names") String method,
      @ForAll("payloads") byte[] payload,
      @ForAll long timeoutNano,
      @ForAll("metadata") List<Pair> pairs,
      @ForAll int streamId,
      @ForAll @IntRange(min = 0, max = 255) int flags)
      throws IOException {
    Metadata metadata = new Metadata();
    Request.Builder expected =
        Request.newBuilder()
            .setService(service)
            .setMethod(method)
            .setPayload(ByteString.copyFrom(payload))
            .setTimeoutNano(timeoutNano);
    for (Pair p : pairs) {
      metadata.add(p.key(), p.value());
      // The core lowercases the ASCII letters of keys on the way out, as Go's metadata does;
      // other characters stay, so that a key is always found again under what was sent.
      expected.addMetadata(
          KeyValue.newBuilder().setKey(asciiLowerCase(p.key())).setValue(p.value()));
    }

    ByteBuf frame =
        FrameEncoder.request(
            ALLOC,
            streamId,
            flags,
            FrameEncoder.route(service, method),
            RAW,
            payload,
            timeoutNano,
            metadata,
            Integer.MAX_VALUE);
    try {
      assertEquals(streamId, Wire.streamId(frame));
      assertEquals(Wire.TYPE_REQUEST, Wire.type(frame));
      assertEquals(flags, Wire.flags(frame));
      byte[] data = dataOf(frame);
      assertArrayEquals(expected.build().toByteArray(), data);
      assertEquals(expected.build(), Request.parseFrom(data));
    } finally {
      frame.release();
    }
  }

  @Property(tries = 300)
  void ourRequestsDecodeInTheCore(
      @ForAll("names") String service,
      @ForAll("names") String method,
      @ForAll("payloads") byte[] payload,
      @ForAll long timeoutNano,
      @ForAll("metadata") List<Pair> pairs)
      throws MalformedEnvelopeException {
    Request.Builder builder =
        Request.newBuilder()
            .setService(service)
            .setMethod(method)
            .setPayload(ByteString.copyFrom(payload))
            .setTimeoutNano(timeoutNano);
    for (Pair p : pairs) {
      builder.addMetadata(KeyValue.newBuilder().setKey(p.key()).setValue(p.value()));
    }
    byte[] bytes = builder.build().toByteArray();

    ByteBuf buf = Unpooled.wrappedBuffer(bytes);
    try {
      RequestEnvelope decoded = EnvelopeReader.readRequest(buf, 0, bytes.length);
      assertEquals(service, decoded.service());
      assertEquals(method, decoded.method());
      assertEquals(timeoutNano, decoded.timeoutNano());
      assertEquals(payload.length > 0, decoded.hasPayload());
      assertArrayEquals(payload, remaining(decoded.payload(buf)));
      List<Pair> received = new ArrayList<>();
      for (Map.Entry<String, String> e : decoded.metadata().entries()) {
        received.add(new Pair(e.getKey(), e.getValue()));
      }
      assertEquals(pairs, received);
    } finally {
      buf.release();
    }
  }

  @Property(tries = 200)
  void successfulResponsesMatchBothWays(
      @ForAll("payloads") byte[] payload, @ForAll int streamId)
      throws IOException, MalformedEnvelopeException {
    Response expected = Response.newBuilder().setPayload(ByteString.copyFrom(payload)).build();

    ByteBuf frame = FrameEncoder.response(ALLOC, streamId, RAW, payload, Integer.MAX_VALUE);
    try {
      assertEquals(Wire.TYPE_RESPONSE, Wire.type(frame));
      assertEquals(0, Wire.flags(frame));
      assertArrayEquals(expected.toByteArray(), dataOf(frame));
    } finally {
      frame.release();
    }

    byte[] bytes = expected.toByteArray();
    ByteBuf buf = Unpooled.wrappedBuffer(bytes);
    try {
      ResponseEnvelope decoded = EnvelopeReader.readResponse(buf, 0, bytes.length);
      assertEquals(Status.OK, decoded.status());
      assertArrayEquals(payload, remaining(decoded.payload(buf)));
    } finally {
      buf.release();
    }
  }

  @Property(tries = 300)
  void errorResponsesMatchBothWays(
      @ForAll @IntRange(min = 0, max = 16) int code,
      @ForAll("texts") String message,
      @ForAll("details") List<Any> details,
      @ForAll int streamId)
      throws IOException, MalformedEnvelopeException {
    Status status = Status.of(Status.Code.forValue(code), message, details);
    Response expected =
        Response.newBuilder()
            .setStatus(
                dev.ttrpc.proto.google.rpc.Status.newBuilder()
                    .setCode(code)
                    .setMessage(message)
                    .addAllDetails(details))
            .build();

    ByteBuf frame = FrameEncoder.errorResponse(ALLOC, streamId, status, Integer.MAX_VALUE);
    try {
      assertEquals(streamId, Wire.streamId(frame));
      assertArrayEquals(expected.toByteArray(), dataOf(frame));
    } finally {
      frame.release();
    }

    byte[] bytes = expected.toByteArray();
    ByteBuf buf = Unpooled.wrappedBuffer(bytes);
    try {
      Status decoded = EnvelopeReader.readResponse(buf, 0, bytes.length).status();
      if (code == 0) {
        assertEquals(Status.OK, decoded, "code 0 is success whatever else the status holds");
      } else {
        assertEquals(status.code(), decoded.code());
        assertEquals(message, decoded.message());
        assertEquals(details, decoded.details());
      }
    } finally {
      buf.release();
    }
  }

  @Property(tries = 200)
  void responsesWithStatusAndPayloadDecodeInTheCore(
      @ForAll @IntRange(min = -5, max = 40) int code,
      @ForAll("texts") String message,
      @ForAll("payloads") @Size(max = 100) byte[] payload)
      throws InvalidProtocolBufferException, MalformedEnvelopeException {
    Response response =
        Response.newBuilder()
            .setStatus(
                dev.ttrpc.proto.google.rpc.Status.newBuilder().setCode(code).setMessage(message))
            .setPayload(ByteString.copyFrom(payload))
            .build();
    byte[] bytes = response.toByteArray();
    assertEquals(response, Response.parseFrom(bytes));

    ByteBuf buf = Unpooled.wrappedBuffer(bytes);
    try {
      ResponseEnvelope decoded = EnvelopeReader.readResponse(buf, 0, bytes.length);
      assertArrayEquals(payload, remaining(decoded.payload(buf)));
      Status status = decoded.status();
      if (code == 0) {
        assertEquals(Status.OK, status);
      } else {
        // Codes outside 0..16 read as UNKNOWN, as gRPC maps them.
        assertEquals(Status.Code.forValue(code), status.code());
        assertEquals(message, status.message());
      }
    } finally {
      buf.release();
    }
  }

  private static String asciiLowerCase(String key) {
    StringBuilder lower = new StringBuilder(key.length());
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      lower.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return lower.toString();
  }
}
