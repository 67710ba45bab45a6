package dev.ttrpc.shim.process;

import dev.ttrpc.proto.io.containerd.cgroups.v1.CPUStat;
import dev.ttrpc.proto.io.containerd.cgroups.v1.CPUUsage;
import dev.ttrpc.proto.io.containerd.cgroups.v1.MemoryEntry;
import dev.ttrpc.proto.io.containerd.cgroups.v1.MemoryStat;
import dev.ttrpc.proto.io.containerd.cgroups.v1.Metrics;
import dev.ttrpc.proto.io.containerd.cgroups.v1.PidsStat;
import dev.ttrpc.shim.Json;
import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.backend.ContainerRuntime;
import dev.ttrpc.shim.backend.PidFile;
import dev.ttrpc.shim.io.ProcessIo;
import dev.ttrpc.shim.io.Stdio;
import dev.ttrpc.shim.reaper.Reaper;
import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import dev.ttrpc.shim.task.Mounts;
import dev.ttrpc.shim.task.TaskEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code process} backend: runs the OCI process of {@code config.json} as a plain host
 * process, without namespaces, cgroups, seccomp or capabilities.
 *
 * <ul>
 *   <li>Create spawns a stub ({@code setsid sh -c 'read _ < exec.fifo; exec "$@"' ...}) that
 *       waits on a FIFO in the bundle, so Create has a pid and Start only releases it (the same
 *       pid then runs the program), like runc's exec.fifo.
 *   <li>As root the program runs chrooted into {@code root.path} as {@code process.user}
 *       (uid:gid); otherwise on the host filesystem as the shim's user. {@code process.cwd} is
 *       honoured when the rootfs has {@code /bin/sh}.
 *   <li>Signals go to the process group of the init (its own session); Pause/Resume are
 *       SIGSTOP/SIGCONT to the group; Pids come from /proc (the sessions of init and execs);
 *       Stats are a minimal {@code io.containerd.cgroups.v1.Metrics} from /proc.
 *   <li>Update and Checkpoint answer UNIMPLEMENTED; there is no OOM detection.
 * </ul>
 *
 * <p>Processes are started with {@code posix_spawn} ({@link Libc#spawn}), not {@link
 * ProcessBuilder}: they are the shim's own children, and the one {@link Reaper} collects their
 * exits (no JDK reaper thread per process).
 */
public final class ProcessRuntime implements ContainerRuntime {
  private static final String SETSID = "/usr/bin/setsid";
  private static final String CHROOT = "/usr/sbin/chroot";

  private final String namespace;
  private final String id;
  private final Path bundle;
  private final Map<String, Object> spec;
  private final ExitListener exits;
  private final List<TaskEvent.Mount> rootfs;
  private final Set<Integer> execPids = ConcurrentHashMap.newKeySet();
  private volatile int initPid;

  public ProcessRuntime(
      String namespace,
      String id,
      Path bundle,
      Map<String, Object> spec,
      List<TaskEvent.Mount> rootfs,
      ExitListener exits) {
    this.namespace = namespace;
    this.id = id;
    this.bundle = bundle;
    this.spec = spec;
    this.rootfs = List.copyOf(rootfs);
    this.exits = exits;
  }

  private Path rootDir() {
    String root = Json.string(Json.object(spec, "root"), "path", "rootfs");
    Path p = Path.of(root);
    return p.isAbsolute() ? p : bundle.resolve(p);
  }

  private static boolean isRoot() {
    return Libc.geteuid() == 0;
  }

  @Override
  public Spawned create(Stdio stdio) throws Exception {
    if (!rootfs.isEmpty()) {
      if (!isRoot()) {
        throw new TaskException(
            TaskException.Code.INVALID_ARGUMENT, "rootfs mounts need a shim running as root");
      }
      Mounts.mountAll(rootfs, bundle.resolve("rootfs"));
    }
    Map<String, Object> process = Json.object(spec, "process");
    try {
      checkProgram(process);
    } catch (RuntimeException e) {
      if (!rootfs.isEmpty()) {
        Mounts.unmountAll(bundle.resolve("rootfs"));
      }
      throw e;
    }
    Path fifo = bundle.resolve("exec.fifo");
    Files.deleteIfExists(fifo);
    Libc.mkfifo(fifo, 0600);
    List<String> argv = new ArrayList<>(List.of(SETSID));
    if (stdio.terminal()) {
      argv.add("--ctty");
    }
    argv.addAll(List.of("/bin/sh", "-c", "read _ < \"$0\"; exec \"$@\"", fifo.toString()));
    argv.addAll(programArgv(process));
    Spawned s = spawn(argv, process, stdio);
    initPid = s.pid();
    Files.writeString(bundle.resolve("init.pid"), Integer.toString(s.pid()));
    return s;
  }

  /** Fails like runc's create when the program is not in the root the process will see. */
  private void checkProgram(Map<String, Object> process) {
    List<Object> args = Json.array(process, "args");
    if (args.isEmpty()) {
      throw new TaskException(TaskException.Code.INVALID_ARGUMENT, "process.args is empty");
    }
    String pathEnv = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (Object o : Json.array(process, "env")) {
      String e = String.valueOf(o);
      if (e.startsWith("PATH=")) {
        pathEnv = e.substring("PATH=".length());
      }
    }
    Path root = isRoot() ? rootDir() : Path.of("/");
    RootfsExecutable.check(
        root, Json.string(process, "cwd", "/"), String.valueOf(args.get(0)), pathEnv);
  }

  /** The argv that runs the program: chroot + user switch as root, then cwd, then args. */
  private List<String> programArgv(Map<String, Object> process) {
    List<String> args = new ArrayList<>();
    for (Object o : Json.array(process, "args")) {
      args.add(String.valueOf(o));
    }
    if (args.isEmpty()) {
      throw new TaskException(TaskException.Code.INVALID_ARGUMENT, "process.args is empty");
    }
    String cwd = Json.string(process, "cwd", "/");
    Path root = rootDir();
    List<String> out = new ArrayList<>();
    boolean chroot = isRoot() && !root.toString().equals("/");
    if (chroot) {
      Map<String, Object> user = Json.object(process, "user");
      out.addAll(List.of(CHROOT, "--userspec=" + Json.number(user, "uid", 0) + ":"
          + Json.number(user, "gid", 0), root.toString()));
    }
    Path shell = chroot ? root.resolve("bin/sh") : Path.of("/bin/sh");
    if (!cwd.equals("/") && Files.isExecutable(shell)) {
      out.addAll(List.of("/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd));
    }
    out.addAll(args);
    return out;
  }

  private Spawned spawn(List<String> argv, Map<String, Object> process, Stdio stdio)
      throws IOException {
    ProcessIo io = ProcessIo.open(stdio, namespace, id);
    Libc.Pty pty = null;
    try {
      Map<String, String> env = new LinkedHashMap<>();
      for (Object o : Json.array(process, "env")) {
        String kv = String.valueOf(o);
        int eq = kv.indexOf('=');
        if (eq > 0) {
          env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
      }
      env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      Path cwd = null;
      if (!isRoot() || rootDir().toString().equals("/")) {
        Path dir = Path.of(Json.string(process, "cwd", "/"));
        if (Files.isDirectory(dir)) {
          cwd = dir;
        }
      }
      Map<Integer, Integer> fds;
      if (stdio.terminal()) {
        pty = Libc.openpty(null);
        fds = Map.of(0, pty.slave(), 1, pty.slave(), 2, pty.slave());
      } else {
        fds = io.childFds();
      }
      int pid = Libc.spawn(argv, env, new Libc.SpawnOptions(cwd, fds, false));
      // Registered at once: an exit before this line is kept by the reaper for a while.
      Reaper.watchChild(pid, exits::exited);
      if (pty != null) {
        Libc.closeQuietly(pty.slave());
        io.attachConsole(pty.master());
        pty = null;
      } else {
        io.start();
      }
      return new Spawned(pid, io);
    } catch (IOException | RuntimeException e) {
      if (pty != null) {
        Libc.closeQuietly(pty.master());
        Libc.closeQuietly(pty.slave());
      }
      io.close();
      throw e;
    }
  }

  @Override
  public void start() throws Exception {
    Path fifo = bundle.resolve("exec.fifo");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try {
        int fd = Libc.open(fifo, Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        Libc.close(fd);
        break;
      } catch (ErrnoException e) {
        // ENXIO: the stub has not opened its end yet.
        if (e.errno() != Errno.ENXIO || System.nanoTime() > deadline
            || !Libc.processExists(initPid)) {
          throw TaskException.unknown("cannot start process: " + e.getMessage());
        }
        Thread.sleep(5);
      }
    }
    Files.deleteIfExists(fifo);
  }

  @Override
  public void kill(int signal, boolean all) throws Exception {
    try {
      Libc.kill(-initPid, signal);
    } catch (ErrnoException e) {
      if (e.errno() == Errno.ESRCH) {
        throw TaskException.notFound("process already finished");
      }
      throw e;
    }
  }

  @Override
  public Spawned exec(String execId, byte[] processJson, Stdio stdio) throws Exception {
    Map<String, Object> process =
        Json.parseObject(new String(processJson, StandardCharsets.UTF_8));
    List<String> argv = new ArrayList<>(List.of(SETSID));
    if (stdio.terminal()) {
      argv.add("--ctty");
    }
    argv.addAll(programArgv(process));
    Spawned s = spawn(argv, process, stdio);
    execPids.add(s.pid());
    return s;
  }

  @Override
  public void killExec(int pid, int signal) throws ErrnoException {
    Libc.kill(pid, signal);
  }

  @Override
  public void pause() throws Exception {
    Libc.kill(-initPid, Libc.SIGSTOP);
  }

  @Override
  public void resume() throws Exception {
    Libc.kill(-initPid, Libc.SIGCONT);
  }

  @Override
  public List<Integer> pids() throws IOException {
    Set<Integer> sessions = new java.util.HashSet<>(execPids);
    sessions.add(initPid);
    List<Integer> out = new ArrayList<>();
    try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path d : dirs) {
        String[] f = statFields(d.resolve("stat"));
        // Fields after the command: state(0) ppid(1) pgrp(2) session(3).
        if (f != null && f.length > 3 && sessions.contains(Integer.parseInt(f[3]))
            && !f[0].equals("Z")) {
          out.add(Integer.parseInt(d.getFileName().toString()));
        }
      }
    }
    out.sort(null);
    return out;
  }

  private static String[] statFields(Path stat) {
    try {
      String s = Files.readString(stat);
      return s.substring(s.lastIndexOf(')') + 2).split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public Stats stats() throws Exception {
    List<Integer> pids = pids();
    long ticks = 0;
    long user = 0;
    long system = 0;
    long rss = 0;
    for (int pid : pids) {
      String[] f = statFields(Path.of("/proc/" + pid + "/stat"));
      if (f == null || f.length < 13) {
        continue;
      }
      // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command.
      user += Long.parseLong(f[11]);
      system += Long.parseLong(f[12]);
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
          if (line.startsWith("VmRSS:")) {
            rss += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | NumberFormatException gone) {
        // The process ended while we looked.
      }
    }
    ticks = user + system;
    long nsPerTick = 10_000_000L;
    Metrics metrics = Metrics.newBuilder()
        .setPids(PidsStat.newBuilder().setCurrent(pids.size()))
        .setCpu(CPUStat.newBuilder().setUsage(CPUUsage.newBuilder()
            .setTotal(ticks * nsPerTick)
            .setKernel(system * nsPerTick)
            .setUser(user * nsPerTick)))
        .setMemory(MemoryStat.newBuilder()
            .setRss(rss)
            .setUsage(MemoryEntry.newBuilder().setUsage(rss)))
        .build();
    return new Stats("io.containerd.cgroups.v1.Metrics", metrics.toByteArray());
  }

  @Override
  public void update(byte[] resourcesJson) {
    throw TaskException.unimplemented("update is not supported by the process backend");
  }

  @Override
  public void checkpoint(String imagePath, byte[] options) {
    throw TaskException.unimplemented("checkpoint is not supported by the process backend");
  }

  @Override
  public void delete() throws Exception {
    Files.deleteIfExists(bundle.resolve("exec.fifo"));
    if (initPid > 0) {
      // A created-but-never-started stub must not outlive the task.
      try {
        Libc.kill(-initPid, Libc.SIGKILL);
      } catch (ErrnoException gone) {
        // Already gone, as expected after an exit.
      }
    }
    if (!rootfs.isEmpty()) {
      Mounts.unmountAll(bundle.resolve("rootfs"));
    }
  }

  @Override
  public boolean oomKilled() {
    return false;
  }

  @Override
  public void initExited() {
    try {
      // Like a pid namespace: nothing of the container outlives its init.
      Libc.kill(-initPid, Libc.SIGKILL);
    } catch (ErrnoException gone) {
      // The group is already empty.
    }
  }

  /** The {@code delete} action: kills what is left of the init's group; returns its pid. */
  public static int cleanup(Path bundle) throws IOException {
    int pid = 0;
    try {
      pid = PidFile.read(bundle.resolve("init.pid"));
      Libc.kill(-pid, Libc.SIGKILL);
    } catch (IOException e) {
      // No init.pid or nothing left to kill.
    }
    Files.deleteIfExists(bundle.resolve("exec.fifo"));
    try {
      Mounts.unmountAll(bundle.resolve("rootfs"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return pid;
  }
}
