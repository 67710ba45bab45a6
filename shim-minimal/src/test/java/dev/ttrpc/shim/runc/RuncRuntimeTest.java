package dev.ttrpc.shim.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.proto.io.containerd.cgroups.v1.Metrics;
import dev.ttrpc.shim.Json;
import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.backend.ContainerRuntime;
import dev.ttrpc.shim.io.Stdio;
import dev.ttrpc.shim.sys.Libc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runc backend against the real runc with a busybox rootfs (root, runc and busybox needed). */
class RuncRuntimeTest {
  @TempDir Path dir;

  private final String namespace = "shim-minimal-test-" + ProcessHandle.current().pid();
  private final Map<Integer, CompletableFuture<Integer>> exits = new ConcurrentHashMap<>();
  private Path bundle;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "runc needs root");
    assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox builds the rootfs");
    assumeTrue(new ProcessBuilder("runc", "--version").start().waitFor() == 0, "runc on PATH");
    Libc.setChildSubreaper(true);
    bundle = Files.createDirectories(dir.resolve("bundle"));
    Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
    for (String d : List.of("bin", "proc", "dev", "sys", "tmp", "etc")) {
      Files.createDirectories(rootfs.resolve(d));
    }
    Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
    assertEquals(0, new ProcessBuilder("chroot", rootfs.toString(), "/bin/busybox", "--install",
        "-s", "/bin").inheritIO().start().waitFor());
  }

  @org.junit.jupiter.api.AfterEach
  void removeRuncRoot() throws Exception {
    Files.deleteIfExists(Path.of("/run/containerd/runc", namespace));
  }

  private Map<String, Object> spec(String script) throws Exception {
    assertEquals(0, new ProcessBuilder("runc", "spec", "-b", bundle.toString()).start().waitFor());
    Map<String, Object> spec =
        Json.parseObject(Files.readString(bundle.resolve("config.json"), StandardCharsets.UTF_8));
    @SuppressWarnings("unchecked")
    Map<String, Object> process = (Map<String, Object>) spec.get("process");
    process.put("terminal", false);
    process.put("args", List.of("/bin/sh", "-c", script));
    @SuppressWarnings("unchecked")
    Map<String, Object> root = (Map<String, Object>) spec.get("root");
    root.put("path", bundle.resolve("rootfs").toString());
    root.put("readonly", false);
    Files.writeString(bundle.resolve("config.json"), Json.write(spec));
    return spec;
  }

  private RuncRuntime runtime(String id, Map<String, Object> spec) {
    return new RuncRuntime(
        namespace, id, bundle, RuncOptions.DEFAULT, List.of(), spec,
        (pid, status) -> exits.computeIfAbsent(pid, p -> new CompletableFuture<>())
            .complete(status));
  }

  private int exitOf(int pid) throws Exception {
    return exits.computeIfAbsent(pid, p -> new CompletableFuture<>()).get(20, TimeUnit.SECONDS);
  }

  @Test
  void lifecycleExecStatsPauseKillDelete() throws Exception {
    Path out = dir.resolve("out.log");
    String id = "rt1";
    RuncRuntime rt = runtime(id, spec("echo from-runc; sleep 30"));
    ContainerRuntime.Spawned init =
        rt.create(new Stdio("", "file://" + out, "file://" + out, false));
    try {
      assertTrue(init.pid() > 0);
      rt.start();
      List<Integer> pids = rt.pids();
      assertTrue(pids.contains(init.pid()), pids.toString());

      ContainerRuntime.Stats stats = rt.stats();
      assertEquals("io.containerd.cgroups.v1.Metrics", stats.typeUrl());
      Metrics m = Metrics.parseFrom(stats.value());
      assertTrue(m.getPids().getCurrent() >= 1, m.toString());
      assertTrue(m.getMemory().getUsage().getUsage() > 0, m.toString());

      byte[] process =
          "{\"args\":[\"/bin/sh\",\"-c\",\"exit 5\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0}}"
              .getBytes(StandardCharsets.UTF_8);
      ContainerRuntime.Spawned exec = rt.exec("e1", process, new Stdio("", "", "", false));
      assertEquals(5, exitOf(exec.pid()));

      rt.pause();
      rt.resume();
      rt.kill(Libc.SIGKILL, false);
      assertEquals(137, exitOf(init.pid()));
      init.io().awaitDrained(Duration.ofSeconds(5));
      assertTrue(Files.readString(out).contains("from-runc"));
    } finally {
      rt.delete();
      init.io().close();
    }
    assertFalse(Files.exists(Path.of("/run/containerd/runc", namespace, id)));
  }

  @Test
  void createFailureCarriesRuncsMessage() throws Exception {
    Map<String, Object> spec = spec("true");
    @SuppressWarnings("unchecked")
    Map<String, Object> process = (Map<String, Object>) spec.get("process");
    process.put("args", List.of("/usr/bin/wc"));
    Files.writeString(bundle.resolve("config.json"), Json.write(spec));
    RuncRuntime rt = runtime("rt2", spec);
    TaskException e =
        assertThrows(TaskException.class, () -> rt.create(new Stdio("", "", "", false)));
    assertTrue(
        e.getMessage().startsWith("OCI runtime create failed: runc create failed: "),
        e.getMessage());
    assertTrue(e.getMessage().contains("/usr/bin/wc"), e.getMessage());
    rt.delete();
  }

  @Test
  void aCreateThatFailsAfterRuncCreateDeletesTheContainerBeforeUnmounting() throws Exception {
    Map<String, Object> spec = spec("sleep 30");
    String id = "rt3";
    Path rootfs = bundle.resolve("rootfs");
    Path calls = dir.resolve("calls.log");
    // A runc that succeeds at create but loses the pid file, so the step after it fails; at
    // delete it records whether the rootfs is still mounted.
    Path wrapper = dir.resolve("runc-wrapper");
    Files.writeString(wrapper, String.join("\n",
        "#!/bin/sh",
        "for a in \"$@\"; do case $a in create|delete) cmd=$a;; esac; done",
        "if [ \"$cmd\" = delete ]; then",
        "  m=$(grep -c ' " + rootfs + " ' /proc/self/mountinfo)",
        "  echo \"delete $* mounted=$m\" >> " + calls,
        "fi",
        "runc \"$@\"; rc=$?",
        "if [ \"$cmd\" = create ]; then rm -f " + bundle.resolve("init.pid") + "; fi",
        "exit $rc", ""));
    Files.setPosixFilePermissions(wrapper,
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    RuncOptions options = new RuncOptions(false, false, wrapper.toString(), "", "", false);
    RuncRuntime rt = new RuncRuntime(namespace, id, bundle, options,
        List.of(new dev.ttrpc.shim.task.TaskEvent.Mount("bind", rootfs.toString(), "",
            List.of("rbind"))),
        spec, (pid, status) -> {});
    try {
      assertThrows(Exception.class, () -> rt.create(new Stdio("", "", "", false)));
      Process state = new ProcessBuilder("runc", "--root", "/run/containerd/runc/" + namespace,
          "state", id).redirectErrorStream(true).start();
      String out = new String(state.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(state.waitFor() != 0, "the container must be gone: " + out);
      assertFalse(dev.ttrpc.shim.task.Mounts.isMountPoint(rootfs), "rootfs unmounted");
      String log = Files.exists(calls) ? Files.readString(calls) : "";
      assertTrue(log.contains("delete --force " + id) && log.contains("mounted=1"),
          "runc delete --force ran while the rootfs was still mounted: " + log);
    } finally {
      new ProcessBuilder("runc", "--root", "/run/containerd/runc/" + namespace, "delete",
          "--force", id).start().waitFor();
      dev.ttrpc.shim.task.Mounts.unmountAll(rootfs);
    }
  }
}
