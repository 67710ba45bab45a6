package dev.ttrpc.shim.task;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a rootfs mount's type and fstab-style options into mount(2) arguments, the way
 * containerd's mount package reads them (named flags and their clearing forms, propagation
 * changes, everything else as the filesystem's data string), or decides that mount(8) should
 * handle the entry. Pure and stateless.
 */
final class MountOptions {
  // mount(2) flags (linux/mount.h; the same on every architecture the shim runs on).
  static final long MS_RDONLY = 1;
  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final long MS_NOEXEC = 8;
  static final long MS_SYNCHRONOUS = 16;
  static final long MS_REMOUNT = 32;
  static final long MS_MANDLOCK = 64;
  static final long MS_DIRSYNC = 128;
  static final long MS_NOATIME = 1024;
  static final long MS_NODIRATIME = 2048;
  static final long MS_BIND = 4096;
  static final long MS_REC = 16384;
  static final long MS_UNBINDABLE = 1 << 17;
  static final long MS_PRIVATE = 1 << 18;
  static final long MS_SLAVE = 1 << 19;
  static final long MS_SHARED = 1 << 20;
  static final long MS_RELATIME = 1 << 21;
  static final long MS_STRICTATIME = 1 << 24;

  /**
   * The kernel copies at most one page of data; containerd starts shortening overlay's lowerdir
   * list (relative paths under a common directory, mounted from there) 512 bytes before that.
   * That needs a change of working directory, which a JVM cannot do for one thread, so such
   * entries go to mount(8).
   */
  static final int DATA_LIMIT = 4096 - 512;

  private record Flag(long bits, boolean clears) {}

  /** The option names containerd maps to flags; a clearing name removes bits set before it. */
  private static final Map<String, Flag> FLAGS =
      Map.ofEntries(
          Map.entry("async", new Flag(MS_SYNCHRONOUS, true)),
          Map.entry("atime", new Flag(MS_NOATIME, true)),
          Map.entry("bind", new Flag(MS_BIND, false)),
          Map.entry("dev", new Flag(MS_NODEV, true)),
          Map.entry("diratime", new Flag(MS_NODIRATIME, true)),
          Map.entry("dirsync", new Flag(MS_DIRSYNC, false)),
          Map.entry("exec", new Flag(MS_NOEXEC, true)),
          Map.entry("mand", new Flag(MS_MANDLOCK, false)),
          Map.entry("noatime", new Flag(MS_NOATIME, false)),
          Map.entry("nodev", new Flag(MS_NODEV, false)),
          Map.entry("nodiratime", new Flag(MS_NODIRATIME, false)),
          Map.entry("noexec", new Flag(MS_NOEXEC, false)),
          Map.entry("nomand", new Flag(MS_MANDLOCK, true)),
          Map.entry("norelatime", new Flag(MS_RELATIME, true)),
          Map.entry("nostrictatime", new Flag(MS_STRICTATIME, true)),
          Map.entry("nosuid", new Flag(MS_NOSUID, false)),
          Map.entry("rbind", new Flag(MS_BIND | MS_REC, false)),
          Map.entry("relatime", new Flag(MS_RELATIME, false)),
          Map.entry("ro", new Flag(MS_RDONLY, false)),
          Map.entry("rw", new Flag(MS_RDONLY, true)),
          Map.entry("strictatime", new Flag(MS_STRICTATIME, false)),
          Map.entry("suid", new Flag(MS_NOSUID, true)),
          Map.entry("sync", new Flag(MS_SYNCHRONOUS, false)));

  /**
   * Propagation changes: the kernel takes them only in a call of their own, after the mount
   * (mount(8) does the same).
   */
  private static final Map<String, Long> PROPAGATION =
      Map.of(
          "shared", MS_SHARED,
          "rshared", MS_SHARED | MS_REC,
          "private", MS_PRIVATE,
          "rprivate", MS_PRIVATE | MS_REC,
          "slave", MS_SLAVE,
          "rslave", MS_SLAVE | MS_REC,
          "unbindable", MS_UNBINDABLE,
          "runbindable", MS_UNBINDABLE | MS_REC);

  /**
   * Types the kernel mounts by itself, with no mount.TYPE helper and nothing mount(8) sets up
   * first (a loop device for an image file, a FUSE daemon); {@code bind} is mount(8)'s name for
   * a bind mount.
   */
  private static final Set<String> TYPES =
      Set.of("overlay", "bind", "tmpfs", "proc", "sysfs", "devpts", "mqueue");

  /**
   * Option names that mount(8) consumes itself instead of passing them to the kernel; with a
   * {@code =value} too. Seeing one of them means mount(8) would do something this class does
   * not.
   */
  private static final Set<String> USERSPACE_KEYS =
      Set.of("loop", "offset", "sizelimit", "encryption", "helper", "uhelper", "comment", "user",
          "users", "owner", "group", "nofail", "auto", "noauto", "_netdev");

  /** Value-less options that overlayfs itself parses (the rest of its options are key=value). */
  private static final Set<String> OVERLAY_WORDS = Set.of("userxattr", "volatile");

  private MountOptions() {}

  /** What to do with one mount entry. */
  sealed interface Decision permits Syscall, Fallback {}

  /**
   * Mount with mount(2): {@code flags} and {@code data} for the mount itself ({@code data} null
   * when empty), then {@code propagation} (0: none) in a second call, then, for a read-only bind
   * mount, a remount that applies {@code flags} (the kernel ignores MS_RDONLY on the bind).
   */
  record Syscall(long flags, String data, long propagation) implements Decision {
    boolean needsReadOnlyRemount() {
      return (flags & (MS_BIND | MS_RDONLY)) == (MS_BIND | MS_RDONLY);
    }
  }

  /** Leave the entry to mount(8), for the stated reason (for logs and tests). */
  record Fallback(String reason) implements Decision {}

  /** Decides how to mount an entry of {@code type} with {@code options}. */
  static Decision parse(String type, List<String> options) {
    if (!TYPES.contains(type)) {
      return new Fallback("type " + type + " may need mount(8) or a helper");
    }
    long flags = 0;
    long propagation = 0;
    List<String> data = new ArrayList<>();
    for (String o : options) {
      Flag f = FLAGS.get(o);
      if (f != null) {
        flags = f.clears() ? flags & ~f.bits() : flags | f.bits();
        continue;
      }
      Long p = PROPAGATION.get(o);
      if (p != null) {
        // The kernel honours one propagation type per call: the last one named wins, as in
        // containerd, and its recursion flag with it.
        propagation = p;
        continue;
      }
      if (o.equals("defaults")) {
        continue;
      }
      if (o.equals("remount")) {
        // mount(8) merges a remount's options with the mount's current ones; a rootfs is never
        // remounted in practice, so that path stays with mount(8).
        return new Fallback("remount is left to mount(8)");
      }
      int eq = o.indexOf('=');
      String key = eq < 0 ? o : o.substring(0, eq);
      if (key.isEmpty() || USERSPACE_KEYS.contains(key) || key.startsWith("x-")
          || key.startsWith("X-")) {
        return new Fallback("option " + o + " is for mount(8)");
      }
      if (eq < 0 && !(type.equals("overlay") && OVERLAY_WORDS.contains(o))) {
        return new Fallback("option " + o + " is not known");
      }
      data.add(o);
    }
    if (type.equals("bind") && (flags & MS_BIND) == 0) {
      // containerd always names bind or rbind; without either, what "-t bind" means is
      // mount(8)'s business.
      return new Fallback("type bind without a bind or rbind option");
    }
    String joined = String.join(",", data);
    int bytes = joined.getBytes(StandardCharsets.UTF_8).length;
    if (bytes >= DATA_LIMIT) {
      return new Fallback("options of " + bytes + " bytes are too long for one page");
    }
    return new Syscall(flags, joined.isEmpty() ? null : joined, propagation);
  }
}
