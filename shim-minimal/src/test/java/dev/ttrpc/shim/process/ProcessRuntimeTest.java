package dev.ttrpc.shim.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.proto.io.containerd.cgroups.v1.Metrics;
import dev.ttrpc.shim.Json;
import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.backend.ContainerRuntime;
import dev.ttrpc.shim.io.Stdio;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process backend with real processes (on the host filesystem: root.path is "/"). */
class ProcessRuntimeTest {
  @TempDir Path bundle;

  private final CompletableFuture<int[]> exit = new CompletableFuture<>();

  private ProcessRuntime runtime(String script) {
    Map<String, Object> spec =
        Json.parseObject(
            "{\"root\":{\"path\":\"/\"},\"process\":{\"cwd\":\"" + bundle + "\","
                + "\"env\":[\"PATH=/usr/bin:/bin\",\"GREETING=hi\"],"
                + "\"args\":[\"/bin/sh\",\"-c\"," + Json.write(script) + "]}}");
    return new ProcessRuntime(
        "ns", "c1", bundle, spec, List.of(), (pid, status) -> exit.complete(new int[] {pid,
            status}));
  }

  @Test
  void createFailsWhenTheProgramIsMissingAndStartsNothing() throws Exception {
    Map<String, Object> spec =
        Json.parseObject(
            "{\"root\":{\"path\":\"/\"},\"process\":{\"cwd\":\"/\","
                + "\"env\":[\"PATH=/usr/bin:/bin\"],\"args\":[\"/nonexistent/ttrpc-prog\"]}}");
    ProcessRuntime rt =
        new ProcessRuntime("ns", "c1", bundle, spec, List.of(), (pid, status) -> {});
    TaskException e =
        assertThrows(TaskException.class, () -> rt.create(new Stdio("", "", "", false)));
    assertEquals(TaskException.Code.UNKNOWN, e.code());
    assertTrue(e.getMessage().contains("no such file or directory"), e.getMessage());
    assertTrue(Files.notExists(bundle.resolve("init.pid")), "no process may be left");
  }

  @Test
  void createParksTheProcessAndStartRunsItWithTheSamePid() throws Exception {
    Path out = bundle.resolve("out.log");
    ProcessRuntime rt = runtime("echo \"$GREETING from $(pwd)\"; echo err >&2; exit 3");
    ContainerRuntime.Spawned s = rt.create(new Stdio("", "file://" + out, "file://" + out, false));
    assertEquals(Integer.toString(s.pid()), Files.readString(bundle.resolve("init.pid")));
    Thread.sleep(200);
    assertTrue(!exit.isDone(), "the program waits for Start");
    assertEquals(0, Files.size(out));
    rt.start();
    int[] e = exit.get(10, TimeUnit.SECONDS);
    assertEquals(s.pid(), e[0]);
    assertEquals(3, e[1]);
    s.io().awaitDrained(java.time.Duration.ofSeconds(5));
    String text = Files.readString(out);
    assertTrue(text.contains("hi from " + bundle), text);
    assertTrue(text.contains("err"), text);
    s.io().close();
    rt.delete();
  }

  @Test
  void killSignalsTheGroupAndPidsListsIt() throws Exception {
    ProcessRuntime rt = runtime("sleep 60 & wait");
    ContainerRuntime.Spawned s = rt.create(new Stdio("", "", "", false));
    rt.start();
    List<Integer> pids = List.of();
    for (int i = 0; i < 100 && pids.size() < 2; i++) {
      Thread.sleep(20);
      pids = rt.pids();
    }
    assertTrue(pids.contains(s.pid()) && pids.size() >= 2, pids.toString());
    ContainerRuntime.Stats stats = rt.stats();
    Metrics m = Metrics.parseFrom(stats.value());
    assertEquals(pids.size(), m.getPids().getCurrent(), m.toString());
    assertTrue(m.getMemory().getRss() > 0, m.toString());
    assertEquals(m.getMemory().getRss(), m.getMemory().getUsage().getUsage(), m.toString());
    assertEquals(m.getCpu().getUsage().getTotal(),
        m.getCpu().getUsage().getKernel() + m.getCpu().getUsage().getUser(), m.toString());
    rt.pause();
    String state = stateOf(s.pid());
    for (int i = 0; i < 100 && !state.equals("T"); i++) {
      Thread.sleep(10);
      state = stateOf(s.pid());
    }
    assertEquals("T", state, "stopped by SIGSTOP");
    rt.resume();
    rt.kill(15, false);
    assertEquals(143, exit.get(10, TimeUnit.SECONDS)[1]);
    rt.initExited();
    for (int i = 0; i < 200 && dev.ttrpc.shim.sys.Libc.processExists(-s.pid()); i++) {
      Thread.sleep(10); // the group's last members are being killed and reaped
    }
    TaskException e = assertThrows(TaskException.class, () -> rt.kill(15, false));
    assertEquals(TaskException.Code.NOT_FOUND, e.code());
    assertEquals("io.containerd.cgroups.v1.Metrics", rt.stats().typeUrl());
  }

  @Test
  void updateAndCheckpointAreUnimplemented() {
    ProcessRuntime rt = runtime("true");
    assertEquals(TaskException.Code.UNIMPLEMENTED,
        assertThrows(TaskException.class, () -> rt.update(new byte[0])).code());
    assertEquals(TaskException.Code.UNIMPLEMENTED,
        assertThrows(TaskException.class, () -> rt.checkpoint("/x", null)).code());
  }

  private static String stateOf(int pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
  }
}
