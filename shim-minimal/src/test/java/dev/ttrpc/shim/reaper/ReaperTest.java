package dev.ttrpc.shim.reaper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.shim.sys.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reaper against real child processes of the test JVM. */
class ReaperTest {
  @TempDir Path dir;

  /** The JVM's one reaper, as in the shim (other tests' backends use it too). */
  private static final Reaper REAPER = Reaper.shared();

  @BeforeAll
  static void subreaper() throws Exception {
    Libc.setChildSubreaper(true);
    REAPER.start();
  }

  private static int spawn(String script) throws Exception {
    return Libc.spawn(List.of("/bin/sh", "-c", script), Map.of("PATH", "/usr/bin:/bin"),
        new Libc.SpawnOptions(null, Map.of(), false));
  }

  private static CompletableFuture<Integer> watch(int pid) {
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    REAPER.watch(pid, (p, status) -> {
      assertEquals(pid, p);
      if (!exit.complete(status)) {
        throw new AssertionError("exit of " + pid + " reported twice");
      }
    });
    return exit;
  }

  @Test
  void reportsTheExitStatusOfAWatchedChild() throws Exception {
    assertEquals(7, watch(spawn("sleep 0.1; exit 7")).get(10, TimeUnit.SECONDS));
    int killed = spawn("sleep 30");
    CompletableFuture<Integer> exit = watch(killed);
    Libc.kill(killed, Libc.SIGKILL);
    assertEquals(128 + Libc.SIGKILL, exit.get(10, TimeUnit.SECONDS));
    assertFalse(Files.exists(Path.of("/proc/" + killed)), "reaped, not left a zombie");
  }

  @Test
  void anExitBeforeTheWatchIsStillReported() throws Exception {
    int pid = spawn("exit 4");
    Thread.sleep(200); // a zombie by now, seen by the reaper but not ours yet
    assertEquals(4, watch(pid).get(10, TimeUnit.SECONDS));
  }

  @Test
  void neverStealsTheStatusOfAJdkChild() throws Exception {
    // Keep a watched child alive so that the reaper is busy waiting the whole time.
    int busy = spawn("sleep 30");
    CompletableFuture<Integer> busyExit = watch(busy);
    for (int i = 0; i < 30; i++) {
      Process p = new ProcessBuilder("/bin/sh", "-c", "exit " + (i % 5 + 1)).start();
      assertEquals(i % 5 + 1, p.waitFor(), "JDK child " + i);
    }
    Libc.kill(busy, Libc.SIGKILL);
    assertEquals(137, busyExit.get(10, TimeUnit.SECONDS));
  }

  @Test
  void manyChildrenExitingTogetherAreEachReportedOnce() throws Exception {
    List<CompletableFuture<Integer>> exits = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      exits.add(watch(spawn("sleep 0.2; exit " + (i % 100))));
    }
    for (int i = 0; i < exits.size(); i++) {
      assertEquals(i % 100, exits.get(i).get(20, TimeUnit.SECONDS));
    }
  }

  @Test
  void reapsOrphansReparentedToTheShim() throws Exception {
    Path pidFile = dir.resolve("orphan.pid");
    // The background child outlives its parent and is re-parented to this (subreaper) JVM.
    int parent = spawn("sleep 0.2 & echo $! > " + pidFile + "; exit 0");
    assertEquals(0, watch(parent).get(10, TimeUnit.SECONDS));
    int orphan = Integer.parseInt(Files.readString(pidFile).trim());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Files.exists(Path.of("/proc/" + orphan)) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertFalse(Files.exists(Path.of("/proc/" + orphan)), "orphan " + orphan + " left a zombie");
  }

  @Test
  void usesOneThreadWhateverTheNumberOfProcesses() throws Exception {
    long before = platformThreads();
    List<Integer> pids = new ArrayList<>();
    List<CompletableFuture<Integer>> exits = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      int pid = spawn("sleep 30");
      pids.add(pid);
      exits.add(watch(pid));
    }
    assertTrue(platformThreads() - before <= 0,
        "watching 20 processes added platform threads: " + (platformThreads() - before));
    for (int pid : pids) {
      Libc.kill(pid, Libc.SIGKILL);
    }
    for (CompletableFuture<Integer> e : exits) {
      assertEquals(137, e.get(10, TimeUnit.SECONDS));
    }
  }

  private static long platformThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.isVirtual()).count();
  }
}
