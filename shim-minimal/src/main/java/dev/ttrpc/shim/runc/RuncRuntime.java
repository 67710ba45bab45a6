package dev.ttrpc.shim.runc;

import dev.ttrpc.proto.containerd.runc.v1.CheckpointOptions;
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
import dev.ttrpc.shim.task.Container;
import dev.ttrpc.shim.task.Mounts;
import dev.ttrpc.shim.task.TaskEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runc backend for one container: drives the runc binary as containerd's runc shim does
 * (create with a pid file and, for terminals, a console socket; start; kill [--all]; exec
 * --detach; ps; pause/resume; update; checkpoint; delete) and reaps what runc leaves behind
 * through {@link Reaper}. Statistics and OOM detection read the init's cgroup (v1 or v2).
 *
 * <p>Calls are serialised by {@link Container}; the exit callbacks run on reaper threads.
 */
public final class RuncRuntime implements ContainerRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(RuncRuntime.class);

  private final String namespace;
  private final String id;
  private final Path bundle;
  private final Runc runc;
  private final RuncOptions options;
  private final ExitListener exits;
  private final boolean ownPidNamespace;
  private final List<TaskEvent.Mount> rootfs;
  private volatile Cgroups cgroup;
  private final AtomicLong oomKills = new AtomicLong();

  public RuncRuntime(
      String namespace,
      String id,
      Path bundle,
      RuncOptions options,
      List<TaskEvent.Mount> rootfs,
      Map<String, Object> spec,
      ExitListener exits) {
    this.namespace = namespace;
    this.id = id;
    this.bundle = bundle;
    this.options = options;
    this.rootfs = List.copyOf(rootfs);
    this.exits = exits;
    this.runc = runcFor(namespace, bundle, options);
    this.ownPidNamespace =
        Json.array(Json.object(spec, "linux"), "namespaces").stream()
            .anyMatch(n -> n instanceof Map<?, ?> m && "pid".equals(m.get("type"))
                && m.get("path") == null);
  }

  /** The runc invocation for a namespace and bundle, honouring binary_name/root options. */
  public static Runc runcFor(String namespace, Path bundle, RuncOptions options) {
    String binary = options.binaryName().isEmpty() ? "runc" : options.binaryName();
    Path root =
        Path.of(options.root().isEmpty() ? "/run/containerd/runc" : options.root())
            .resolve(namespace);
    return new Runc(
        binary, root, bundle.resolve("log.json"), options.systemdCgroup(), options.criuPath());
  }

  @Override
  public Spawned create(Stdio stdio) throws Exception {
    if (!rootfs.isEmpty()) {
      Mounts.mountAll(rootfs, bundle.resolve("rootfs"));
    }
    ProcessIo io = null;
    ConsoleSocket console = null;
    boolean created = false;
    Path pidFile = bundle.resolve("init.pid");
    try {
      io = ProcessIo.open(stdio, namespace, id);
      console = stdio.terminal() ? ConsoleSocket.create() : null;
      List<String> args = new ArrayList<>(List.of("create", "--bundle", bundle.toString(),
          "--pid-file", pidFile.toString()));
      if (console != null) {
        args.add("--console-socket");
        args.add(console.path().toString());
      }
      if (options.noPivotRoot()) {
        args.add("--no-pivot");
      }
      if (options.noNewKeyring()) {
        args.add("--no-new-keyring");
      }
      args.add(id);
      int rc = runc.runWithIo(args, io, null);
      if (rc != 0) {
        throw runc.runtimeError("OCI runtime create failed", rc);
      }
      created = true;
      io.start();
      if (console != null) {
        io.attachConsole(console.receiveMaster());
      }
      int pid = PidFile.read(pidFile);
      cgroup = Cgroups.of(pid);
      oomKills.set(cgroup == null ? 0 : cgroup.oomKillCount());
      Reaper.watchChild(pid, exits::exited);
      return new Spawned(pid, io);
    } catch (Exception e) {
      if (io != null) {
        io.close();
      }
      if (created) {
        // runc created a container whose init now runs on the rootfs: remove it first, or the
        // unmount below would pull the filesystem from under a live container.
        try {
          Runc.Result r = runc.run(List.of("delete", "--force", id), null);
          if (r.exitStatus() != 0) {
            LOG.warn("removing {} after a failed create: {}", id, r.output().trim());
          }
        } catch (IOException | InterruptedException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      if (!rootfs.isEmpty()) {
        try {
          Mounts.unmountAll(bundle.resolve("rootfs"));
        } catch (IOException | InterruptedException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    } finally {
      if (console != null) {
        console.close();
      }
    }
  }

  @Override
  public void start() throws Exception {
    int rc = runc.runWithIo(List.of("start", id), null, null);
    if (rc != 0) {
      throw runc.runtimeError("OCI runtime start failed", rc);
    }
  }

  @Override
  public void kill(int signal, boolean all) throws Exception {
    List<String> args = new ArrayList<>(List.of("kill"));
    if (all) {
      args.add("--all");
    }
    args.add(id);
    args.add(Integer.toString(signal));
    int rc = runc.runWithIo(args, null, null);
    if (rc != 0) {
      String msg = runc.lastLoggedError();
      if (msg != null && (msg.contains("not running") || msg.contains("does not exist"))) {
        throw TaskException.notFound("process already finished");
      }
      throw runc.runtimeError("OCI runtime kill failed", rc);
    }
  }

  @Override
  public Spawned exec(String execId, byte[] processJson, Stdio stdio) throws Exception {
    Path processFile = Files.createTempFile(bundle, ".exec-" + execId, ".json");
    Files.write(processFile, processJson);
    Path pidFile = bundle.resolve(execId + ".pid");
    ProcessIo io = ProcessIo.open(stdio, namespace, id);
    ConsoleSocket console = stdio.terminal() ? ConsoleSocket.create() : null;
    try {
      List<String> args = new ArrayList<>(List.of("exec", "--process", processFile.toString(),
          "--detach", "--pid-file", pidFile.toString()));
      if (console != null) {
        args.add("--console-socket");
        args.add(console.path().toString());
      }
      args.add(id);
      int rc = runc.runWithIo(args, io, null);
      if (rc != 0) {
        throw runc.runtimeError("OCI runtime exec failed", rc);
      }
      io.start();
      if (console != null) {
        io.attachConsole(console.receiveMaster());
      }
      int pid = PidFile.read(pidFile);
      Reaper.watchChild(pid, exits::exited);
      return new Spawned(pid, io);
    } catch (Exception e) {
      io.close();
      throw e;
    } finally {
      Files.deleteIfExists(processFile);
      if (console != null) {
        console.close();
      }
    }
  }

  @Override
  public void killExec(int pid, int signal) throws ErrnoException {
    Libc.kill(pid, signal);
  }

  @Override
  public void pause() throws Exception {
    runc.runOrError(List.of("pause", id), null);
  }

  @Override
  public void resume() throws Exception {
    runc.runOrError(List.of("resume", id), null);
  }

  @Override
  public List<Integer> pids() throws Exception {
    String out = runc.runOrError(List.of("ps", "--format", "json", id), null);
    List<Integer> pids = new ArrayList<>();
    Object parsed = Json.parse(out.trim().isEmpty() ? "[]" : out.trim());
    if (parsed instanceof List<?> l) {
      for (Object o : l) {
        if (o instanceof Number n) {
          pids.add(n.intValue());
        }
      }
    }
    return pids;
  }

  @Override
  public Stats stats() throws Exception {
    Cgroups cg = cgroup;
    if (cg == null) {
      throw TaskException.notFound("cgroup does not exist");
    }
    return cg.metrics();
  }

  @Override
  public void update(byte[] resourcesJson) throws Exception {
    runc.runOrError(List.of("update", "--resources", "-", id), resourcesJson);
  }

  @Override
  public void checkpoint(String imagePath, byte[] optionsValue) throws Exception {
    CheckpointOptions o = optionsValue == null
        ? CheckpointOptions.getDefaultInstance()
        : CheckpointOptions.parseFrom(optionsValue);
    String image = !imagePath.isEmpty() ? imagePath : o.getImagePath();
    String work =
        !o.getWorkPath().isEmpty() ? o.getWorkPath() : bundle.resolve("criu-work").toString();
    List<String> args = new ArrayList<>(List.of("checkpoint", "--image-path", image,
        "--work-path", work));
    if (!o.getExit()) {
      args.add("--leave-running");
    }
    if (o.getOpenTcp()) {
      args.add("--tcp-established");
    }
    if (o.getExternalUnixSockets()) {
      args.add("--ext-unix-sk");
    }
    if (o.getTerminal()) {
      args.add("--shell-job");
    }
    if (o.getFileLocks()) {
      args.add("--file-locks");
    }
    for (String ns : o.getEmptyNamespacesList()) {
      args.add("--empty-ns");
      args.add(ns);
    }
    args.add(id);
    runc.runOrError(args, null);
  }

  @Override
  public void delete() throws Exception {
    Runc.Result r = runc.run(List.of("delete", id), null);
    if (r.exitStatus() != 0) {
      String msg = runc.lastLoggedError();
      boolean gone = (msg != null && msg.contains("does not exist"))
          || r.output().contains("does not exist");
      if (!gone) {
        // A leftover must not keep the task alive: force it.
        runc.run(List.of("delete", "--force", id), null);
      }
    }
    if (!rootfs.isEmpty()) {
      Mounts.unmountAll(bundle.resolve("rootfs"));
    }
  }

  @Override
  public boolean oomKilled() {
    Cgroups cg = cgroup;
    if (cg == null) {
      return false;
    }
    long now = cg.oomKillCount();
    return now > oomKills.getAndSet(now);
  }

  @Override
  public void initExited() {
    if (!ownPidNamespace) {
      // Without a private pid namespace nothing kills the rest of the container with its init.
      try {
        runc.run(List.of("kill", "--all", id, Integer.toString(Libc.SIGKILL)), null);
      } catch (IOException | InterruptedException e) {
        LOG.warn("killing the rest of {}", id, e);
      }
    }
  }

  /**
   * The {@code delete} action for a runc container: force-deletes it and returns the init pid
   * (from init.pid, 0 if absent).
   */
  public static int cleanup(String namespace, Path bundle, String id, RuncOptions options)
      throws IOException, InterruptedException {
    Runc runc = runcFor(namespace, bundle, options);
    runc.run(List.of("delete", "--force", id), null);
    Mounts.unmountAll(bundle.resolve("rootfs"));
    int pid = 0;
    try {
      pid = PidFile.read(bundle.resolve("init.pid"));
    } catch (IOException e) {
      // No init.pid: the container was never created.
    }
    return pid;
  }

  /** A temporary socket runc sends a console's pty master to. */
  static final class ConsoleSocket implements AutoCloseable {
    private final Path dir;
    private final Path path;
    private final int fd;

    private ConsoleSocket(Path dir, Path path, int fd) {
      this.dir = dir;
      this.path = path;
      this.fd = fd;
    }

    static ConsoleSocket create() throws IOException {
      String base = System.getenv().getOrDefault("XDG_RUNTIME_DIR", System.getProperty(
          "java.io.tmpdir"));
      Path dir = Files.createTempDirectory(Path.of(base), "pty");
      Path path = dir.resolve("pty.sock");
      int fd = Libc.unixListen(path, 1);
      Libc.setNonBlocking(fd, true);
      return new ConsoleSocket(dir, path, fd);
    }

    Path path() {
      return path;
    }

    /** The master runc sent (runc has exited, so the connection is queued or absent). */
    int receiveMaster() throws IOException {
      int conn;
      try {
        conn = Libc.accept(fd);
      } catch (ErrnoException e) {
        if (e.errno() == Errno.EAGAIN) {
          throw new IOException("runc did not send a console");
        }
        throw e;
      }
      try {
        Libc.setNonBlocking(conn, false);
        int master = Libc.receiveFd(conn);
        if (master < 0) {
          throw new IOException("runc sent no console descriptor");
        }
        return master;
      } finally {
        Libc.closeQuietly(conn);
      }
    }

    @Override
    public void close() throws IOException {
      Libc.closeQuietly(fd);
      try (var s = Files.walk(dir)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
