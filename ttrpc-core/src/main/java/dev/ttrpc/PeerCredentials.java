package dev.ttrpc;

/**
 * The credentials of the process at the other end of a Unix socket, as the kernel reports them
 * through {@code SO_PEERCRED} at connect time. A field is {@link #UNKNOWN} (-1) when the transport
 * cannot tell (the JDK fallback transport knows no numeric ids).
 *
 * @param pid the peer's process id
 * @param uid the peer's effective user id
 * @param gid the peer's effective group id
 */
public record PeerCredentials(int pid, int uid, int gid) {
  /** The value of a field the transport could not obtain. */
  public static final int UNKNOWN = -1;

  /** Credentials of which nothing is known. */
  public static final PeerCredentials NONE = new PeerCredentials(UNKNOWN, UNKNOWN, UNKNOWN);

  /**
   * Whether the transport obtained the peer's user and group ids.
   *
   * @return true if neither {@code uid} nor {@code gid} is {@link #UNKNOWN}
   */
  public boolean isKnown() {
    return uid != UNKNOWN && gid != UNKNOWN;
  }
}
