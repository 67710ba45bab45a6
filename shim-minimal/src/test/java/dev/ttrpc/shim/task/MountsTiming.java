package dev.ttrpc.shim.task;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.shim.sys.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark, not a test (its name keeps it out of the default test run; speed is never asserted
 * by a test): mount and unmount of an overlay rootfs with mount(2)/umount2(2) against the
 * mount(8)/umount(8) programs the shim used before, interleaved in one JVM so that both see the
 * same load (root only); prints the medians. Run it by name, see docs/benchmarks.md.
 */
class MountsTiming {
  private static final int WARMUP = 5;
  private static final int RUNS = Integer.getInteger("mounts.timing.runs", 50);

  @TempDir Path dir;

  @Test
  void syscallsAgainstPrograms() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.writeString(lower.resolve("a"), "lower");
    Path target = Files.createDirectories(dir.resolve("rootfs"));
    List<TaskEvent.Mount> rootfs =
        List.of(new TaskEvent.Mount("overlay", "overlay", "",
            List.of("index=off", "workdir=" + work, "upperdir=" + upper, "lowerdir=" + lower)));
    long[][] programs = new long[3][RUNS];
    long[][] syscalls = new long[3][RUNS];
    for (int i = -WARMUP; i < RUNS; i++) {
      // Alternate which one goes first, so neither always follows the other's page cache work.
      boolean programsFirst = (i & 1) == 0;
      long[] a = programsFirst ? programs(rootfs, target) : syscalls(rootfs, target);
      long[] b = programsFirst ? syscalls(rootfs, target) : programs(rootfs, target);
      if (i >= 0) {
        long[] p = programsFirst ? a : b;
        long[] s = programsFirst ? b : a;
        for (int k = 0; k < 2; k++) {
          programs[k][i] = p[k];
          syscalls[k][i] = s[k];
        }
        programs[2][i] = p[0] + p[1];
        syscalls[2][i] = s[0] + s[1];
      }
    }
    assertFalse(Mounts.isMountPoint(target));
    System.out.printf(
        "overlay rootfs, %d interleaved runs each%n"
            + "  mount(8)/umount(8):  both %s; mount %s; unmount %s%n"
            + "  mount(2)/umount2(2): both %s; mount %s; unmount %s%n",
        RUNS, summary(programs[2]), summary(programs[0]), summary(programs[1]),
        summary(syscalls[2]), summary(syscalls[0]), summary(syscalls[1]));
  }

  /** The previous implementation: one mount(8) per entry, umount(8) while mountinfo lists it. */
  private static long[] programs(List<TaskEvent.Mount> rootfs, Path target) throws Exception {
    long t0 = System.nanoTime();
    for (TaskEvent.Mount m : rootfs) {
      Mounts.mountWithProgram(m, target);
    }
    long mounted = System.nanoTime();
    assertTrue(Mounts.isMountPoint(target));
    long checked = System.nanoTime();
    for (int i = 0; i < 64 && Mounts.isMountPoint(target); i++) {
      Process p = new ProcessBuilder("umount", target.toString()).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor() != 0) {
        new ProcessBuilder("umount", "-l", target.toString()).start().waitFor();
      }
    }
    long[] t = {mounted - t0, System.nanoTime() - checked};
    assertFalse(Mounts.isMountPoint(target));
    return t;
  }

  private static long[] syscalls(List<TaskEvent.Mount> rootfs, Path target) throws Exception {
    long t0 = System.nanoTime();
    Mounts.mountAll(rootfs, target);
    long mounted = System.nanoTime();
    assertTrue(Mounts.isMountPoint(target));
    long checked = System.nanoTime();
    Mounts.unmountAll(target);
    long[] t = {mounted - t0, System.nanoTime() - checked};
    assertFalse(Mounts.isMountPoint(target));
    return t;
  }

  private static long median(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static String summary(long[] ns) {
    long[] s = ns.clone();
    Arrays.sort(s);
    return String.format("%.3f ms (p10 %.3f, p90 %.3f)", s[s.length / 2] / 1e6,
        s[s.length / 10] / 1e6, s[s.length * 9 / 10] / 1e6);
  }
}
