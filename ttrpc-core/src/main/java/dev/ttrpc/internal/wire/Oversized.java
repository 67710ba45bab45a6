package dev.ttrpc.internal.wire;

/**
 * Emitted by {@link FrameDecoder} instead of a frame whose data length exceeds the limit. The
 * decoder has already consumed the header and discards the data as it arrives, so the next frame
 * is decoded normally.
 *
 * @param streamId the stream id from the header
 * @param type the message type from the header
 * @param flags the flags from the header
 * @param length the announced data length
 * @param maxMessageSize the limit that was exceeded
 */
public record Oversized(int streamId, int type, int flags, long length, int maxMessageSize) {

  /** Go's text for this event. */
  public String message() {
    return Wire.oversizeMessage(length, maxMessageSize);
  }
}
