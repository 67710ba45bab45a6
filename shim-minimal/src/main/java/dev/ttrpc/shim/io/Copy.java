package dev.ttrpc.shim.io;

import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream copy, source descriptor → {@link Sink}, driven by the {@link IoLoop}: splice(2)
 * where the kernel allows it (pipe or FIFO on both sides, or one side a pipe), read/write through
 * the loop's shared buffer otherwise (an {@code O_APPEND} log file, a pty on the kernels that
 * cannot splice it).
 *
 * <p>Back-pressure: while the sink is full the copy stops reading its source and waits for the
 * sink to become writable, so the process's pipe fills and the process blocks, as with a reader
 * that is slow; nothing is dropped. At most one of the two descriptors is in the epoll set at a
 * time, which keeps level-triggered epoll from spinning on the side the copy is not waiting for.
 *
 * <p>End: at end of file of the source the copy closes the source, releases the sink and runs its
 * completion. A sink that fails (EPIPE: a logger gone) makes an output copy discard from then on,
 * so the process never blocks on a dead client; a stdin copy simply ends.
 *
 * <p>Loop thread only, except construction.
 */
final class Copy implements IoLoop.Handler {
  private static final Logger LOG = LoggerFactory.getLogger(Copy.class);
  /** Pieces moved per wake-up before other copies get their turn. */
  private static final int ROUNDS_PER_WAKEUP = 8;

  private enum Wait {
    NONE,
    SOURCE,
    SINK
  }

  private final IoLoop loop;
  private final String name;
  private final int source;
  private final Sink sink;
  private final boolean endOnSinkFailure;
  private final Runnable onEnd;
  private boolean splice;
  private boolean discarding;
  private boolean ended;
  private Wait waiting = Wait.NONE;
  private int waitFd = -1;
  private long token;
  /** Bytes read but not yet taken by a full sink (buffered path only). */
  private Arena pendingArena;
  private MemorySegment pending;
  private long pendingOffset;
  /** Whether this wake-up has moved bytes already (loop thread only). */
  private boolean movedThisWakeup;

  /**
   * @param source a descriptor the copy owns (made non-blocking here) and closes at its end; if
   *     this constructor throws, the caller still owns it
   * @param endOnSinkFailure true to end when the sink fails (stdin), false to keep draining the
   *     source into nothing (output: the process must never block on a vanished client)
   * @param onEnd run once on the loop thread when the copy ends, however it ends
   */
  Copy(IoLoop loop, String name, int source, Sink sink, boolean endOnSinkFailure, Runnable onEnd)
      throws ErrnoException {
    this.loop = loop;
    this.name = name;
    this.source = source;
    this.sink = sink;
    this.endOnSinkFailure = endOnSinkFailure;
    this.onEnd = onEnd;
    this.splice = ProcessIo.spliceEnabled;
    Libc.setNonBlocking(source, true);
    // Counted now, before any copy can start: a sibling that ends at once must not close a
    // shared sink under a copy that has yet to start.
    sink.addUser();
  }

  /** Starts copying once the sink is ready (or discards if it can never be). Loop thread. */
  void start() {
    sink.whenReady(this::pump);
  }

  @Override
  public void ready(int events) {
    pump();
  }

  private void pump() {
    if (ended) {
      return;
    }
    if (!discarding && !sink.ready()) {
      if (!sink.failed()) {
        return; // whenReady runs pump again.
      }
      sinkFailed("sink not available");
      if (ended) {
        return;
      }
    }
    movedThisWakeup = false;
    for (int round = 0; round < ROUNDS_PER_WAKEUP; round++) {
      Wait next = step();
      if (ended) {
        return;
      }
      if (next != Wait.NONE) {
        waitFor(next);
        return;
      }
    }
    // Fairness: let other copies move; level-triggered epoll brings this one back.
    waitFor(pending != null ? Wait.SINK : Wait.SOURCE);
  }

  /** Moves one piece; returns what to wait for before the next, or NONE to go on. */
  private Wait step() {
    if (pending != null) {
      return flushPending();
    }
    if (splice && !discarding) {
      long n = Libc.spliceNonBlocking(loop.calls, source, sink.fd(), IoLoop.CHUNK);
      if (n > 0) {
        ProcessIo.SPLICED.addAndGet(n);
        movedThisWakeup = true;
        return Wait.NONE;
      }
      if (n == 0) {
        end();
        return Wait.NONE;
      }
      int err = (int) -n;
      if (err == Errno.EAGAIN) {
        // Either side may be the one not ready. Right after moving bytes it is almost always the
        // source (the sink just took some): wait for it without asking; if that guess was wrong
        // the source is readable at once and the next wake-up asks. Otherwise data waiting in the
        // source means that the sink is full.
        if (movedThisWakeup) {
          return Wait.SOURCE;
        }
        return Libc.bytesReadable(loop.calls, source) > 0 ? Wait.SINK : Wait.SOURCE;
      }
      if (err == Errno.EINVAL) {
        splice = false; // Not splicable here (O_APPEND file, some ptys): read/write from now on.
        return Wait.NONE;
      }
      sinkFailed(Errno.name(err));
      return Wait.NONE;
    }
    MemorySegment buf = loop.scratch;
    long n = Libc.readNonBlocking(loop.calls, source, buf, buf.byteSize());
    if (n == 0) {
      end();
      return Wait.NONE;
    }
    if (n < 0) {
      if (n == -Errno.EAGAIN) {
        return Wait.SOURCE;
      }
      LOG.debug("{}: reading the source: {}", name, Errno.name((int) -n));
      end();
      return Wait.NONE;
    }
    if (discarding) {
      return Wait.NONE;
    }
    return write(buf, n);
  }

  /** Writes {@code n} bytes of {@code buf}; what the sink does not take now becomes pending. */
  private Wait write(MemorySegment buf, long n) {
    long off = 0;
    while (off < n) {
      long w = Libc.writeNonBlocking(loop.calls, sink.fd(), buf.asSlice(off), n - off);
      if (w > 0) {
        off += w;
        continue;
      }
      if (w == -Errno.EAGAIN) {
        pendingArena = Arena.ofConfined();
        pending = pendingArena.allocate(n - off);
        MemorySegment.copy(buf, off, pending, 0, n - off);
        pendingOffset = 0;
        return Wait.SINK;
      }
      sinkFailed(w == 0 ? "wrote nothing" : Errno.name((int) -w));
      return Wait.NONE;
    }
    return Wait.NONE;
  }

  private Wait flushPending() {
    long left = pending.byteSize() - pendingOffset;
    long w = Libc.writeNonBlocking(loop.calls, sink.fd(), pending.asSlice(pendingOffset), left);
    if (w == -Errno.EAGAIN) {
      return Wait.SINK;
    }
    if (w <= 0) {
      dropPending();
      sinkFailed(w == 0 ? "wrote nothing" : Errno.name((int) -w));
      return Wait.NONE;
    }
    pendingOffset += w;
    if (pendingOffset == pending.byteSize()) {
      dropPending();
    }
    return Wait.NONE;
  }

  private void dropPending() {
    if (pendingArena != null) {
      pendingArena.close();
    }
    pendingArena = null;
    pending = null;
  }

  private void sinkFailed(String why) {
    dropPending();
    if (endOnSinkFailure) {
      LOG.debug("{}: the sink failed ({}), ending the copy", name, why);
      end();
    } else if (!discarding) {
      LOG.debug("{}: the sink failed ({}), discarding output", name, why);
      discarding = true;
    }
  }

  private void waitFor(Wait what) {
    if (what == waiting) {
      return;
    }
    unregister();
    int fd = what == Wait.SOURCE ? source : sink.fd();
    int events = what == Wait.SOURCE ? Libc.EPOLLIN : Libc.EPOLLOUT;
    try {
      token = loop.add(fd, events, this);
      waiting = what;
      waitFd = fd;
    } catch (ErrnoException e) {
      if (what == Wait.SINK) {
        // A sink epoll cannot watch (a regular file never says EAGAIN, so this is unexpected).
        sinkFailed(e.toString());
        if (!ended) {
          loop.execute(this::pump);
        }
      } else {
        LOG.warn("{}: cannot watch the source: {}", name, e.toString());
        end();
      }
    }
  }

  private void unregister() {
    if (waiting != Wait.NONE) {
      loop.remove(waitFd, token);
      waiting = Wait.NONE;
      waitFd = -1;
    }
  }

  /** Ends the copy (end of file, or ProcessIo.close); idempotent. */
  void end() {
    if (ended) {
      return;
    }
    ended = true;
    unregister();
    dropPending();
    Libc.closeQuietly(source);
    sink.release();
    onEnd.run();
  }
}
