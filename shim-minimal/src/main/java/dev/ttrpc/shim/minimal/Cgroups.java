package dev.ttrpc.shim.minimal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's cgroup, found from its init's {@code /proc/<pid>/cgroup}: statistics as the
 * protobuf messages {@code ctr tasks metrics} understands ({@code io.containerd.cgroups.v1.Metrics}
 * on cgroup v1, {@code io.containerd.cgroups.v2.Metrics} on the unified hierarchy), and the OOM
 * kill counter. The messages are encoded by field number (the schemas are containerd/cgroups'
 * {@code metrics.proto}). Immutable; reads cgroupfs on every call.
 */
public final class Cgroups {
  private static final Path ROOT = Path.of("/sys/fs/cgroup");

  private final boolean v2;
  private final Map<String, Path> controllers;

  private Cgroups(boolean v2, Map<String, Path> controllers) {
    this.v2 = v2;
    this.controllers = controllers;
  }

  /** The cgroup of {@code pid}, or null if it cannot be read. */
  public static Cgroups of(int pid) {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"));
    } catch (IOException e) {
      return null;
    }
    return parse(lines, Files.exists(ROOT.resolve("cgroup.controllers")));
  }

  static Cgroups parse(List<String> procCgroupLines, boolean unified) {
    Map<String, Path> controllers = new HashMap<>();
    for (String line : procCgroupLines) {
      String[] f = line.split(":", 3);
      if (f.length != 3) {
        continue;
      }
      String rel = f[2].startsWith("/") ? f[2].substring(1) : f[2];
      if (unified) {
        if (f[0].equals("0") && f[1].isEmpty()) {
          controllers.put("", ROOT.resolve(rel));
        }
      } else {
        for (String c : f[1].split(",")) {
          if (!c.isEmpty()) {
            controllers.put(c, ROOT.resolve(c).resolve(rel));
          }
        }
      }
    }
    return controllers.isEmpty() ? null : new Cgroups(unified, controllers);
  }

  /** Number of OOM kills recorded for the cgroup (0 if unknown). */
  public long oomKillCount() {
    Path file = v2 ? dir("").resolve("memory.events") : dir("memory").resolve("memory.oom_control");
    return keyed(file).getOrDefault("oom_kill", 0L);
  }

  /** The metrics message for {@code Stats}. */
  public ContainerRuntime.Stats metrics() throws IOException {
    return v2
        ? new ContainerRuntime.Stats("io.containerd.cgroups.v2.Metrics", v2Metrics())
        : new ContainerRuntime.Stats("io.containerd.cgroups.v1.Metrics", v1Metrics());
  }

  private Path dir(String controller) {
    Path p = controllers.get(controller);
    return p != null ? p : ROOT.resolve("nonexistent");
  }

  private byte[] v1Metrics() throws IOException {
    ProtoWriter m = new ProtoWriter();
    Path pids = dir("pids");
    ProtoWriter p = new ProtoWriter();
    p.u64(1, single(pids.resolve("pids.current")));
    p.u64(2, single(pids.resolve("pids.max")));
    m.msg(2, p);

    Path cpuacct = dir("cpuacct");
    ProtoWriter usage = new ProtoWriter();
    usage.u64(1, single(cpuacct.resolve("cpuacct.usage")));
    Map<String, Long> cpuStat = keyed(cpuacct.resolve("cpuacct.stat"));
    long tick = 10_000_000L; // USER_HZ = 100: nanoseconds per tick.
    usage.u64(2, cpuStat.getOrDefault("system", 0L) * tick);
    usage.u64(3, cpuStat.getOrDefault("user", 0L) * tick);
    for (String v : words(cpuacct.resolve("cpuacct.usage_percpu"))) {
      usage.u64Always(4, parse(v));
    }
    Map<String, Long> throttle = keyed(dir("cpu").resolve("cpu.stat"));
    ProtoWriter thr = new ProtoWriter();
    thr.u64(1, throttle.getOrDefault("nr_periods", 0L));
    thr.u64(2, throttle.getOrDefault("nr_throttled", 0L));
    thr.u64(3, throttle.getOrDefault("throttled_time", 0L));
    ProtoWriter cpu = new ProtoWriter();
    cpu.msg(1, usage);
    cpu.msg(2, thr);
    m.msg(3, cpu);

    Path mem = dir("memory");
    Map<String, Long> ms = keyed(mem.resolve("memory.stat"));
    String[] names = {
      "cache", "rss", "rss_huge", "mapped_file", "dirty", "writeback", "pgpgin", "pgpgout",
      "pgfault", "pgmajfault", "inactive_anon", "active_anon", "inactive_file", "active_file",
      "unevictable", "hierarchical_memory_limit", "hierarchical_memsw_limit", "total_cache",
      "total_rss", "total_rss_huge", "total_mapped_file", "total_dirty", "total_writeback",
      "total_pgpgin", "total_pgpgout", "total_pgfault", "total_pgmajfault",
      "total_inactive_anon", "total_active_anon", "total_inactive_file", "total_active_file",
      "total_unevictable"
    };
    ProtoWriter memory = new ProtoWriter();
    for (int i = 0; i < names.length; i++) {
      memory.u64(i + 1, ms.getOrDefault(names[i], 0L));
    }
    memory.msg(33, memEntry(mem, "memory."));
    memory.msg(34, memEntry(mem, "memory.memsw."));
    memory.msg(35, memEntry(mem, "memory.kmem."));
    memory.msg(36, memEntry(mem, "memory.kmem.tcp."));
    m.msg(4, memory);
    return m.bytes();
  }

  private static ProtoWriter memEntry(Path mem, String prefix) {
    ProtoWriter e = new ProtoWriter();
    e.u64(1, single(mem.resolve(prefix + "limit_in_bytes")));
    e.u64(2, single(mem.resolve(prefix + "usage_in_bytes")));
    e.u64(3, single(mem.resolve(prefix + "max_usage_in_bytes")));
    e.u64(4, single(mem.resolve(prefix + "failcnt")));
    return e;
  }

  private byte[] v2Metrics() throws IOException {
    Path d = dir("");
    ProtoWriter m = new ProtoWriter();
    ProtoWriter p = new ProtoWriter();
    p.u64(1, single(d.resolve("pids.current")));
    p.u64(2, single(d.resolve("pids.max")));
    m.msg(1, p);
    Map<String, Long> cs = keyed(d.resolve("cpu.stat"));
    ProtoWriter cpu = new ProtoWriter();
    String[] cpuNames = {
      "usage_usec", "user_usec", "system_usec", "nr_periods", "nr_throttled", "throttled_usec"
    };
    for (int i = 0; i < cpuNames.length; i++) {
      cpu.u64(i + 1, cs.getOrDefault(cpuNames[i], 0L));
    }
    m.msg(2, cpu);
    Map<String, Long> ms = keyed(d.resolve("memory.stat"));
    String[] memNames = {
      "anon", "file", "kernel_stack", "slab", "sock", "shmem", "file_mapped", "file_dirty",
      "file_writeback", "anon_thp", "inactive_anon", "active_anon", "inactive_file",
      "active_file", "unevictable", "slab_reclaimable", "slab_unreclaimable", "pgfault",
      "pgmajfault", "workingset_refault", "workingset_activate", "workingset_nodereclaim",
      "pgrefill", "pgscan", "pgsteal", "pgactivate", "pgdeactivate", "pglazyfree", "pglazyfreed",
      "thp_fault_alloc", "thp_collapse_alloc"
    };
    ProtoWriter memory = new ProtoWriter();
    for (int i = 0; i < memNames.length; i++) {
      memory.u64(i + 1, ms.getOrDefault(memNames[i], 0L));
    }
    memory.u64(32, single(d.resolve("memory.current")));
    memory.u64(33, single(d.resolve("memory.max")));
    memory.u64(34, single(d.resolve("memory.swap.current")));
    memory.u64(35, single(d.resolve("memory.swap.max")));
    m.msg(4, memory);
    Map<String, Long> ev = keyed(d.resolve("memory.events"));
    ProtoWriter events = new ProtoWriter();
    String[] evNames = {"low", "high", "max", "oom", "oom_kill"};
    for (int i = 0; i < evNames.length; i++) {
      events.u64(i + 1, ev.getOrDefault(evNames[i], 0L));
    }
    m.msg(8, events);
    return m.bytes();
  }

  /** A one-value cgroup file; "max" and unreadable files count as 0 (unlimited/absent). */
  private static long single(Path file) {
    List<String> w = words(file);
    return w.isEmpty() ? 0 : parse(w.get(0));
  }

  private static long parse(String s) {
    try {
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static List<String> words(Path file) {
    try {
      String s = Files.readString(file).trim();
      return s.isEmpty() ? List.of() : List.of(s.split("\\s+"));
    } catch (IOException e) {
      return List.of();
    }
  }

  /** A "key value" per line cgroup file. */
  private static Map<String, Long> keyed(Path file) {
    Map<String, Long> out = new HashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 2) {
          out.put(f[0], parse(f[1]));
        }
      }
    } catch (IOException e) {
      // Controller absent: empty statistics.
    }
    return out;
  }
}
