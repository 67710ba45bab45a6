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
   * @param peer the credentials the kernel reported for the peer; fields may be {@link
   *     PeerCredentials#UNKNOWN} on transports that cannot obtain them
   * @throws SecurityException to refuse the connection; its message is logged
   */
  void handshake(PeerCredentials peer);

  /**
   * Accepts only peers whose uid and gid equal this process's effective uid and gid, read once
   * when this method is called: the check containerd's shims install ({@code
   * UnixSocketRequireSameUser} in Go).
   *
   * @return a handshaker refusing every other user and peers of unknown credentials
   */
  static Handshaker requireSameUser() {
    return dev.ttrpc.internal.ProcessIdentity.requireSameUser();
  }

  /**
   * Accepts only peers with this uid and gid.
   *
   * @param uid the required user id, or -1 to accept any
   * @param gid the required group id, or -1 to accept any
   * @return a handshaker refusing every other peer
   */
  static Handshaker requireUidGid(int uid, int gid) {
    return dev.ttrpc.internal.ProcessIdentity.requireUidGid(uid, gid);
  }

  /**
   * Accepts only root (uid 0, gid 0).
   *
   * @return a handshaker refusing every other peer
   */
  static Handshaker requireRoot() {
    return requireUidGid(0, 0);
  }
}
