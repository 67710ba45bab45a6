package dev.ttrpc.shim.reaper;

import dev.ttrpc.shim.backend.ContainerRuntime;
import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import dev.ttrpc.shim.task.Container;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaps the processes the shim inherits as child subreaper, without ever stealing the exit status
 * of a child the JDK started.
 *
 * <p>The model (java-notes 4.3): runc and the other helpers run through {@link ProcessBuilder},
 * and the JDK reaps those itself. Nothing here calls {@code wait(-1)}. Container processes that
 * runc leaves behind (a container's init, {@code runc exec --detach} processes) are re-parented to
 * the shim; their pids come from runc's pid files and each is reaped by pid through a pidfd
 * ({@link #watch}) on a platform thread. Anything else re-parented to the shim (orphans of a
 * container without its own pid namespace) is reaped by {@link #sweepOrphans()}: a zombie child
 * that is neither watched nor a JDK child, seen twice a sweep apart (the JDK reaps its own
 * children at once, so a zombie that lingers is not one of them).
 *
 * <p>Thread-safe.
 */
public final class Reaper {
  private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
  private static final Set<Integer> WATCHED = ConcurrentHashMap.newKeySet();
  private static final Set<Integer> LINGERING = ConcurrentHashMap.newKeySet();

  private Reaper() {}

  /**
   * Reaps {@code pid} (a child of this process) when it exits and reports its status. If the
   * pid is not a child (ECHILD), waits for it to disappear and reports 255.
   */
  public static void watch(int pid, ContainerRuntime.ExitListener listener) {
    WATCHED.add(pid);
    Thread.ofPlatform()
        .daemon()
        .name("reap-" + pid)
        .stackSize(128 * 1024)
        .start(
            () -> {
              int status = 255;
              try {
                status = waitFor(pid);
              } catch (ErrnoException e) {
                LOG.warn("waiting for " + pid + " failed", e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                WATCHED.remove(pid);
              }
              listener.exited(pid, status);
            });
  }

  private static int waitFor(int pid) throws ErrnoException, InterruptedException {
    int pidfd;
    try {
      pidfd = Libc.pidfdOpen(pid);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ESRCH) {
        return 255;
      }
      throw e;
    }
    try {
      return Libc.waitid(Libc.P_PIDFD, pidfd, Libc.WEXITED).exitStatus();
    } catch (ErrnoException e) {
      if (e.errno() != Errno.ECHILD) {
        throw e;
      }
      LOG.warn("pid " + pid + " is not a child of the shim; polling for its end");
      while (Libc.processExists(pid)) {
        Thread.sleep(200);
      }
      return 255;
    } finally {
      Libc.closeQuietly(pidfd);
    }
  }

  /** Reaps lingering zombie children nobody watches; see the class comment. */
  public static void sweepOrphans() {
    int self = Libc.getpid();
    Set<Integer> zombies = ConcurrentHashMap.newKeySet();
    try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path d : dirs) {
        String stat;
        try {
          stat = Files.readString(d.resolve("stat"));
        } catch (java.io.IOException gone) {
          continue;
        }
        int close = stat.lastIndexOf(')');
        String[] f = stat.substring(close + 2).split(" ");
        if (f.length > 1 && f[0].equals("Z") && Integer.parseInt(f[1]) == self) {
          zombies.add(Integer.parseInt(d.getFileName().toString()));
        }
      }
    } catch (java.io.IOException e) {
      return;
    }
    for (int pid : zombies) {
      if (WATCHED.contains(pid)) {
        continue;
      }
      if (LINGERING.contains(pid)) {
        try {
          Libc.waitid(Libc.P_PID, pid, Libc.WEXITED | Libc.WNOHANG);
          LOG.debug("reaped orphan " + pid);
        } catch (ErrnoException e) {
          // Already reaped by its owner.
        }
      }
    }
    LINGERING.clear();
    LINGERING.addAll(zombies);
  }
}
