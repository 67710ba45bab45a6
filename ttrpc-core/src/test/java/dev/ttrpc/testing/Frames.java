package dev.ttrpc.testing;

import com.google.protobuf.StringValue;
import dev.ttrpc.Marshaller;
import dev.ttrpc.Metadata;
import dev.ttrpc.Status;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.ResponseEnvelope;
import dev.ttrpc.internal.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;

/** Builds raw frames as bytes and reads raw Responses, for protocol tests. */
public final class Frames {
  private Frames() {}

  private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false, true);
  private static final Marshaller<StringValue> STRING = Marshaller.protobuf(StringValue.getDefaultInstance());

  /** A Request frame for {@code test.v1.Test/<method>} with a StringValue payload. */
  public static byte[] request(int streamId, int flags, String method, String value, long timeoutNano,
      Metadata metadata) throws Exception {
    return request(streamId, flags, TestService.NAME, method, value, timeoutNano, metadata);
  }

  public static byte[] request(int streamId, String method, String value) throws Exception {
    return request(streamId, 0, method, value, 0, new Metadata());
  }

  public static byte[] request(int streamId, int flags, String service, String method, String value,
      long timeoutNano, Metadata metadata) throws Exception {
    ByteBuf frame = FrameEncoder.request(ALLOC, streamId, flags, FrameEncoder.route(service, method),
        STRING, value == null ? null : StringValue.of(value), timeoutNano, metadata, Integer.MAX_VALUE);
    try {
      return ByteBufUtil.getBytes(frame);
    } finally {
      frame.release();
    }
  }

  /** The status of a Response frame. */
  public static Status status(RawConnection.Frame frame) throws Exception {
    ByteBuf data = frame.dataBuf();
    ResponseEnvelope r = EnvelopeReader.readResponse(data, 0, data.readableBytes());
    return r.status();
  }

  /** The StringValue payload of a successful Response frame. */
  public static String stringPayload(RawConnection.Frame frame) throws Exception {
    ByteBuf data = frame.dataBuf();
    ResponseEnvelope r = EnvelopeReader.readResponse(data, 0, data.readableBytes());
    ByteBuffer payload = r.payload(data);
    return STRING.parse(payload).getValue();
  }

  /** A successful Response frame with a StringValue payload, as bytes. */
  public static byte[] response(int streamId, String value) throws Exception {
    ByteBuf frame = FrameEncoder.response(ALLOC, streamId, STRING, StringValue.of(value), Integer.MAX_VALUE);
    try {
      return ByteBufUtil.getBytes(frame);
    } finally {
      frame.release();
    }
  }

  public static final int REQUEST = Wire.TYPE_REQUEST;
  public static final int RESPONSE = Wire.TYPE_RESPONSE;
  public static final int DATA = Wire.TYPE_DATA;
}
