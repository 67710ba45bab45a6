package dev.ttrpc.internal.wire;

import dev.ttrpc.Marshaller;
import dev.ttrpc.Metadata;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A decoded ttRPC {@code Request}: routing names, timeout and metadata are copied out; the payload
 * stays a region of the frame it came from, valid while that frame is retained.
 */
public final class RequestEnvelope {
  private static final Metadata NO_METADATA = new Metadata().unmodifiable();

  String service = "";
  String method = "";
  boolean hasPayload;
  int payloadIndex;
  int payloadLength;
  long timeoutNano;
  Metadata metadata;

  RequestEnvelope() {}

  public String service() {
    return service;
  }

  public String method() {
    return method;
  }

  /** Whether the payload field was present (even with zero bytes). */
  public boolean hasPayload() {
    return hasPayload;
  }

  public int payloadLength() {
    return payloadLength;
  }

  /** The payload bytes as a view of {@code frame}; no copy. */
  public ByteBuffer payload(ByteBuf frame) {
    return frame.nioBuffer(payloadIndex, payloadLength);
  }

  /** Parses the payload from {@code frame} in place (also when the frame is in pieces). */
  public <T> T parsePayload(ByteBuf frame, Marshaller<T> marshaller) throws IOException {
    return Wire.parse(marshaller, frame, payloadIndex, payloadLength);
  }

  /** {@code timeout_nano}: 0 means none, negative means already expired. */
  public long timeoutNano() {
    return timeoutNano;
  }

  /** The metadata, read-only, keys as received. */
  public Metadata metadata() {
    return metadata != null ? metadata.unmodifiable() : NO_METADATA;
  }
}
