package dev.ttrpc.internal.server;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.ScheduledFuture;

/**
 * The server side of one stream id on a connection. Entered in the connection's stream table (on
 * the event loop) when the Request arrives; left when its terminal frame is written, when it is
 * abandoned, or when the connection closes. At most one terminal frame is ever written per
 * stream.
 */
abstract class ServerStream {
  final int streamId;
  final CallContext context;
  /** Cancels the context at the deadline; event loop only. */
  ScheduledFuture<?> deadlineTimer;
  /** Bytes of the Request frame, counted against the connection's budget until answered. */
  int requestBytes;

  ServerStream(int streamId, CallContext context) {
    this.streamId = streamId;
    this.context = context;
  }

  /** Starts the handler on the executor. */
  abstract void start(java.util.concurrent.Executor executor);

  /**
   * A Data frame for this stream arrived (event loop); the stream owns the frame. Returns an
   * error text to answer with (ending the stream), or null.
   */
  abstract String onData(ByteBuf frame);

  /** The connection is gone or the stream was abandoned (event loop): stop waiting for input. */
  abstract void onAbandoned();

  void cancelTimer() {
    if (deadlineTimer != null) {
      deadlineTimer.cancel(false);
      deadlineTimer = null;
    }
  }
}
