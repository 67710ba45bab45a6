package dev.ttrpc.conformance.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.cri.api.CriApi.ContainerFilter;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerState;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStats;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatsFilter;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatsRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatus;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatusResponse;
import dev.ttrpc.conformance.cri.api.CriApi.ExecRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ExecSyncRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ExecSyncResponse;
import dev.ttrpc.conformance.cri.api.CriApi.LinuxContainerResources;
import dev.ttrpc.conformance.cri.api.CriApi.ListContainerStatsRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ListContainersRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ListPodSandboxRequest;
import dev.ttrpc.conformance.cri.api.CriApi.NamespaceMode;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxConfig;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxFilter;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxState;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxStats;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxStatsRequest;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxStatus;
import dev.ttrpc.conformance.cri.api.CriApi.RemoveContainerRequest;
import dev.ttrpc.conformance.cri.api.CriApi.RemovePodSandboxRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ReopenContainerLogRequest;
import dev.ttrpc.conformance.cri.api.CriApi.RunPodSandboxRequest;
import dev.ttrpc.conformance.cri.api.CriApi.StartContainerRequest;
import dev.ttrpc.conformance.cri.api.CriApi.StopContainerRequest;
import dev.ttrpc.conformance.cri.api.CriApi.StopPodSandboxRequest;
import dev.ttrpc.conformance.cri.api.CriApi.UpdateContainerResourcesRequest;
import dev.ttrpc.conformance.cri.api.CriApi.VersionRequest;
import dev.ttrpc.conformance.shim.ChecklistRunner;
import dev.ttrpc.conformance.shim.CriScenarios;
import dev.ttrpc.conformance.shim.Scenario;
import dev.ttrpc.conformance.shim.ScenarioResult;
import dev.ttrpc.conformance.shim.Target;
import dev.ttrpc.conformance.support.Procs;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Kubernetes pod through containerd 1.6's CRI plugin, as the kubelet drives it, once with
 * handler {@code runc} (containerd-shim-runc-v2, the reference) and once with handler
 * {@code minimal} (our containerd-shim-minimal-v2), with the same steps and assertions:
 * sandbox, two containers (one long-running, one that writes to stdout/stderr and exits 3), the
 * CRI log file, ExecSync, streaming Exec with and without a terminal, log reopening, stats,
 * resource updates checked in the cgroup, a containerd restart mid-pod, stop with a timeout,
 * removal, and nothing left behind; plus one daemon per pod and SIGKILL of that daemon.
 *
 * <p>Each step's wall-clock time is printed per handler at the end (docs/benchmarks.md,
 * "CRI pod lifecycle").
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CriPodScenarioTest {

  @RegisterExtension
  static final CriContainerd cri = new CriContainerd();

  private static final StepTimes TIMES = new StepTimes();
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** A runtime handler of the CRI configuration. */
  enum Handler {
    RUNC("runc", "io.containerd.runc.v2", "containerd-shim-runc-v2"),
    MINIMAL("minimal", "io.containerd.minimal.v2", "containerd-shim-minimal-v2");

    final String name;
    final String runtimeType;
    final String shimBinary;

    Handler(String name, String runtimeType, String shimBinary) {
      this.name = name;
      this.runtimeType = runtimeType;
      this.shimBinary = shimBinary;
    }
  }

  /** The pod requests and parsing the shim-conformance CRI scenarios use too. */
  private static CriApiCalls calls() {
    return new CriApiCalls(cri.client(), WAIT);
  }

  @AfterAll
  static void printTimes() {
    System.out.println("CRI pod lifecycle, wall-clock ms per step (load average "
        + loadAverage() + "):\n" + TIMES.table());
  }

  @Order(1)
  @ParameterizedTest(name = "{0}")
  @EnumSource(Handler.class)
  void podLifecycle(Handler handler) throws Exception {
    String h = handler.name;
    assertEquals("v1", cri.runtime().version(VersionRequest.newBuilder().setVersion("v1").build())
        .getRuntimeApiVersion());
    assertTrue(cri.hasImage(CriContainerd.PAUSE_IMAGE) && cri.hasImage(CriContainerd.BUSYBOX_IMAGE),
        "images imported");
    Path logDir = Files.createDirectories(cri.containerd().dir().resolve("pods").resolve(h));
    PodSandboxConfig pod = podConfig("lifecycle-" + h, logDir);

    String sandboxId = TIMES.time(h, "RunPodSandbox", () -> cri.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(h).build())
        .getPodSandboxId());
    PodSandboxStatus sandbox = TIMES.time(h, "PodSandboxStatus", () -> sandboxStatus(sandboxId));
    assertEquals(PodSandboxState.SANDBOX_READY, sandbox.getState());
    assertEquals(h, sandbox.getRuntimeHandler());
    assertEquals(pod.getMetadata().getName(), sandbox.getMetadata().getName());
    assertEquals(NamespaceMode.NODE, sandbox.getLinux().getNamespaces().getOptions().getNetwork());

    String longId = TIMES.time(h, "CreateContainer (long-running)", () -> createContainer(
        sandboxId, pod, "long", List.of("sh", "-c",
            "trap '' TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done")));
    String exitId = TIMES.time(h, "CreateContainer (exits 3)", () -> createContainer(
        sandboxId, pod, "exit3", List.of("sh", "-c",
            "echo out-line; echo err-line >&2; head -c 20000 /dev/zero | tr '\\0' a; echo;"
                + " printf partial-tail; exit 3")));
    TIMES.time(h, "StartContainer (long-running)", () -> cri.runtime().startContainer(
        StartContainerRequest.newBuilder().setContainerId(longId).build()));
    TIMES.time(h, "StartContainer (exits 3)", () -> cri.runtime().startContainer(
        StartContainerRequest.newBuilder().setContainerId(exitId).build()));

    // One shim daemon serves the whole pod: containerd groups by io.kubernetes.cri.sandbox-id.
    long daemon = onlyDaemon(sandboxId);
    String address = Files.readString(cri.bundle(sandboxId).resolve("address")).trim();
    assertEquals(address, Files.readString(cri.bundle(longId).resolve("address")).trim());
    assertEquals(address, Files.readString(cri.bundle(exitId).resolve("address")).trim());
    Path shimSocket = Path.of(address.replaceFirst("^unix://", ""));
    assertTrue(Files.exists(shimSocket), shimSocket + " exists");
    assertRunsThrough(handler, daemon, List.of(sandboxId, longId, exitId));

    ContainerStatus exited = TIMES.time(h, "ContainerStatus until exited",
        () -> awaitContainer(exitId, s -> s.getState() == ContainerState.CONTAINER_EXITED));
    assertEquals(3, exited.getExitCode(), exited.toString());
    assertEquals("Error", exited.getReason());
    // started_at is taken by the CRI plugin when the shim's Start reply arrives, finished_at is
    // the shim's exit time: a container that exits before that reply may finish "before" it
    // started, so only the order against creation is a fact.
    assertTrue(exited.getStartedAt() > exited.getCreatedAt()
        && exited.getFinishedAt() > exited.getCreatedAt(), exited.toString());
    assertEquals(logDir.resolve("exit3.log").toString(), exited.getLogPath());
    ContainerStatusResponse longStatus = containerStatus(longId, true);
    assertEquals(ContainerState.CONTAINER_RUNNING, longStatus.getStatus().getState());
    long longPid = pid(longStatus);
    assertTrue(Procs.alive(longPid), "long-running container's process " + longPid);

    checkExitedContainerLog(logDir.resolve("exit3.log"));

    ExecSyncResponse sync = TIMES.time(h, "ExecSync", () -> cri.runtime().execSync(
        ExecSyncRequest.newBuilder().setContainerId(longId).setTimeout(20)
            .addAllCmd(List.of("sh", "-c", "echo exec-out; echo exec-err >&2; exit 7")).build()));
    assertEquals("exec-out\n", sync.getStdout().toStringUtf8());
    assertEquals("exec-err\n", sync.getStderr().toStringUtf8());
    assertEquals(7, sync.getExitCode());
    StatusRuntimeException timedOut = TIMES.time(h, "ExecSync past its 1 s timeout",
        () -> assertThrows(StatusRuntimeException.class, () -> cri.runtime().execSync(
            ExecSyncRequest.newBuilder().setContainerId(longId).setTimeout(1)
                .addAllCmd(List.of("sleep", "30")).build())));
    assertTrue(timedOut.getStatus().getDescription().contains("timeout 1s exceeded"),
        timedOut.toString());

    // Untimed first: the harness's first websocket pays the JDK HTTP client's class loading.
    execWithoutTerminal(longId);
    TIMES.time(h, "Exec stream (no terminal)", () -> {
      execWithoutTerminal(longId);
      return null;
    });
    TIMES.time(h, "Exec stream (terminal, stdin)", () -> {
      execWithTerminal(longId);
      return null;
    });

    Path longLog = logDir.resolve("long.log");
    Path rotated = logDir.resolve("long.log.1");
    Files.move(longLog, rotated);
    TIMES.time(h, "ReopenContainerLog", () -> cri.runtime().reopenContainerLog(
        ReopenContainerLogRequest.newBuilder().setContainerId(longId).build()));
    awaitTrue(() -> Files.exists(longLog) && parseLogUnchecked(longLog).stream()
        .anyMatch(e -> e.content().startsWith("tick ")), "ticks in the reopened " + longLog);
    assertTrue(parseLog(rotated).stream().anyMatch(e -> e.content().equals("tick 0")),
        "the rotated log kept the first lines");

    checkStats(h, sandboxId, longId, "");

    LinuxContainerResources limits = LinuxContainerResources.newBuilder()
        .setMemoryLimitInBytes(96L << 20).setCpuPeriod(100_000).setCpuQuota(50_000)
        .setCpuShares(512).build();
    TIMES.time(h, "UpdateContainerResources", () -> cri.runtime().updateContainerResources(
        UpdateContainerResourcesRequest.newBuilder().setContainerId(longId).setLinux(limits)
            .build()));
    CgroupFiles cgroup = CgroupFiles.of(longPid);
    assertEquals(96L << 20, cgroup.memoryLimit(), "memory limit in the cgroup of " + longPid);
    assertEquals(50_000, cgroup.cpuQuota(), "CPU quota in the cgroup of " + longPid);
    assertEquals(100_000, cgroup.cpuPeriod(), "CPU period in the cgroup of " + longPid);

    // containerd goes away and comes back: the pod, its daemon and its containers stay.
    TIMES.time(h, "containerd restart (until CRI ready)", () -> {
      cri.restart();
      return null;
    });
    assertEquals(PodSandboxState.SANDBOX_READY, sandboxStatus(sandboxId).getState());
    assertEquals(ContainerState.CONTAINER_RUNNING, containerStatus(longId, false).getStatus()
        .getState());
    ContainerStatus exitedAgain = containerStatus(exitId, false).getStatus();
    assertEquals(ContainerState.CONTAINER_EXITED, exitedAgain.getState());
    assertEquals(3, exitedAgain.getExitCode());
    assertEquals(List.of(daemon), shimDaemons(sandboxId), "the same daemon after the restart");
    ExecSyncResponse afterRestart = TIMES.time(h, "ExecSync after restart",
        () -> cri.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(longId)
            .setTimeout(20).addAllCmd(List.of("echo", "still-here")).build()));
    assertEquals("still-here\n", afterRestart.getStdout().toStringUtf8());
    assertEquals(0, afterRestart.getExitCode());
    execWithoutTerminal(longId);
    checkStats(h, sandboxId, longId, " after restart");

    // The container ignores SIGTERM: StopContainer waits out its timeout, then kills.
    long stopStart = System.nanoTime();
    TIMES.time(h, "StopContainer (2 s timeout, SIGTERM ignored)", () -> cri.runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(longId).setTimeout(2)
            .build()));
    Duration stopTook = Duration.ofNanos(System.nanoTime() - stopStart);
    assertTrue(stopTook.compareTo(Duration.ofSeconds(2)) >= 0, "stop took " + stopTook);
    ContainerStatus stopped = containerStatus(longId, false).getStatus();
    assertEquals(ContainerState.CONTAINER_EXITED, stopped.getState());
    assertEquals(137, stopped.getExitCode(), stopped.toString());
    assertTrue(Procs.awaitGone(longPid, WAIT), "container process " + longPid + " gone");

    TIMES.time(h, "RemoveContainer ×2", () -> {
      cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(longId)
          .build());
      cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(exitId)
          .build());
      return null;
    });
    TIMES.time(h, "StopPodSandbox", () -> cri.runtime().stopPodSandbox(
        StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build()));
    TIMES.time(h, "RemovePodSandbox", () -> cri.runtime().removePodSandbox(
        RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build()));

    assertNothingLeft(pod, sandboxId, List.of(sandboxId, longId, exitId), daemon);
    assertFalse(Files.exists(shimSocket), shimSocket + " removed");
  }

  @Order(2)
  @ParameterizedTest(name = "{0}")
  @EnumSource(Handler.class)
  void killedShimDaemonLeavesPodNotReady(Handler handler) throws Exception {
    String h = handler.name;
    Path logDir = Files.createDirectories(cri.containerd().dir().resolve("pods").resolve("k-" + h));
    PodSandboxConfig pod = podConfig("killed-" + h, logDir);
    String sandboxId = cri.runtime().runPodSandbox(
        RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(h).build())
        .getPodSandboxId();
    String longId = createContainer(sandboxId, pod, "long", List.of("sleep", "3600"));
    cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(longId).build());
    long containerPid = pid(containerStatus(longId, true));
    long daemon = onlyDaemon(sandboxId);
    Path shimSocket = Path.of(Files.readString(cri.bundle(sandboxId).resolve("address")).trim()
        .replaceFirst("^unix://", ""));

    ProcessHandle.of(daemon).orElseThrow().destroyForcibly();
    TIMES.time(h, "SIGKILL of the shim daemon → pod NOTREADY", () -> {
      awaitTrue(() -> sandboxStatus(sandboxId).getState() == PodSandboxState.SANDBOX_NOTREADY,
          "pod NOTREADY after its shim daemon was killed");
      return null;
    });
    ContainerStatus dead = awaitContainer(longId,
        s -> s.getState() == ContainerState.CONTAINER_EXITED);
    assertTrue(dead.getFinishedAt() > 0, dead.toString());
    assertTrue(Procs.awaitGone(containerPid, WAIT), "container process " + containerPid + " gone");

    cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(longId)
        .build());
    cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId)
        .build());
    cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId)
        .build());
    assertNothingLeft(pod, sandboxId, List.of(sandboxId, longId), daemon);
    // Nobody removes a killed daemon's socket file for containerd-shim-runc-v2 (its delete
    // action does not); what matters is that nothing serves it any more.
    assertFalse(connectable(shimSocket), shimSocket + " still served");
    Files.deleteIfExists(shimSocket);
  }

  /**
   * The scenarios of {@code shim-conformance --cri}, run as the tool runs them (same runner, same
   * code), with each handler as the target: all pass, on the reference and on our shim.
   */
  @Order(3)
  @ParameterizedTest(name = "{0}")
  @EnumSource(Handler.class)
  void shimConformanceCriScenariosPass(Handler handler) {
    Target target = Target.full(handler.name, handler.runtimeType, java.util.Map.of());
    ChecklistRunner runner = new ChecklistRunner(cri.containerd());
    long runcCallsBefore = cri.runcCalls().lines().count();
    List<String> failures = new ArrayList<>();
    List<Scenario> scenarios = CriScenarios.scenarios();
    for (Scenario scenario : scenarios) {
      ScenarioResult result = runner.run(scenario, target);
      if (result.status() != ScenarioResult.Status.PASS) {
        failures.add(scenario.name() + ": " + result.status() + " " + result.reason()
            + "\n" + String.join("\n", result.logLines()));
      }
    }
    runner.finishGroup(CriScenarios.GROUP, target);
    assertEquals(List.of(), failures, "CRI scenarios on handler " + handler.name);
    assertTrue(scenarios.size() >= 7, "scenarios: " + scenarios);
    // Our rig only: the handler's options reached its shim, which ran the pod through runc.
    List<String> runcCalls = cri.runcCalls().lines().skip(runcCallsBefore).toList();
    assertTrue(runcCalls.stream().filter(l -> l.contains(" create ")).count() >= 3,
        "sandbox and two containers created through the logging runc: " + runcCalls);
  }

  // ---- steps ----

  private static PodSandboxConfig podConfig(String name, Path logDir) {
    return calls().podConfig(name, logDir, java.util.Map.of());
  }

  private static String createContainer(String sandboxId, PodSandboxConfig pod, String name,
      List<String> command) {
    return calls().createContainer(sandboxId, pod, name, command, java.util.Map.of());
  }

  private static PodSandboxStatus sandboxStatus(String id) {
    return calls().sandboxStatus(id);
  }

  private static ContainerStatusResponse containerStatus(String id, boolean verbose) {
    return calls().containerStatus(id, verbose);
  }

  private static ContainerStatus awaitContainer(String id, Predicate<ContainerStatus> condition) {
    return calls().awaitContainer(id, condition);
  }

  /** The pid of the container's init, from the verbose ContainerStatus info. */
  private static long pid(ContainerStatusResponse status) {
    return CriApiCalls.pid(status);
  }

  /** The shim daemons of this containerd serving group {@code sandboxId} (not start/delete). */
  private static List<Long> shimDaemons(String sandboxId) {
    List<Long> matching = Procs.matching(" -address " + cri.containerd().address() + " ",
        " -id " + sandboxId + " ");
    List<Long> result = new ArrayList<>();
    for (long pid : matching) {
      String cmd = " " + Procs.commandLine(pid) + " ";
      // A child the daemon has forked but not yet exec'd (to run runc) still shows the
      // daemon's command line: it is not a second daemon.
      boolean forkedByDaemon = Procs.parent(pid).stream().anyMatch(matching::contains);
      if (!cmd.contains(" start ") && !cmd.contains(" delete ") && !forkedByDaemon) {
        result.add(pid);
      }
    }
    return result;
  }

  private static long onlyDaemon(String sandboxId) {
    List<Long> daemons = shimDaemons(sandboxId);
    assertEquals(1, daemons.size(), "one shim daemon for the pod: " + daemons);
    return daemons.get(0);
  }

  /**
   * The pod really runs through the handler's shim: containerd recorded the runtime type, the
   * daemon is that shim's binary, and runc ran through the wrapper named in the handler's
   * options (which only that shim read).
   */
  private static void assertRunsThrough(Handler handler, long daemon, List<String> ids) {
    for (String id : ids) {
      var info = cri.containerd().ctr(CriContainerd.NAMESPACE, "containers", "info", id);
      assertEquals(0, info.exitCode(), info.describe());
      assertTrue(info.stdout().contains("\"Name\": \"" + handler.runtimeType + "\""),
          info.stdout());
      assertTrue(cri.runcCalls().lines().anyMatch(l -> l.contains(" create ") && l.endsWith(id)),
          "runc create " + id + " through the wrapper:\n" + cri.runcCalls());
    }
    assertTrue(Procs.commandLine(daemon).contains(handler.shimBinary),
        Procs.commandLine(daemon));
  }

  /** The CRI log of the "exit3" container: format, both streams, a split and a partial line. */
  private static void checkExitedContainerLog(Path log) throws IOException {
    List<CriApiCalls.LogEntry> entries = parseLog(log);
    List<CriApiCalls.LogEntry> out =
        entries.stream().filter(e -> e.stream().equals("stdout")).toList();
    List<CriApiCalls.LogEntry> err =
        entries.stream().filter(e -> e.stream().equals("stderr")).toList();
    assertEquals(List.of("F out-line", "P " + "a".repeat(16384), "F " + "a".repeat(20000 - 16384),
        "P partial-tail"), out.stream().map(e -> e.tag() + " " + e.content()).toList(),
        "stdout entries of " + log);
    assertEquals(List.of("F err-line"), err.stream().map(e -> e.tag() + " " + e.content())
        .toList(), "stderr entries of " + log);
  }

  private static List<CriApiCalls.LogEntry> parseLogUnchecked(Path log) {
    try {
      return parseLog(log);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<CriApiCalls.LogEntry> parseLog(Path log) throws IOException {
    return CriApiCalls.parseLog(log);
  }

  private static void execWithoutTerminal(String containerId) throws Exception {
    String url = cri.runtime().exec(ExecRequest.newBuilder().setContainerId(containerId)
        .addAllCmd(List.of("sh", "-c", "echo stream-out; echo stream-err >&2; exit 3"))
        .setStdout(true).setStderr(true).build()).getUrl();
    try (ExecStream exec = ExecStream.open(url, WAIT)) {
      exec.awaitEnd(WAIT);
      assertEquals("stream-out\n", exec.stdout());
      assertEquals("stream-err\n", exec.stderr());
      assertEquals(3, exec.exitCode(), exec.status());
    }
  }

  /**
   * A terminal exec as {@code kubectl exec -it} does it: stdin attached (without it the
   * terminal's output never arrives), a resize, then commands typed on stdin.
   */
  private static void execWithTerminal(String containerId) throws Exception {
    String url = cri.runtime().exec(ExecRequest.newBuilder().setContainerId(containerId)
        .addAllCmd(List.of("sh")).setTty(true).setStdin(true).setStdout(true).build()).getUrl();
    try (ExecStream exec = ExecStream.open(url, WAIT)) {
      exec.resize(101, 31);
      exec.sendStdin("for i in $(seq 50); do [ \"$(stty size)\" = '31 101' ] && break;"
          + " sleep 0.1; done; echo \"size=$(stty size) tty=$(tty) n=$((6*7))\"; exit 4\n");
      exec.awaitEnd(WAIT);
      assertTrue(exec.stdout().contains("size=31 101 tty=/dev/pts/"), exec.stdout());
      assertTrue(exec.stdout().contains("n=42"), exec.stdout());
      assertEquals("", exec.stderr(), "a terminal has no separate stderr");
      assertEquals(4, exec.exitCode(), exec.status());
    }
  }

  private static void checkStats(String h, String sandboxId, String longId, String when)
      throws Exception {
    PodSandboxStats podStats = TIMES.time(h, "PodSandboxStats" + when,
        () -> cri.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder()
            .setPodSandboxId(sandboxId).build()).getStats());
    assertEquals(sandboxId, podStats.getAttributes().getId());
    assertTrue(podStats.getLinux().getCpu().getUsageCoreNanoSeconds().getValue() > 0,
        podStats.toString());
    assertTrue(podStats.getLinux().getMemory().getWorkingSetBytes().getValue() > 0,
        podStats.toString());
    assertTrue(podStats.getLinux().getContainersList().stream()
        .anyMatch(c -> c.getAttributes().getId().equals(longId)), podStats.toString());

    ContainerStats stats = TIMES.time(h, "ContainerStats" + when,
        () -> cri.runtime().containerStats(ContainerStatsRequest.newBuilder()
            .setContainerId(longId).build()).getStats());
    assertEquals(longId, stats.getAttributes().getId());
    assertEquals("long", stats.getAttributes().getMetadata().getName());
    assertTrue(stats.getCpu().getUsageCoreNanoSeconds().getValue() > 0, stats.toString());
    assertTrue(stats.getMemory().getWorkingSetBytes().getValue() > 0, stats.toString());

    List<ContainerStats> listed = TIMES.time(h, "ListContainerStats" + when,
        () -> cri.runtime().listContainerStats(ListContainerStatsRequest.newBuilder()
            .setFilter(ContainerStatsFilter.newBuilder().setPodSandboxId(sandboxId)).build())
            .getStatsList());
    assertTrue(listed.stream().anyMatch(s -> s.getAttributes().getId().equals(longId)
        && s.getCpu().getUsageCoreNanoSeconds().getValue() > 0), listed.toString());
  }

  /** The pod is gone from the CRI, containerd and the host. */
  private static void assertNothingLeft(PodSandboxConfig pod, String sandboxId, List<String> ids,
      long daemon) {
    assertEquals(List.of(), cri.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder()
        .setFilter(PodSandboxFilter.newBuilder().setId(sandboxId)).build()).getItemsList());
    assertEquals(List.of(), cri.runtime().listContainers(ListContainersRequest.newBuilder()
        .setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId)).build())
        .getContainersList());
    assertTrue(Procs.awaitGone(daemon, WAIT), "shim daemon " + daemon + " gone");
    assertEquals(List.of(), shimDaemons(sandboxId));
    for (String id : ids) {
      awaitTrue(() -> !Files.exists(cri.bundle(id)), "bundle of " + id + " removed");
    }
    CgroupFiles.removePodCgroup(pod.getLinux().getCgroupParent());
  }

  private static boolean connectable(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (var channel = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      return channel.connect(java.net.UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return false;
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
    calls().awaitTrue(condition, what);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
