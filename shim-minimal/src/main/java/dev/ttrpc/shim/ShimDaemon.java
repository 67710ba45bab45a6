package dev.ttrpc.shim;

/**
 * The running daemon, as the shim's services see it. Thread-safe.
 */
public interface ShimDaemon {
  /** The daemon's invocation. */
  ShimContext context();

  /** Where task events go. */
  EventPublisher publisher();

  /**
   * Stops the daemon after the requests in flight have been answered (so a Shutdown reply still
   * reaches containerd): stops serving, removes the socket, drains events (≤ 5 s), exits.
   * Returns at once.
   */
  void shutdown();
}
