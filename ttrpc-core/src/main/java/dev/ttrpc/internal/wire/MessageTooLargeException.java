package dev.ttrpc.internal.wire;

import java.io.IOException;

/** A frame to be written would exceed the maximum message size; nothing was written. */
public final class MessageTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long length;

  public MessageTooLargeException(long length, int maxMessageSize) {
    super(Wire.oversizeMessage(length, maxMessageSize));
    this.length = length;
  }

  /** The data length the frame would have had. */
  public long length() {
    return length;
  }
}
