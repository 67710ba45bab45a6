package dev.ttrpc.internal;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.internal.wire.ReadPause;
import io.netty.channel.Channel;

/**
 * Whether a connection reads from its socket: reading stops while anything holds the gate (a
 * stream whose reader has fallen behind, a peer that does not read its answers) and resumes when
 * the last holder lets go. ttRPC has no flow control of its own, so pausing the socket is what
 * slows a fast sender down to its reader's pace.
 *
 * <p>Thread-safe: streams are held on the event loop and released by their reading threads.
 */
public final class ReadGate implements ReadPause {
  private final Channel channel;
  private int holders;

  public ReadGate(Channel channel) {
    this.channel = requireNonNull(channel, "channel");
  }

  /** Stops reading until a matching {@link #release()}. */
  @Override
  public synchronized void hold() {
    if (holders++ == 0) {
      channel.config().setAutoRead(false);
    }
  }

  /** Lets go of one {@link #hold()}; reading resumes when none is left. */
  @Override
  public synchronized void release() {
    if (holders <= 0) {
      throw new IllegalStateException("release without hold");
    }
    if (--holders == 0) {
      channel.config().setAutoRead(true);
    }
  }

  /** Whether reading is currently held. */
  public synchronized boolean isHeld() {
    return holders > 0;
  }
}
