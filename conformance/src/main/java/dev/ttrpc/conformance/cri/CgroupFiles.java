package dev.ttrpc.conformance.cri;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The resource limits the kernel actually applies to a process, read from its cgroup files
 * (cgroup v1: memory and cpu controllers; v2: the unified hierarchy), so that a CRI resource
 * update is checked where it takes effect rather than in containerd's bookkeeping.
 */
public final class CgroupFiles {

  private static final Path ROOT = Path.of("/sys/fs/cgroup");

  private final long pid;
  private final boolean unified;

  private CgroupFiles(long pid) {
    this.pid = pid;
    this.unified = Files.exists(ROOT.resolve("cgroup.controllers"));
  }

  /** The cgroups of process {@code pid}. */
  public static CgroupFiles of(long pid) {
    return new CgroupFiles(pid);
  }

  /** The memory limit in bytes ({@code memory.limit_in_bytes} / {@code memory.max}). */
  public long memoryLimit() {
    return unified ? Long.parseLong(read("", "memory.max"))
        : Long.parseLong(read("memory", "memory.limit_in_bytes"));
  }

  /** The CFS quota in microseconds per period ({@code cpu.cfs_quota_us} / {@code cpu.max}). */
  public long cpuQuota() {
    return unified ? Long.parseLong(read("", "cpu.max").split(" ")[0])
        : Long.parseLong(read("cpu", "cpu.cfs_quota_us"));
  }

  /** The CFS period in microseconds ({@code cpu.cfs_period_us} / {@code cpu.max}). */
  public long cpuPeriod() {
    return unified ? Long.parseLong(read("", "cpu.max").split(" ")[1])
        : Long.parseLong(read("cpu", "cpu.cfs_period_us"));
  }

  /**
   * Removes the (empty) cgroup {@code path} (relative to each hierarchy's root) from every
   * hierarchy that has it, and its parent if that is then empty. The kubelet does this for a
   * pod's cgroup after the pod is gone; containerd only removes the containers' own cgroups.
   *
   * @throws AssertionError if a cgroup still holds a process or a child cgroup (rmdir fails)
   */
  public static void removePodCgroup(String path) {
    String relative = path.startsWith("/") ? path.substring(1) : path;
    try (var hierarchies = Files.list(ROOT)) {
      for (Path hierarchy : hierarchies.toList()) {
        if (Files.isSymbolicLink(hierarchy) || !Files.isDirectory(hierarchy)) {
          continue;
        }
        Path pod = hierarchy.resolve(relative);
        if (Files.isDirectory(pod)) {
          try {
            Files.delete(pod);
          } catch (IOException e) {
            throw new AssertionError("cgroup " + pod + " is not empty after the pod was removed",
                e);
          }
          try {
            Files.deleteIfExists(pod.getParent());
          } catch (IOException e) {
            // Another pod's cgroup still lives under the shared parent.
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + ROOT, e);
    }
  }

  /**
   * Best effort: removes the cgroup {@code path} and the cgroups below it from every hierarchy,
   * deepest first; cgroups that still hold processes stay (rmdir refuses them).
   */
  public static void removeEmptyTree(String path) {
    String relative = path.startsWith("/") ? path.substring(1) : path;
    try (var hierarchies = Files.list(ROOT)) {
      for (Path hierarchy : hierarchies.toList()) {
        Path top = hierarchy.resolve(relative);
        if (Files.isSymbolicLink(hierarchy) || !Files.isDirectory(top)) {
          continue;
        }
        try (var tree = Files.walk(top)) {
          for (Path dir : tree.filter(Files::isDirectory)
              .sorted(java.util.Comparator.reverseOrder()).toList()) {
            try {
              Files.delete(dir);
            } catch (IOException e) {
              // Still in use: left for whoever owns those processes.
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean up cgroups below " + path, e);
    }
  }

  /** Reads {@code file} in the process's cgroup of {@code controller} ("" for v2). */
  private String read(String controller, String file) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
        String[] fields = line.split(":", 3);
        if (fields.length != 3) {
          continue;
        }
        boolean match = unified ? fields[0].equals("0")
            : Arrays.asList(fields[1].split(",")).contains(controller);
        if (match) {
          Path dir = unified ? ROOT : ROOT.resolve(fields[1]);
          return Files.readString(dir.resolve(fields[2].substring(1)).resolve(file)).trim();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " of process " + pid, e);
    }
    throw new AssertionError("process " + pid + " has no " + controller + " cgroup");
  }
}
