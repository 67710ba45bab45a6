package dev.ttrpc.internal.wire;

import dev.ttrpc.Marshaller;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Constants of the ttRPC frame format and accessors for a decoded frame.
 *
 * <p>A frame is a 10-byte header (data length N, stream id, message type, flags; big-endian)
 * followed by N bytes of data. {@link FrameDecoder} emits each whole frame, header included, as
 * one {@link ByteBuf}; the static accessors here read its fields without allocating.
 */
public final class Wire {
  private Wire() {}

  public static final int HEADER_LENGTH = 10;

  public static final int TYPE_REQUEST = 1;
  public static final int TYPE_RESPONSE = 2;
  public static final int TYPE_DATA = 3;

  /** Request: the client side is complete (server streaming). Data: last frame of the sender. */
  public static final int FLAG_REMOTE_CLOSED = 0x01;
  /** Request: the client keeps sending Data frames (client streaming and bidi). */
  public static final int FLAG_REMOTE_OPEN = 0x02;
  /** Data: the frame carries no message. */
  public static final int FLAG_NO_DATA = 0x04;

  /** Go's limit on the data of one frame, 4 MiB; exactly this size is allowed. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 4 << 20;

  /** The largest stream id a client may use. */
  public static final long MAX_STREAM_ID = 0xFFFF_FFFFL;

  /** The stream id of a frame emitted by {@link FrameDecoder}. */
  public static int streamId(ByteBuf frame) {
    return frame.getInt(frame.readerIndex() + 4);
  }

  /** The message type of a frame emitted by {@link FrameDecoder}. */
  public static int type(ByteBuf frame) {
    return frame.getUnsignedByte(frame.readerIndex() + 8);
  }

  /** The flags of a frame emitted by {@link FrameDecoder}. */
  public static int flags(ByteBuf frame) {
    return frame.getUnsignedByte(frame.readerIndex() + 9);
  }

  /** The index of the first data byte of a frame emitted by {@link FrameDecoder}. */
  public static int dataIndex(ByteBuf frame) {
    return frame.readerIndex() + HEADER_LENGTH;
  }

  /** The data length N of a frame emitted by {@link FrameDecoder}. */
  public static int dataLength(ByteBuf frame) {
    return frame.readableBytes() - HEADER_LENGTH;
  }

  /**
   * Parses a message from {@code length} bytes of {@code buf} at {@code index} without copying
   * them first, whether the frame is one buffer or pieces gathered as they arrived.
   */
  public static <T> T parse(Marshaller<T> marshaller, ByteBuf buf, int index, int length)
      throws IOException {
    if (buf.nioBufferCount() == 1) {
      return marshaller.parse(buf.nioBuffer(index, length));
    }
    ByteBuffer[] pieces = buf.nioBuffers(index, length);
    return pieces.length == 1 ? marshaller.parse(pieces[0]) : marshaller.parse(pieces);
  }

  /** Go's text for a frame whose data exceeds the limit. */
  public static String oversizeMessage(long length, int maxMessageSize) {
    return "message length " + length + " exceed maximum message size of " + maxMessageSize;
  }

  /** The stream id as the unsigned number it is on the wire. */
  public static long unsignedStreamId(int streamId) {
    return streamId & 0xFFFF_FFFFL;
  }
}
