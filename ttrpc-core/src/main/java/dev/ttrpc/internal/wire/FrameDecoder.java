package dev.ttrpc.internal.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the inbound byte stream into ttRPC frames. Each frame is emitted as a retained {@link
 * ByteBuf} slice holding the header and the data (read its fields with {@link Wire}); the next
 * handler owns it and must release it.
 *
 * <p>A frame whose data length exceeds the limit is not buffered: the decoder emits an {@link
 * Oversized} event, then skips exactly that many bytes as they arrive, and decoding resumes at the
 * next frame. A truncated frame at end of stream is never emitted (the connection is simply
 * closed). One instance per channel; runs on the channel's event loop.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  private final int maxMessageSize;
  private long bytesToDiscard;

  public FrameDecoder(int maxMessageSize) {
    if (maxMessageSize < 0) {
      throw new IllegalArgumentException("maxMessageSize must not be negative: " + maxMessageSize);
    }
    this.maxMessageSize = maxMessageSize;
    setCumulator(this::cumulate);
  }

  /**
   * Like Netty's merging cumulator, but when the buffered bytes begin with the header of a frame
   * that does not fit, the new buffer is sized for that whole frame at once: a large frame is then
   * copied once, not once per doubling.
   */
  private ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
    int buffered = cumulation.readableBytes();
    if (buffered >= Wire.HEADER_LENGTH
        && cumulation.refCnt() == 1
        && !cumulation.isReadOnly()
        && cumulation.writableBytes() < in.readableBytes()) {
      long length = cumulation.getUnsignedInt(cumulation.readerIndex());
      long frame = Wire.HEADER_LENGTH + length;
      if (bytesToDiscard == 0 && length <= maxMessageSize && frame > buffered + in.readableBytes()) {
        ByteBuf sized = alloc.buffer((int) frame);
        try {
          sized.writeBytes(cumulation).writeBytes(in);
        } catch (RuntimeException | Error e) {
          sized.release();
          throw e;
        } finally {
          in.release();
        }
        cumulation.release();
        return sized;
      }
    }
    return MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    // The base class calls again while input is consumed or output produced: one step per call.
    if (bytesToDiscard > 0) {
      int skip = (int) Math.min(bytesToDiscard, in.readableBytes());
      in.skipBytes(skip);
      bytesToDiscard -= skip;
      return;
    }
    if (in.readableBytes() < Wire.HEADER_LENGTH) {
      return;
    }
    int start = in.readerIndex();
    long length = in.getUnsignedInt(start);
    if (length > maxMessageSize) {
      out.add(
          new Oversized(
              in.getInt(start + 4),
              in.getUnsignedByte(start + 8),
              in.getUnsignedByte(start + 9),
              length,
              maxMessageSize));
      in.skipBytes(Wire.HEADER_LENGTH);
      bytesToDiscard = length;
      return;
    }
    int frameLength = Wire.HEADER_LENGTH + (int) length;
    if (in.readableBytes() < frameLength) {
      return;
    }
    out.add(in.readRetainedSlice(frameLength));
  }
}
