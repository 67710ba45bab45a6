package dev.ttrpc.shim.task;

import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts a Create request's rootfs into {@code bundle/rootfs} and removes every mount stacked on
 * it again. Entries whose type and options {@link MountOptions} understands go straight to
 * mount(2), as containerd's own shim does; a fork and exec of mount(8) costs milliseconds on the
 * critical path of every Create. Anything else, and anything the kernel rejects in a way the
 * program might get around (a mount.TYPE helper, option handling of its own), goes to the system's
 * {@code mount} as before. Stateless and thread-safe (for distinct targets).
 */
public final class Mounts {
  private static final Logger LOG = LoggerFactory.getLogger(Mounts.class);

  /** Bounds the unmount loop, should a mount keep reappearing. */
  private static final int MAX_STACKED = 64;

  private Mounts() {}

  /** Mounts each entry on {@code target}, in order; on failure, unmounts what was mounted. */
  public static void mountAll(List<TaskEvent.Mount> mounts, Path target)
      throws IOException, InterruptedException {
    Files.createDirectories(target);
    for (TaskEvent.Mount m : mounts) {
      try {
        mount(m, target);
      } catch (Exception e) {
        try {
          unmountAll(target);
        } catch (IOException | RuntimeException cleanup) {
          e.addSuppressed(cleanup);
        }
        throw e;
      }
    }
  }

  private static void mount(TaskEvent.Mount m, Path target)
      throws IOException, InterruptedException {
    MountOptions.Decision decision = MountOptions.parse(m.type(), m.options());
    if (decision instanceof MountOptions.Fallback f) {
      LOG.debug("mounting {} {} with mount(8): {}", m.type(), m.source(), f.reason());
      mountWithProgram(m, target);
      return;
    }
    MountOptions.Syscall s = (MountOptions.Syscall) decision;
    try {
      Libc.mount(m.source(), target, m.type(), s.flags(), s.data());
    } catch (ErrnoException e) {
      if (programMightSucceed(e)) {
        LOG.debug("mount(2) of {} {} refused ({}), trying mount(8)", m.type(), m.source(),
            Errno.name(e.errno()));
        mountWithProgram(m, target);
        return;
      }
      throw failure(m, e);
    }
    try {
      if (s.propagation() != 0) {
        Libc.mount(null, target, null, s.propagation(), null);
      }
      if (s.needsReadOnlyRemount()) {
        Libc.mount(null, target, null, s.flags() | MountOptions.MS_REMOUNT, null);
      }
    } catch (ErrnoException e) {
      // The entry is half applied (mounted, but not with the propagation or read-only state
      // asked for): take it off again before anything else.
      try {
        unmountOnce(target);
      } catch (ErrnoException cleanup) {
        e.addSuppressed(cleanup);
        throw failure(m, e);
      }
      if (programMightSucceed(e)) {
        mountWithProgram(m, target);
        return;
      }
      throw failure(m, e);
    }
  }

  /** EINVAL, ENODEV and EOPNOTSUPP are what the kernel says when mount(8) knows better. */
  private static boolean programMightSucceed(ErrnoException e) {
    int errno = e.errno();
    return errno == Errno.EINVAL || errno == Errno.ENODEV || errno == Errno.EOPNOTSUPP;
  }

  private static TaskException failure(TaskEvent.Mount m, ErrnoException e) {
    return new TaskException(
        TaskException.Code.UNKNOWN,
        "failed to mount rootfs component " + m.type() + " " + m.source() + ": "
            + Errno.name(e.errno()) + ": " + Errno.describe(e.errno()),
        e);
  }

  /** One entry through mount(8); the caller unmounts on failure. */
  static void mountWithProgram(TaskEvent.Mount m, Path target)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("mount", "-t", m.type()));
    if (!m.options().isEmpty()) {
      cmd.add("-o");
      cmd.add(String.join(",", m.options()));
    }
    cmd.add(m.source());
    cmd.add(target.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0) {
      throw new TaskException(
          TaskException.Code.UNKNOWN,
          "failed to mount rootfs component " + m.type() + " " + m.source() + ": " + out);
    }
  }

  /**
   * Unmounts every mount on {@code target} (stacked mounts included); quiet if none or if
   * {@code target} does not exist. A busy mount is detached lazily. Fails with the errno of
   * anything else the kernel refuses.
   *
   * @throws InterruptedException never now; kept so that callers need not change with the
   *     implementation
   */
  public static void unmountAll(Path target) throws IOException, InterruptedException {
    for (int i = 0; i < MAX_STACKED; i++) {
      try {
        if (!unmountOnce(target)) {
          return;
        }
      } catch (ErrnoException e) {
        // Without CAP_SYS_ADMIN the kernel says EPERM before it looks at the target: a shim
        // run unprivileged has mounted nothing there and must not fail its cleanup over it.
        if (e.errno() == Errno.EPERM && !isMountPoint(target)) {
          return;
        }
        throw e;
      }
    }
  }

  /** Takes the top mount off {@code target}; false if there was none. */
  private static boolean unmountOnce(Path target) throws ErrnoException {
    try {
      Libc.umount2(target, 0);
      return true;
    } catch (ErrnoException e) {
      switch (e.errno()) {
        case Errno.EINVAL, Errno.ENOENT -> {
          return false;
        }
        case Errno.EBUSY -> {
          try {
            Libc.umount2(target, Libc.MNT_DETACH);
            return true;
          } catch (ErrnoException lazy) {
            if (lazy.errno() == Errno.EINVAL) {
              return false;
            }
            lazy.addSuppressed(e);
            throw lazy;
          }
        }
        default -> throw e;
      }
    }
  }

  /** Whether {@code target} appears as a mount point in this process's mountinfo. */
  public static boolean isMountPoint(Path target) throws IOException {
    String t = target.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(t)) {
        return true;
      }
    }
    return false;
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
        .replace("\\134", "\\");
  }
}
