package dev.ttrpc.shim;

import java.nio.file.Path;

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

  /**
   * Records in {@code bundle} that task {@code id} was deleted cleanly (nothing of it runs, its
   * rootfs is unmounted) and that the {@code delete} action is to print {@code response}; the
   * launcher then answers that action without a JVM ({@link ShimRecords}). Call it after a
   * task's Delete succeeded, with the pid of the caller (containerd). Best effort.
   */
  default void recordCleanDelete(Path bundle, String id, byte[] response, int callerPid) {
    ShimRecords.ProcessIdentity.of(callerPid)
        .ifPresent(
            caller ->
                ShimRecords.writeDeleteRecord(
                    bundle,
                    context().flags().namespace(),
                    context().flags().address(),
                    id,
                    caller,
                    response));
  }
}
