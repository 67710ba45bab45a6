package dev.ttrpc.shim.runc;

import dev.ttrpc.proto.io.containerd.cgroups.v1.CPUStat;
import dev.ttrpc.proto.io.containerd.cgroups.v1.CPUUsage;
import dev.ttrpc.proto.io.containerd.cgroups.v1.MemoryEntry;
import dev.ttrpc.proto.io.containerd.cgroups.v1.MemoryStat;
import dev.ttrpc.proto.io.containerd.cgroups.v1.PidsStat;
import dev.ttrpc.proto.io.containerd.cgroups.v1.Throttle;
import dev.ttrpc.shim.backend.ContainerRuntime;
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
 * kill counter, built with the generated classes of containerd/cgroups' {@code metrics.proto}.
 * Immutable; reads cgroupfs on every call.
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
  public ContainerRuntime.Stats metrics() {
    return v2
        ? new ContainerRuntime.Stats("io.containerd.cgroups.v2.Metrics", v2Metrics())
        : new ContainerRuntime.Stats("io.containerd.cgroups.v1.Metrics", v1Metrics());
  }

  private Path dir(String controller) {
    Path p = controllers.get(controller);
    return p != null ? p : ROOT.resolve("nonexistent");
  }

  private byte[] v1Metrics() {
    Path pids = dir("pids");
    PidsStat pidsStat = PidsStat.newBuilder()
        .setCurrent(single(pids.resolve("pids.current")))
        .setLimit(single(pids.resolve("pids.max")))
        .build();

    Path cpuacct = dir("cpuacct");
    Map<String, Long> cpuStat = keyed(cpuacct.resolve("cpuacct.stat"));
    long tick = 10_000_000L; // USER_HZ = 100: nanoseconds per tick.
    CPUUsage.Builder usage = CPUUsage.newBuilder()
        .setTotal(single(cpuacct.resolve("cpuacct.usage")))
        .setKernel(cpuStat.getOrDefault("system", 0L) * tick)
        .setUser(cpuStat.getOrDefault("user", 0L) * tick);
    for (String v : words(cpuacct.resolve("cpuacct.usage_percpu"))) {
      usage.addPerCpu(parse(v));
    }
    Map<String, Long> throttle = keyed(dir("cpu").resolve("cpu.stat"));
    Throttle throttling = Throttle.newBuilder()
        .setPeriods(throttle.getOrDefault("nr_periods", 0L))
        .setThrottledPeriods(throttle.getOrDefault("nr_throttled", 0L))
        .setThrottledTime(throttle.getOrDefault("throttled_time", 0L))
        .build();

    Path mem = dir("memory");
    Map<String, Long> ms = keyed(mem.resolve("memory.stat"));
    MemoryStat memory = MemoryStat.newBuilder()
        .setCache(ms.getOrDefault("cache", 0L))
        .setRss(ms.getOrDefault("rss", 0L))
        .setRssHuge(ms.getOrDefault("rss_huge", 0L))
        .setMappedFile(ms.getOrDefault("mapped_file", 0L))
        .setDirty(ms.getOrDefault("dirty", 0L))
        .setWriteback(ms.getOrDefault("writeback", 0L))
        .setPgPgIn(ms.getOrDefault("pgpgin", 0L))
        .setPgPgOut(ms.getOrDefault("pgpgout", 0L))
        .setPgFault(ms.getOrDefault("pgfault", 0L))
        .setPgMajFault(ms.getOrDefault("pgmajfault", 0L))
        .setInactiveAnon(ms.getOrDefault("inactive_anon", 0L))
        .setActiveAnon(ms.getOrDefault("active_anon", 0L))
        .setInactiveFile(ms.getOrDefault("inactive_file", 0L))
        .setActiveFile(ms.getOrDefault("active_file", 0L))
        .setUnevictable(ms.getOrDefault("unevictable", 0L))
        .setHierarchicalMemoryLimit(ms.getOrDefault("hierarchical_memory_limit", 0L))
        .setHierarchicalSwapLimit(ms.getOrDefault("hierarchical_memsw_limit", 0L))
        .setTotalCache(ms.getOrDefault("total_cache", 0L))
        .setTotalRss(ms.getOrDefault("total_rss", 0L))
        .setTotalRssHuge(ms.getOrDefault("total_rss_huge", 0L))
        .setTotalMappedFile(ms.getOrDefault("total_mapped_file", 0L))
        .setTotalDirty(ms.getOrDefault("total_dirty", 0L))
        .setTotalWriteback(ms.getOrDefault("total_writeback", 0L))
        .setTotalPgPgIn(ms.getOrDefault("total_pgpgin", 0L))
        .setTotalPgPgOut(ms.getOrDefault("total_pgpgout", 0L))
        .setTotalPgFault(ms.getOrDefault("total_pgfault", 0L))
        .setTotalPgMajFault(ms.getOrDefault("total_pgmajfault", 0L))
        .setTotalInactiveAnon(ms.getOrDefault("total_inactive_anon", 0L))
        .setTotalActiveAnon(ms.getOrDefault("total_active_anon", 0L))
        .setTotalInactiveFile(ms.getOrDefault("total_inactive_file", 0L))
        .setTotalActiveFile(ms.getOrDefault("total_active_file", 0L))
        .setTotalUnevictable(ms.getOrDefault("total_unevictable", 0L))
        .setUsage(memEntry(mem, "memory."))
        .setSwap(memEntry(mem, "memory.memsw."))
        .setKernel(memEntry(mem, "memory.kmem."))
        .setKernelTcp(memEntry(mem, "memory.kmem.tcp."))
        .build();
    return dev.ttrpc.proto.io.containerd.cgroups.v1.Metrics.newBuilder()
        .setPids(pidsStat)
        .setCpu(CPUStat.newBuilder().setUsage(usage).setThrottling(throttling))
        .setMemory(memory)
        .build()
        .toByteArray();
  }

  private static MemoryEntry memEntry(Path mem, String prefix) {
    return MemoryEntry.newBuilder()
        .setLimit(single(mem.resolve(prefix + "limit_in_bytes")))
        .setUsage(single(mem.resolve(prefix + "usage_in_bytes")))
        .setMax(single(mem.resolve(prefix + "max_usage_in_bytes")))
        .setFailcnt(single(mem.resolve(prefix + "failcnt")))
        .build();
  }

  private byte[] v2Metrics() {
    Path d = dir("");
    Map<String, Long> cs = keyed(d.resolve("cpu.stat"));
    Map<String, Long> ms = keyed(d.resolve("memory.stat"));
    Map<String, Long> ev = keyed(d.resolve("memory.events"));
    var pids = dev.ttrpc.proto.io.containerd.cgroups.v2.PidsStat.newBuilder()
        .setCurrent(single(d.resolve("pids.current")))
        .setLimit(single(d.resolve("pids.max")));
    var cpu = dev.ttrpc.proto.io.containerd.cgroups.v2.CPUStat.newBuilder()
        .setUsageUsec(cs.getOrDefault("usage_usec", 0L))
        .setUserUsec(cs.getOrDefault("user_usec", 0L))
        .setSystemUsec(cs.getOrDefault("system_usec", 0L))
        .setNrPeriods(cs.getOrDefault("nr_periods", 0L))
        .setNrThrottled(cs.getOrDefault("nr_throttled", 0L))
        .setThrottledUsec(cs.getOrDefault("throttled_usec", 0L));
    var memory = dev.ttrpc.proto.io.containerd.cgroups.v2.MemoryStat.newBuilder()
        .setAnon(ms.getOrDefault("anon", 0L))
        .setFile(ms.getOrDefault("file", 0L))
        .setKernelStack(ms.getOrDefault("kernel_stack", 0L))
        .setSlab(ms.getOrDefault("slab", 0L))
        .setSock(ms.getOrDefault("sock", 0L))
        .setShmem(ms.getOrDefault("shmem", 0L))
        .setFileMapped(ms.getOrDefault("file_mapped", 0L))
        .setFileDirty(ms.getOrDefault("file_dirty", 0L))
        .setFileWriteback(ms.getOrDefault("file_writeback", 0L))
        .setAnonThp(ms.getOrDefault("anon_thp", 0L))
        .setInactiveAnon(ms.getOrDefault("inactive_anon", 0L))
        .setActiveAnon(ms.getOrDefault("active_anon", 0L))
        .setInactiveFile(ms.getOrDefault("inactive_file", 0L))
        .setActiveFile(ms.getOrDefault("active_file", 0L))
        .setUnevictable(ms.getOrDefault("unevictable", 0L))
        .setSlabReclaimable(ms.getOrDefault("slab_reclaimable", 0L))
        .setSlabUnreclaimable(ms.getOrDefault("slab_unreclaimable", 0L))
        .setPgfault(ms.getOrDefault("pgfault", 0L))
        .setPgmajfault(ms.getOrDefault("pgmajfault", 0L))
        .setWorkingsetRefault(ms.getOrDefault("workingset_refault", 0L))
        .setWorkingsetActivate(ms.getOrDefault("workingset_activate", 0L))
        .setWorkingsetNodereclaim(ms.getOrDefault("workingset_nodereclaim", 0L))
        .setPgrefill(ms.getOrDefault("pgrefill", 0L))
        .setPgscan(ms.getOrDefault("pgscan", 0L))
        .setPgsteal(ms.getOrDefault("pgsteal", 0L))
        .setPgactivate(ms.getOrDefault("pgactivate", 0L))
        .setPgdeactivate(ms.getOrDefault("pgdeactivate", 0L))
        .setPglazyfree(ms.getOrDefault("pglazyfree", 0L))
        .setPglazyfreed(ms.getOrDefault("pglazyfreed", 0L))
        .setThpFaultAlloc(ms.getOrDefault("thp_fault_alloc", 0L))
        .setThpCollapseAlloc(ms.getOrDefault("thp_collapse_alloc", 0L))
        .setUsage(single(d.resolve("memory.current")))
        .setUsageLimit(single(d.resolve("memory.max")))
        .setSwapUsage(single(d.resolve("memory.swap.current")))
        .setSwapLimit(single(d.resolve("memory.swap.max")));
    var events = dev.ttrpc.proto.io.containerd.cgroups.v2.MemoryEvents.newBuilder()
        .setLow(ev.getOrDefault("low", 0L))
        .setHigh(ev.getOrDefault("high", 0L))
        .setMax(ev.getOrDefault("max", 0L))
        .setOom(ev.getOrDefault("oom", 0L))
        .setOomKill(ev.getOrDefault("oom_kill", 0L));
    return dev.ttrpc.proto.io.containerd.cgroups.v2.Metrics.newBuilder()
        .setPids(pids)
        .setCpu(cpu)
        .setMemory(memory)
        .setMemoryEvents(events)
        .build()
        .toByteArray();
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
