package dev.ttrpc.internal.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * Splits the inbound byte stream into ttRPC frames. Each frame is emitted as a {@link ByteBuf}
 * holding the header and the data (read its fields with {@link Wire}); the next handler owns it
 * and must release it.
 *
 * <p>Memory: a frame that lies whole in what one socket read returned is emitted as a slice of
 * that read, without copying. A frame that spans reads is gathered as its bytes arrive, never
 * sized up front from the length its header announces: one buffer of its size if it is at most
 * {@link #PIECE_SIZE} bytes, otherwise pieces of at most {@link #PIECE_SIZE} bytes allocated as
 * the bytes come, emitted together as one composite buffer (parse it with {@link Wire#parse}).
 * With an {@link UnfinishedFrames} limit (servers), a frame larger than one piece must first
 * reserve its length there; while the reservation waits, this connection's reads are paused, so it
 * holds at most one piece plus one socket read.
 *
 * <p>A frame whose data length exceeds the maximum is not buffered: the decoder emits an {@link
 * Oversized} event, then skips exactly that many bytes as they arrive, and decoding resumes at the
 * next frame. A truncated frame at end of stream is never emitted (the connection is simply
 * closed). One instance per channel; runs on the channel's event loop.
 */
public final class FrameDecoder extends ChannelInboundHandlerAdapter
    implements UnfinishedFrames.Waiter {
  /** The largest buffer allocated for a frame that arrives in pieces. */
  public static final int PIECE_SIZE = 64 * 1024;

  private final int maxMessageSize;
  private final UnfinishedFrames limit;
  private final ReadPause pause;
  private ChannelHandlerContext ctx;

  // Confined to the event loop.
  private long bytesToDiscard;
  private final byte[] header = new byte[Wire.HEADER_LENGTH];
  private int headerFill;
  /** Header plus data length of the frame being gathered; 0 when none is. */
  private int frameLength;
  private int frameReceived;
  private List<ByteBuf> pieces;
  private long piecesCapacity;
  /** The reservation held for the frame being gathered. */
  private long reservation;
  /** Ticket of the reservation this decoder waits for (reads are paused meanwhile), or 0. */
  private long waitingTicket;
  private long nextTicket = 1;
  private boolean removed;

  /** A decoder without a limit on unfinished frames (clients). */
  public FrameDecoder(int maxMessageSize) {
    this(maxMessageSize, null, null);
  }

  /**
   * @param limit the shared limit large frames reserve their length from, or null for none
   * @param pause pauses this connection's reads while a reservation waits; needed with a limit
   */
  public FrameDecoder(int maxMessageSize, UnfinishedFrames limit, ReadPause pause) {
    if (maxMessageSize < 0) {
      throw new IllegalArgumentException("maxMessageSize must not be negative: " + maxMessageSize);
    }
    if (limit != null && pause == null) {
      throw new IllegalArgumentException("a limit needs a way to pause reads");
    }
    this.maxMessageSize = maxMessageSize;
    this.limit = limit;
    this.pause = pause;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf in = (ByteBuf) msg;
    try {
      while (in.isReadable() && !removed) {
        step(ctx, in);
      }
    } finally {
      in.release();
    }
  }

  /** Consumes some of {@code in}: a discarded run, header bytes, a whole frame or frame bytes. */
  private void step(ChannelHandlerContext ctx, ByteBuf in) {
    if (bytesToDiscard > 0) {
      int skip = (int) Math.min(bytesToDiscard, in.readableBytes());
      in.skipBytes(skip);
      bytesToDiscard -= skip;
      return;
    }
    if (frameLength > 0) {
      gather(ctx, in);
      return;
    }
    if (headerFill > 0 || in.readableBytes() < Wire.HEADER_LENGTH) {
      int n = Math.min(Wire.HEADER_LENGTH - headerFill, in.readableBytes());
      in.readBytes(header, headerFill, n);
      headerFill += n;
      if (headerFill == Wire.HEADER_LENGTH) {
        headerFill = 0;
        ByteBuffer h = ByteBuffer.wrap(header);
        long length = h.getInt(0) & 0xFFFF_FFFFL;
        if (length > maxMessageSize) {
          oversized(ctx, h.getInt(4), header[8] & 0xFF, header[9] & 0xFF, length);
        } else {
          begin(ctx, Wire.HEADER_LENGTH + (int) length);
          append(ctx, null, header, Wire.HEADER_LENGTH);
        }
      }
      return;
    }
    int start = in.readerIndex();
    long length = in.getUnsignedInt(start);
    if (length > maxMessageSize) {
      in.skipBytes(Wire.HEADER_LENGTH);
      oversized(
          ctx,
          in.getInt(start + 4),
          in.getUnsignedByte(start + 8),
          in.getUnsignedByte(start + 9),
          length);
      return;
    }
    int whole = Wire.HEADER_LENGTH + (int) length;
    if (in.readableBytes() >= whole) {
      ctx.fireChannelRead(in.readRetainedSlice(whole));
      return;
    }
    begin(ctx, whole);
    gather(ctx, in);
  }

  private void oversized(ChannelHandlerContext ctx, int streamId, int type, int flags, long length) {
    bytesToDiscard = length;
    ctx.fireChannelRead(new Oversized(streamId, type, flags, length, maxMessageSize));
  }

  /** Starts gathering a frame of {@code length} bytes (header included) that spans reads. */
  private void begin(ChannelHandlerContext ctx, int length) {
    frameLength = length;
    frameReceived = 0;
    pieces = new ArrayList<>(length > PIECE_SIZE ? length / PIECE_SIZE + 1 : 1);
    if (limit != null && length > PIECE_SIZE) {
      long ticket = nextTicket++;
      if (limit.reserve(this, ticket, length)) {
        reservation = length;
      } else {
        waitingTicket = ticket;
        pause.hold();
      }
    }
  }

  private void gather(ChannelHandlerContext ctx, ByteBuf in) {
    append(ctx, in, null, Math.min(in.readableBytes(), frameLength - frameReceived));
  }

  /** Appends {@code n} bytes from {@code in} (or {@code bytes}) to the frame being gathered. */
  private void append(ChannelHandlerContext ctx, ByteBuf in, byte[] bytes, int n) {
    int offset = 0;
    while (offset < n) {
      ByteBuf piece = pieces.isEmpty() ? null : pieces.get(pieces.size() - 1);
      if (piece == null || !piece.isWritable()) {
        int size = Math.min(PIECE_SIZE, frameLength - frameReceived);
        piece = ctx.alloc().directBuffer(size, size);
        pieces.add(piece);
        piecesCapacity += piece.capacity();
        if (limit != null) {
          limit.addHeld(piece.capacity());
        }
      }
      int chunk = Math.min(piece.writableBytes(), n - offset);
      if (in != null) {
        piece.writeBytes(in, chunk);
      } else {
        piece.writeBytes(bytes, offset, chunk);
      }
      offset += chunk;
      frameReceived += chunk;
    }
    if (frameReceived == frameLength) {
      ByteBuf frame;
      if (pieces.size() == 1) {
        frame = pieces.get(0);
      } else {
        CompositeByteBuf composite = ctx.alloc().compositeDirectBuffer(pieces.size());
        frame = composite.addComponents(true, pieces);
      }
      pieces = null;
      frameLength = 0;
      forgetPieces();
      endReservation();
      ctx.fireChannelRead(frame);
    }
  }

  private void forgetPieces() {
    if (limit != null && piecesCapacity > 0) {
      limit.addHeld(-piecesCapacity);
    }
    piecesCapacity = 0;
  }

  /** The frame is complete or abandoned: gives back its reservation or stops waiting for one. */
  private void endReservation() {
    if (reservation > 0) {
      limit.release(reservation);
      reservation = 0;
    }
    if (waitingTicket != 0) {
      waitingTicket = 0;
      // If the grant is already under way, granted() finds no ticket and gives it back.
      limit.cancel(this);
      if (!removed) {
        pause.release();
      }
    }
  }

  @Override
  public void granted(long ticket, long bytes) {
    try {
      ctx.executor().execute(() -> onGranted(ticket, bytes));
    } catch (RejectedExecutionException e) {
      limit.release(bytes);
    }
  }

  private void onGranted(long ticket, long bytes) {
    if (removed || ticket != waitingTicket) {
      limit.release(bytes);
      return;
    }
    waitingTicket = 0;
    reservation = bytes;
    pause.release();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    discardUnfinished();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    discardUnfinished();
  }

  /** Releases a frame that will never complete (the connection is gone). */
  private void discardUnfinished() {
    removed = true;
    if (pieces != null) {
      for (ByteBuf piece : pieces) {
        piece.release();
      }
      pieces = null;
    }
    frameLength = 0;
    forgetPieces();
    if (limit != null) {
      endReservation();
    }
  }
}
