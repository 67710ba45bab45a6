package dev.ttrpc.shim.reaper;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one component of the shim that waits for its children and hands their exits to whoever
 * started them. One platform thread, whatever the number of processes.
 *
 * <p><b>Whose children.</b> The daemon is a child subreaper, so its children are: processes it
 * spawned itself ({@link Libc#spawn}: the process backend's programs, {@code binary://} loggers),
 * container processes runc leaves behind (a container's init, {@code runc exec --detach}
 * processes; re-parented to the shim), other orphans re-parented to it, and the JDK's own
 * children ({@link ProcessBuilder}: runc, mount). The JDK reaps its children itself; stealing
 * their status would break {@link Process#waitFor()}. So the reaper only ever looks first:
 *
 * <ol>
 *   <li>{@code waitid(P_ALL, WEXITED | WNOWAIT)} blocks until some child is a zombie, without
 *       reaping it;
 *   <li>if its pid is {@linkplain #watch watched}, it is reaped ({@code waitid(P_PID)}) and its
 *       exit dispatched;
 *   <li>otherwise it may be a JDK child about to be reaped by the JDK, a child of ours whose pid
 *       has not been registered yet, or an orphan. It is left alone for a grace period, during
 *       which watched pids are checked one by one ({@code WNOHANG}) so that the lingering zombie
 *       hides no one; a zombie still there after the grace period is nobody's (the JDK reaps
 *       at once) and is reaped, its status kept in case its pid is watched later.
 * </ol>
 *
 * <p>No {@code /proc} scan. Listeners run on a virtual thread each, so one listener that blocks
 * (e.g. on a container lock held by a long request) delays no other exit. Thread-safe.
 */
public final class Reaper {
  private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
  private static final Duration DEFAULT_GRACE = Duration.ofSeconds(2);
  private static final long POLL_MILLIS = 10;
  /**
   * Poll interval while the zombie at the head is young. It is nearly always a JDK child (runc
   * start, runc delete) that the JDK reaps within a millisecond or two; meanwhile a container's
   * init that exits (a short-lived container exits right after runc start) is only seen by the
   * next individual check, so a 10 ms pause there delayed every such exit by up to 10 ms.
   */
  private static final long FAST_POLL_MILLIS = 1;
  private static final long FAST_POLL_NANOS = 50_000_000L;
  private static final long IDLE_MILLIS = 500;
  private static final int MAX_UNCLAIMED = 256;
  private static final Reaper SHARED = new Reaper(DEFAULT_GRACE);

  /** Receives the exit of a watched process: pid and shell-style status (128 + signal). */
  @FunctionalInterface
  public interface Listener {
    void exited(int pid, int status);
  }

  private final long graceNanos;
  /** Guarded by {@code this}. */
  private final Map<Integer, Listener> watched = new HashMap<>();
  /** Exits reaped before anyone watched the pid, oldest first. Guarded by {@code this}. */
  private final Map<Integer, Integer> unclaimed = new LinkedHashMap<>();
  /** Unwatched zombies seen, with the time first seen. Reaper thread only. */
  private final Map<Integer, Long> lingering = new HashMap<>();
  private Thread thread;

  Reaper(Duration grace) {
    this.graceNanos = requireNonNull(grace, "grace").toNanos();
  }

  /** The reaper of this process. */
  public static Reaper shared() {
    return SHARED;
  }

  /** {@link #shared()}{@code .watch(pid, listener)}. */
  public static void watchChild(int pid, Listener listener) {
    SHARED.watch(pid, listener);
  }

  /**
   * Reports the exit of child {@code pid} to {@code listener}, once, on a virtual thread. May be
   * called after the process exited (even after the reaper collected it as an orphan).
   */
  public void watch(int pid, Listener listener) {
    requireNonNull(listener, "listener");
    if (pid <= 0) {
      throw new IllegalArgumentException("pid " + pid);
    }
    Integer early;
    boolean child = true;
    synchronized (this) {
      early = unclaimed.remove(pid);
      if (early == null) {
        child = isChild(pid);
        if (child) {
          watched.put(pid, listener);
        }
      }
      startIfNeeded();
      notifyAll();
    }
    if (early != null) {
      dispatch(listener, pid, early);
    } else if (!child) {
      // Not ours to wait for (e.g. the shim is no subreaper): report 255 once it is gone.
      LOG.warn("pid {} is not a child of the shim; polling for its end", pid);
      Thread.ofVirtual().name("gone-" + pid).start(() -> {
        try {
          while (Libc.processExists(pid)) {
            Thread.sleep(200);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        dispatch(listener, pid, 255);
      });
    }
  }

  private static boolean isChild(int pid) {
    try {
      Libc.waitid(Libc.P_PID, pid, Libc.WEXITED | Libc.WNOHANG | Libc.WNOWAIT);
      return true;
    } catch (ErrnoException e) {
      return e.errno() != Errno.ECHILD;
    }
  }

  /** Starts the reaper thread (also started by the first {@link #watch}). Idempotent. */
  public synchronized void start() {
    startIfNeeded();
  }

  /** Whether {@code pid} is watched and not reported yet. */
  public synchronized boolean isWatched(int pid) {
    return watched.containsKey(pid);
  }

  private void startIfNeeded() {
    if (thread == null) {
      thread = Thread.ofPlatform().daemon().name("reaper").stackSize(256 * 1024)
          .start(this::run);
    }
  }

  private void run() {
    while (true) {
      try {
        step();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | ErrnoException e) {
        LOG.warn("reaper: {}", e.toString());
        pause(IDLE_MILLIS);
      }
    }
  }

  private void step() throws ErrnoException, InterruptedException {
    Libc.WaitResult next;
    try {
      next = Libc.waitid(Libc.P_ALL, 0, Libc.WEXITED | Libc.WNOWAIT);
    } catch (ErrnoException e) {
      if (e.errno() != Errno.ECHILD) {
        throw e;
      }
      // No children at all: wait for a watch (our own spawns) or look again later (JDK ones).
      lingering.clear();
      pause(IDLE_MILLIS);
      return;
    }
    int pid = next.pid();
    Listener owner;
    synchronized (this) {
      owner = watched.remove(pid);
    }
    if (owner != null) {
      reap(pid, owner);
      lingering.remove(pid);
      return;
    }
    long now = System.nanoTime();
    Long first = lingering.putIfAbsent(pid, now);
    long age = first == null ? 0 : now - first;
    if (first != null && age > graceNanos) {
      lingering.remove(pid);
      reapOrphan(pid);
      return;
    }
    forgetStale(now);
    // The zombie at the head may hide watched ones: check those individually.
    reapWatchedExits();
    pause(age < FAST_POLL_NANOS ? FAST_POLL_MILLIS : POLL_MILLIS);
  }

  private void reap(int pid, Listener owner) throws ErrnoException {
    Libc.WaitResult r = Libc.waitid(Libc.P_PID, pid, Libc.WEXITED | Libc.WNOHANG);
    dispatch(owner, pid, r == null ? 255 : r.exitStatus());
  }

  private void reapWatchedExits() {
    List<Integer> pids;
    synchronized (this) {
      pids = List.copyOf(watched.keySet());
    }
    for (int pid : pids) {
      Libc.WaitResult r;
      try {
        r = Libc.waitid(Libc.P_PID, pid, Libc.WEXITED | Libc.WNOHANG);
      } catch (ErrnoException e) {
        if (e.errno() != Errno.ECHILD) {
          LOG.warn("reaper: checking {}: {}", pid, e.toString());
          continue;
        }
        // Not (or no longer) our child: it cannot be waited for; report it as lost.
        LOG.warn("pid {} is not a child of the shim; reporting status 255", pid);
        r = new Libc.WaitResult(pid, 0, 255);
      }
      if (r != null) {
        Listener owner;
        synchronized (this) {
          owner = watched.remove(pid);
        }
        if (owner != null) {
          dispatch(owner, pid, r.exitStatus());
        }
      }
    }
  }

  private void reapOrphan(int pid) {
    Libc.WaitResult r;
    try {
      r = Libc.waitid(Libc.P_PID, pid, Libc.WEXITED | Libc.WNOHANG);
    } catch (ErrnoException e) {
      return; // Reaped by its owner meanwhile.
    }
    if (r == null) {
      return;
    }
    LOG.debug("reaped orphan {} (status {})", pid, r.exitStatus());
    Listener late;
    synchronized (this) {
      late = watched.remove(pid);
      if (late == null) {
        unclaimed.put(pid, r.exitStatus());
        if (unclaimed.size() > MAX_UNCLAIMED) {
          Iterator<Integer> oldest = unclaimed.keySet().iterator();
          oldest.next();
          oldest.remove();
        }
      }
    }
    if (late != null) {
      dispatch(late, pid, r.exitStatus());
    }
  }

  private void forgetStale(long now) {
    lingering.values().removeIf(first -> now - first > 4 * graceNanos);
  }

  private synchronized void pause(long millis) {
    try {
      wait(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void dispatch(Listener listener, int pid, int status) {
    Thread.ofVirtual().name("exit-" + pid).start(() -> {
      try {
        listener.exited(pid, status);
      } catch (RuntimeException e) {
        LOG.warn("exit listener of pid {} failed", pid, e);
      }
    });
  }
}
