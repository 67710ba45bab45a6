package dev.ttrpc.internal.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on a listening channel: when accepting fails (typically EMFILE or ENFILE, out of file
 * descriptors), it stops accepting for a while that doubles from 5 ms up to 1 s, as Go's net/http
 * and ttrpc servers do, and logs one warning for the whole episode instead of a stack trace per
 * failed attempt; the first connection accepted afterwards ends the episode with one line.
 * Connections keep waiting in the kernel's backlog meanwhile. Event loop only.
 */
final class AcceptBackoff extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(AcceptBackoff.class);

  static final long FIRST_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String what;
  private long delayNanos;
  private long failures;

  AcceptBackoff(String what) {
    this.what = what;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    failures++;
    if (delayNanos == 0) {
      delayNanos = FIRST_DELAY_NANOS;
      log.warn(
          "ttrpc: cannot accept connections on {}: {}; retrying with back-off up to 1 s",
          what,
          cause.getMessage());
    } else {
      delayNanos = Math.min(delayNanos * 2, MAX_DELAY_NANOS);
      log.debug("ttrpc: accept on {} failed again ({})", what, cause.getMessage());
    }
    ctx.channel().config().setAutoRead(false);
    ctx.executor()
        .schedule(
            () -> {
              if (ctx.channel().isOpen()) {
                ctx.channel().config().setAutoRead(true);
              }
            },
            delayNanos,
            TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object child) {
    if (delayNanos != 0) {
      log.info("ttrpc: accepting connections on {} again after {} failed attempts", what, failures);
      delayNanos = 0;
      failures = 0;
    }
    ctx.fireChannelRead(child);
  }
}
