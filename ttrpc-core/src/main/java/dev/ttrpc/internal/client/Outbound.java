package dev.ttrpc.internal.client;

import dev.ttrpc.Status;

/**
 * Something a caller thread hands to the connection's event loop to be written: the first frame
 * of a new call (which is given its stream id at that moment, so ids reach the wire in increasing
 * order) or a later frame of a stream.
 *
 * <p>An op is claimed once: whichever of {@link #writeTo} and {@link #abort} comes first takes its
 * frame, and the other then does nothing. Either may be called from the event loop; {@code abort}
 * also from the thread that queued the op, when the event loop may never take it.
 */
interface Outbound {

  /** Writes (without flushing) on the event loop; returns whether anything was written. */
  boolean writeTo(ClientConnection connection);

  /** The connection is gone before this could be written: fail and release, unless claimed. */
  void abort(Status status);
}
