package dev.ttrpc.shim.io;

import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a copy writes: a descriptor that may not be usable yet (a client FIFO waiting for its
 * reader) and may be shared by two copies (stdout and stderr into one {@code file://} log); it
 * is closed when its last user releases it, or forcibly by {@link #forceClose()}.
 *
 * <p>Created on any thread; used on the {@link IoLoop} thread only after that.
 */
abstract class Sink {
  private static final Logger LOG = LoggerFactory.getLogger(Sink.class);
  /** Pipe buffer asked for on the process's pipes where that is safe (see ProcessIo.setUp). */
  static final int PIPE_SIZE = 1024 * 1024;
  /**
   * Whether to enlarge pipes at all. The kernel charges pipe buffers to the user, and once an
   * unprivileged user is past {@code fs.pipe-user-pages-soft} every new pipe of that user (the
   * shim's, the containers', any other process's) gets a 2-page buffer. Only a process with
   * CAP_SYS_RESOURCE or CAP_SYS_ADMIN in the initial user namespace is exempt, so only such a
   * shim (the usual root shim) asks; a rootless one keeps the default size. The system property
   * {@code dev.ttrpc.shim.io.defaultPipes=true} keeps the default size too (for comparisons).
   */
  static final boolean ENLARGE_PIPES =
      !Boolean.getBoolean("dev.ttrpc.shim.io.defaultPipes") && exemptFromPipeLimits();

  private static boolean exemptFromPipeLimits() {
    try {
      boolean initialNamespace = false;
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/uid_map"))) {
        String[] f = line.trim().split("\\s+");
        initialNamespace |= f.length == 3 && f[0].equals("0") && f[1].equals("0")
            && f[2].equals("4294967295");
      }
      if (!initialNamespace) {
        return false;
      }
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
          return (caps & (1L << 24 | 1L << 21)) != 0; // CAP_SYS_RESOURCE, CAP_SYS_ADMIN
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.debug("reading this process's capabilities: {}", e.toString());
    }
    return false;
  }

  /** Enlarges a pipe, where that is free (best effort). */
  static void enlargePipe(int fd) {
    if (ENLARGE_PIPES) {
      Libc.setPipeSize(fd, PIPE_SIZE); // Refused (e.g. EBUSY): the default size works, slower.
    }
  }

  private int users;
  private boolean closed;
  private final List<Runnable> waiters = new ArrayList<>();

  /** The descriptor to write, or -1 while not open (or if it failed to open). */
  abstract int fd();

  /** Whether {@link #fd()} is open and usable; until then copies wait ({@link #whenReady}). */
  abstract boolean ready();

  /** Whether the sink can never become usable (its open failed, or it was closed). */
  abstract boolean failed();

  /** Closes the sink's descriptors. */
  abstract void closeFds();

  final void addUser() {
    users++;
  }

  /** Runs {@code r} on the loop once the sink is ready or has failed (at once if it already is). */
  final void whenReady(Runnable r) {
    if (ready() || failed() || closed) {
      r.run();
    } else {
      waiters.add(r);
    }
  }

  final void fireReady() {
    List<Runnable> w = new ArrayList<>(waiters);
    waiters.clear();
    w.forEach(Runnable::run);
  }

  final boolean isClosed() {
    return closed;
  }

  /** One user is done; the last one closes the sink. */
  final void release() {
    if (--users <= 0) {
      forceClose();
    }
  }

  /** Closes now, whoever still uses the sink (ProcessIo.close). Idempotent. */
  final void forceClose() {
    if (!closed) {
      closed = true;
      closeFds();
      fireReady(); // Waiting copies see the failure and stop waiting.
    }
  }

  /** A descriptor the shim owns outright: a logger's pipe, a log file, a pty master copy. */
  static final class Fd extends Sink {
    private final int fd;

    Fd(int fd) {
      this.fd = fd;
    }

    @Override
    int fd() {
      return isClosed() ? -1 : fd;
    }

    @Override
    boolean ready() {
      return !isClosed();
    }

    @Override
    boolean failed() {
      return isClosed();
    }

    @Override
    void closeFds() {
      Libc.closeQuietly(fd);
    }
  }

  /** Output nobody asked for (a console without stdout): read and dropped. */
  static final class Discard extends Sink {
    @Override
    int fd() {
      return -1;
    }

    @Override
    boolean ready() {
      return false;
    }

    @Override
    boolean failed() {
      return true;
    }

    @Override
    void closeFds() {}
  }

  /**
   * A client's output FIFO, opened as containerd's runc shim does: write-only once the client has
   * opened its reading end, then read-only by the shim too, so that a client leaving later never
   * causes EPIPE (its output waits in the FIFO for the next reader, and beyond that in the
   * process's pipe). Waiting for the client first matters: a FIFO drops its buffered data when
   * its last descriptor closes, so output written and closed before the client's reader arrived
   * would be lost.
   *
   * <p>Opening for writing blocks until a reader exists; instead of a thread blocked in open(2),
   * the loop retries a non-blocking open (ENXIO: no reader yet) with a growing delay, so that a
   * client that never reads costs a few opens per second and no thread.
   */
  static final class Fifo extends Sink {
    private static final Duration FIRST_RETRY = Duration.ofMillis(1);
    private static final Duration LAST_RETRY = Duration.ofMillis(100);

    private final Path path;
    private final String name;
    private int writer = -1;
    private int keepAliveReader = -1;
    private boolean failed;
    private Duration retry = FIRST_RETRY;

    /** Tries the open at once (the client normally reads already); the loop retries it later. */
    Fifo(Path path, String name, IoLoop loop) {
      this.path = path;
      this.name = name;
      if (!tryOpen()) {
        loop.execute(() -> retryLater(loop));
      }
    }

    private void retryLater(IoLoop loop) {
      if (isClosed() || ready() || failed) {
        return;
      }
      loop.schedule(retry, () -> {
        if (isClosed()) {
          return;
        }
        if (tryOpen()) {
          fireReady();
        } else {
          retry = retry.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY
              : retry.multipliedBy(2);
          retryLater(loop);
        }
      });
    }

    /** Returns whether the FIFO is settled: open, or failed for good. */
    private boolean tryOpen() {
      int w;
      try {
        w = Libc.open(path, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
      } catch (ErrnoException e) {
        if (e.errno() == Errno.ENXIO) {
          return false;
        }
        LOG.debug("{}: opening {}: {}", name, path, e.toString());
        failed = true;
        return true;
      }
      try {
        keepAliveReader = Libc.open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
      } catch (ErrnoException e) {
        Libc.closeQuietly(w);
        LOG.debug("{}: opening {} for reading: {}", name, path, e.toString());
        failed = true;
        return true;
      }
      writer = w;
      return true;
    }

    @Override
    int fd() {
      return isClosed() ? -1 : writer;
    }

    @Override
    boolean ready() {
      return writer >= 0 && !isClosed();
    }

    @Override
    boolean failed() {
      return failed || isClosed();
    }

    @Override
    void closeFds() {
      Libc.closeQuietly(writer);
      Libc.closeQuietly(keepAliveReader);
      writer = -1;
      keepAliveReader = -1;
    }
  }
}
