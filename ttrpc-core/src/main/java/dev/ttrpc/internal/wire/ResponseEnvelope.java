package dev.ttrpc.internal.wire;

import com.google.protobuf.Any;
import dev.ttrpc.Marshaller;
import dev.ttrpc.Status;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A decoded ttRPC {@code Response}: the status is copied out; the payload stays a region of the
 * frame it came from, valid while that frame is retained.
 */
public final class ResponseEnvelope {
  boolean hasStatus;
  int code;
  String message = "";
  List<Any> details = List.of();
  int payloadIndex;
  int payloadLength;

  ResponseEnvelope() {}

  /** The status: OK when absent or code 0, as Go clients read it. */
  public Status status() {
    if (!hasStatus || code == 0) {
      return Status.OK;
    }
    return Status.of(Status.Code.forValue(code), message, details);
  }

  /** The index of the payload within the frame it was read from. */
  public int payloadIndex() {
    return payloadIndex;
  }

  public int payloadLength() {
    return payloadLength;
  }

  /** Parses the payload from {@code frame} in place (also when the frame is in pieces). */
  public <T> T parsePayload(ByteBuf frame, Marshaller<T> marshaller) throws IOException {
    return Wire.parse(marshaller, frame, payloadIndex, payloadLength);
  }

  /** The payload bytes as a view of {@code frame}; no copy. */
  public ByteBuffer payload(ByteBuf frame) {
    return frame.nioBuffer(payloadIndex, payloadLength);
  }
}
