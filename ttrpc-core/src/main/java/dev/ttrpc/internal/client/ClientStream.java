package dev.ttrpc.internal.client;

import dev.ttrpc.Status;
import dev.ttrpc.internal.wire.Oversized;
import io.netty.buffer.ByteBuf;

/**
 * The client side of one stream id on a connection: a unary call or a streaming call. Its methods
 * run on the connection's event loop, which owns the stream table; frames of one stream therefore
 * arrive in wire order.
 */
abstract class ClientStream {
  /** The id, assigned on the event loop when the first frame is written. */
  int streamId;

  /** A frame for this stream arrived; the stream owns (and must release) it. */
  abstract void onFrame(ByteBuf frame);

  /** A frame for this stream was too large and was discarded. */
  abstract void onOversized(Oversized event);

  /** The stream cannot continue (connection lost); releases what it holds. */
  abstract void fail(Status status);
}
