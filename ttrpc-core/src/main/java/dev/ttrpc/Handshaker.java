package dev.ttrpc;

/**
 * Decides, before a single frame is read, whether the server accepts a new connection. On
 * refusal the server closes the socket without sending anything, as Go ttrpc does.
 *
 * <p>Implementations must be thread-safe and quick: they run on the server's I/O thread.
 */
@FunctionalInterface
public interface Handshaker {

  /**
   * Checks the peer of a new connection.
   *
   * @throws SecurityException to refuse the connection; its message is logged
   */
  void handshake(PeerCredentials peer);

  /**
   * Accepts only peers whose uid and gid equal this process's effective uid and gid, read once
   * when this method is called: the check containerd's shims install ({@code
   * UnixSocketRequireSameUser} in Go).
   */
  static Handshaker requireSameUser() {
    return dev.ttrpc.internal.ProcessIdentity.requireSameUser();
  }

  /** Accepts only peers with this uid and gid; -1 accepts any value of that field. */
  static Handshaker requireUidGid(int uid, int gid) {
    return dev.ttrpc.internal.ProcessIdentity.requireUidGid(uid, gid);
  }

  /** Accepts only root (uid 0, gid 0). */
  static Handshaker requireRoot() {
    return requireUidGid(0, 0);
  }
}
