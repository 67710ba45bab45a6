package dev.ttrpc.internal;

import dev.ttrpc.Handshaker;
import dev.ttrpc.PeerCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's effective uid and gid, read from {@code /proc/self/status} (no native code), and
 * the credential handshakers built on them. Thread-safe.
 */
public final class ProcessIdentity {
  /** Go's text for a refused peer (EPERM wrapped by ttrpc). */
  public static final String INVALID_CREDENTIALS =
      "ttrpc: invalid credentials: operation not permitted";

  private final int effectiveUid;
  private final int effectiveGid;

  private ProcessIdentity(int effectiveUid, int effectiveGid) {
    this.effectiveUid = effectiveUid;
    this.effectiveGid = effectiveGid;
  }

  /** Reads the current effective ids. */
  public static ProcessIdentity current() {
    try {
      return parse(Files.readString(Path.of("/proc/self/status"), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/self/status", e);
    }
  }

  /** Parses the {@code Uid:} and {@code Gid:} lines of a {@code /proc/<pid>/status} text. */
  static ProcessIdentity parse(String status) {
    return new ProcessIdentity(effectiveId(status, "Uid:"), effectiveId(status, "Gid:"));
  }

  private static int effectiveId(String status, String key) {
    for (String line : status.split("\n", -1)) {
      if (line.startsWith(key)) {
        // Real, effective, saved, filesystem.
        String[] ids = line.substring(key.length()).trim().split("\\s+");
        if (ids.length >= 2) {
          return Integer.parseUnsignedInt(ids[1]);
        }
      }
    }
    throw new IllegalStateException("no " + key + " line in /proc/self/status");
  }

  public int effectiveUid() {
    return effectiveUid;
  }

  public int effectiveGid() {
    return effectiveGid;
  }

  /** See {@link Handshaker#requireSameUser()}: the ids are read now, once. */
  public static Handshaker requireSameUser() {
    ProcessIdentity self = current();
    return requireUidGid(self.effectiveUid, self.effectiveGid);
  }

  /** See {@link Handshaker#requireUidGid(int, int)}: -1 accepts any value of that field. */
  public static Handshaker requireUidGid(int uid, int gid) {
    return peer -> {
      boolean uidOk = uid == -1 || (peer.uid() != PeerCredentials.UNKNOWN && peer.uid() == uid);
      boolean gidOk = gid == -1 || (peer.gid() != PeerCredentials.UNKNOWN && peer.gid() == gid);
      if (!uidOk || !gidOk) {
        throw new SecurityException(INVALID_CREDENTIALS);
      }
    };
  }
}
