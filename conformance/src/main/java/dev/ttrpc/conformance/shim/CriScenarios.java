package dev.ttrpc.conformance.shim;

import dev.ttrpc.conformance.cri.CgroupFiles;
import dev.ttrpc.conformance.cri.CriApiCalls;
import dev.ttrpc.conformance.cri.CriClient;
import dev.ttrpc.conformance.cri.ExecStream;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerFilter;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerState;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatus;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatusResponse;
import dev.ttrpc.conformance.cri.api.CriApi.ExecRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ExecSyncRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ExecSyncResponse;
import dev.ttrpc.conformance.cri.api.CriApi.ListContainersRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ListPodSandboxRequest;
import dev.ttrpc.conformance.cri.api.CriApi.NamespaceMode;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxConfig;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxFilter;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxState;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxStatus;
import dev.ttrpc.conformance.cri.api.CriApi.RemoveContainerRequest;
import dev.ttrpc.conformance.cri.api.CriApi.RemovePodSandboxRequest;
import dev.ttrpc.conformance.cri.api.CriApi.RunPodSandboxRequest;
import dev.ttrpc.conformance.cri.api.CriApi.StartContainerRequest;
import dev.ttrpc.conformance.cri.api.CriApi.StopContainerRequest;
import dev.ttrpc.conformance.cri.api.CriApi.StopPodSandboxRequest;
import dev.ttrpc.conformance.support.Procs;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The CRI pod scenarios ({@code shim-conformance --cri}): one Kubernetes pod driven through
 * containerd's CRI plugin as the kubelet drives it, with the target's label as runtime handler
 * (the tool configures one handler per target). A host-network sandbox, a long-running container
 * that ignores SIGTERM and one that writes to stdout/stderr and exits 3, ExecSync (and its
 * timeout), streaming Exec with and without a terminal, StopContainer waiting out its timeout,
 * removal, and nothing left behind. A target without {@link Feature#ISOLATION} is not asked for
 * the terminal's name.
 *
 * <p>Per target and run; its scenarios run one after the other.
 */
public final class CriScenarios implements ScenarioGroup {

  /** The group's name. */
  public static final String GROUP = "cri";

  /** How long a state change observed through the CRI may take. */
  static final Duration WAIT = Duration.ofSeconds(30);

  private final ShimCtr c;
  private final Target target;
  private CriClient cri;
  private CriApiCalls calls;
  private final String podName;
  private final Path logDir;
  private PodSandboxConfig pod;
  private String sandboxId;
  private String longId;
  private String exitId;
  private long longPid;

  CriScenarios(ShimCtr c) {
    this.c = c;
    this.target = c.target();
    this.podName = "cri-" + target.label() + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.logDir = c.containerd().dir().resolve("pods").resolve(podName);
  }

  /** The group's scenarios in order. */
  public static List<Scenario> scenarios() {
    return new Scenario.GroupBuilder<>(GROUP, CriScenarios::new)
        .add("cri01-run-pod-sandbox", "RunPodSandbox (host network): READY, the target's handler",
            Set.of(), List.of(),
            reported(CriScenarios::runPodSandbox))
        .add("cri02-create-start", "CreateContainer/StartContainer x2: one RUNNING, one exits 3",
            Set.of(), List.of("cri01-run-pod-sandbox"),
            reported(CriScenarios::createAndStart))
        .add("cri03-container-exit", "ContainerStatus: EXITED, exit code 3, reason Error, CRI log",
            Set.of(), List.of("cri02-create-start"),
            reported(CriScenarios::containerExit))
        .add("cri04-exec-sync", "ExecSync: stdout, stderr, exit 7; a 1 s timeout is reported",
            Set.of(), List.of("cri02-create-start"),
            reported(CriScenarios::execSync))
        .add("cri05-exec-stream", "Exec streaming (websocket): without a terminal, with one",
            Set.of(), List.of("cri02-create-start"),
            reported(CriScenarios::execStream))
        .add("cri06-stop-timeout", "StopContainer, SIGTERM ignored: waits 2 s, exit 137",
            Set.of(), List.of("cri02-create-start"),
            reported(CriScenarios::stopWithTimeout))
        .add("cri07-remove-pod", "RemoveContainer, StopPodSandbox, RemovePodSandbox: nothing left",
            Set.of(), List.of("cri06-stop-timeout"),
            reported(CriScenarios::removePod))
        .build();
  }

  /**
   * {@code step} with a failed CRI call reported in one line (the call, gRPC's code and
   * containerd's message) instead of a stack trace.
   */
  private static Scenario.Step<CriScenarios> reported(Scenario.Step<CriScenarios> step) {
    return group -> {
      try {
        step.run(group);
      } catch (StatusRuntimeException e) {
        String call = java.util.Arrays.stream(e.getStackTrace())
            .filter(f -> f.getClassName().endsWith("BlockingStub")).findFirst()
            .map(f -> f.getMethodName()).orElse("a CRI call");
        AssertionError failure = new AssertionError("CRI " + call + " failed: "
            + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        failure.initCause(e);
        throw failure;
      }
    };
  }

  /** Fails unless the earlier step that makes {@code value} passed. */
  private static <T> T need(T value, String what, String step) {
    if (value == null) {
      throw new AssertionError("no " + what + ": " + step + " did not pass");
    }
    return value;
  }

  /** What the machine needs for this group beyond containerd, or null. */
  static String missingTool() {
    return dev.ttrpc.conformance.support.Commands.onPath("tar") ? null
        : "tar is not installed (needed to build the CRI images)";
  }

  @Override
  public void cleanup() {
    if (sandboxId != null && cri != null) {
      // StopPodSandbox stops its containers, RemovePodSandbox removes them.
      try {
        cri.runtime().stopPodSandbox(
            StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
        cri.runtime().removePodSandbox(
            RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
      } catch (StatusRuntimeException e) {
        // Best effort: stopping containerd removes what is left in its k8s.io namespace.
      }
    }
    if (pod != null) {
      CgroupFiles.removePodCgroup(pod.getLinux().getCgroupParent());
    }
  }

  private void runPodSandbox() throws IOException {
    // In the scenario, not the constructor: a CRI plugin that does not come up is its failure.
    cri = CriClient.attach(c.containerd());
    calls = new CriApiCalls(cri, WAIT);
    Check.isTrue(cri.hasImage(CriClient.PAUSE_IMAGE) && cri.hasImage(CriClient.BUSYBOX_IMAGE),
        "the images are imported");
    Files.createDirectories(logDir);
    pod = calls.podConfig(podName, logDir, target.annotations());
    sandboxId = cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod)
        .setRuntimeHandler(target.label()).build()).getPodSandboxId();
    PodSandboxStatus sandbox = calls.sandboxStatus(sandboxId);
    Check.equal(PodSandboxState.SANDBOX_READY, sandbox.getState(), sandbox::toString);
    Check.equal(target.label(), sandbox.getRuntimeHandler(), "runtime handler");
    Check.equal(podName, sandbox.getMetadata().getName(), "pod name");
    Check.equal(NamespaceMode.NODE, sandbox.getLinux().getNamespaces().getOptions().getNetwork(),
        "host network");
  }

  private void createAndStart() {
    need(sandboxId, "pod sandbox", "cri01-run-pod-sandbox");
    longId = calls.createContainer(sandboxId, pod, "long", List.of("sh", "-c",
        "trap '' TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done"),
        target.annotations());
    exitId = calls.createContainer(sandboxId, pod, "exit3", List.of("sh", "-c",
        "echo out-line; echo err-line >&2; exit 3"), target.annotations());
    for (String id : List.of(longId, exitId)) {
      cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    }
    ContainerStatusResponse status = calls.containerStatus(longId, true);
    Check.equal(ContainerState.CONTAINER_RUNNING, status.getStatus().getState(),
        () -> status.getStatus().toString());
    longPid = CriApiCalls.pid(status);
    Check.isTrue(Procs.alive(longPid), "the long-running container's process " + longPid
        + " is alive");
  }

  private void containerExit() throws IOException {
    need(exitId, "containers", "cri02-create-start");
    ContainerStatus exited =
        calls.awaitContainer(exitId, s -> s.getState() == ContainerState.CONTAINER_EXITED);
    Check.equal(3, exited.getExitCode(), exited::toString);
    Check.equal("Error", exited.getReason(), exited::toString);
    Check.isTrue(exited.getStartedAt() > exited.getCreatedAt()
        && exited.getFinishedAt() > exited.getCreatedAt(), exited::toString);
    Path log = logDir.resolve("exit3.log");
    Check.equal(log.toString(), exited.getLogPath(), "log path");
    List<CriApiCalls.LogEntry> entries = CriApiCalls.parseLog(log);
    Check.isTrue(entries.stream().anyMatch(e -> e.stream().equals("stdout")
        && e.content().equals("out-line")), () -> "stdout line in the CRI log: " + entries);
    Check.isTrue(entries.stream().anyMatch(e -> e.stream().equals("stderr")
        && e.content().equals("err-line")), () -> "stderr line in the CRI log: " + entries);
  }

  private void execSync() {
    need(exitId, "containers", "cri02-create-start");
    ExecSyncResponse sync = cri.runtime().execSync(ExecSyncRequest.newBuilder()
        .setContainerId(longId).setTimeout(20)
        .addAllCmd(List.of("sh", "-c", "echo exec-out; echo exec-err >&2; exit 7")).build());
    Check.equal("exec-out\n", sync.getStdout().toStringUtf8(), "ExecSync stdout");
    Check.equal("exec-err\n", sync.getStderr().toStringUtf8(), "ExecSync stderr");
    Check.equal(7, sync.getExitCode(), "ExecSync exit code");
    try {
      cri.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(longId).setTimeout(1)
          .addAllCmd(List.of("sleep", "30")).build());
      throw Check.fail("ExecSync of sleep 30 with a 1 s timeout returned");
    } catch (StatusRuntimeException e) {
      String description = String.valueOf(e.getStatus().getDescription());
      Check.isTrue(description.contains("timeout 1s exceeded"), "ExecSync timeout: " + e);
    }
  }

  private void execStream() throws Exception {
    need(exitId, "containers", "cri02-create-start");
    String url = cri.runtime().exec(ExecRequest.newBuilder().setContainerId(longId)
        .addAllCmd(List.of("sh", "-c", "echo stream-out; echo stream-err >&2; exit 3"))
        .setStdout(true).setStderr(true).build()).getUrl();
    try (ExecStream exec = ExecStream.open(url, WAIT)) {
      exec.awaitEnd(WAIT);
      Check.equal("stream-out\n", exec.stdout(), "exec stdout");
      Check.equal("stream-err\n", exec.stderr(), "exec stderr");
      Check.equal(3, exec.exitCode(), exec::status);
    }
    // As kubectl exec -it does it: stdin attached (without it the terminal's output never
    // arrives), a resize, then commands typed on stdin.
    String ttyUrl = cri.runtime().exec(ExecRequest.newBuilder().setContainerId(longId)
        .addAllCmd(List.of("sh")).setTty(true).setStdin(true).setStdout(true).build()).getUrl();
    try (ExecStream exec = ExecStream.open(ttyUrl, WAIT)) {
      exec.resize(101, 31);
      exec.sendStdin("for i in $(seq 50); do [ \"$(stty size)\" = '31 101' ] && break;"
          + " sleep 0.1; done; echo \"size=$(stty size) tty=$(tty) n=$((6*7))\"; exit 4\n");
      exec.awaitEnd(WAIT);
      // Without isolation the container sees the host's /dev, where tty(1) cannot name the
      // terminal's pts; the window size still proves a terminal.
      String expected =
          target.supports(Feature.ISOLATION) ? "size=31 101 tty=/dev/" : "size=31 101";
      Check.isTrue(exec.stdout().contains(expected), "terminal exec output: " + exec.stdout());
      Check.isTrue(exec.stdout().contains("n=42"), "terminal exec output: " + exec.stdout());
      Check.equal("", exec.stderr(), "a terminal has no separate stderr");
      Check.equal(4, exec.exitCode(), exec::status);
    }
  }

  private void stopWithTimeout() {
    need(exitId, "containers", "cri02-create-start");
    need(longPid == 0 ? null : longPid, "running container", "cri02-create-start");
    long start = System.nanoTime();
    cri.runtime().stopContainer(
        StopContainerRequest.newBuilder().setContainerId(longId).setTimeout(2).build());
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    Check.isTrue(took.compareTo(Duration.ofSeconds(2)) >= 0,
        "StopContainer waited out its 2 s timeout for a container ignoring SIGTERM; took " + took);
    ContainerStatus stopped = calls.containerStatus(longId, false).getStatus();
    Check.equal(ContainerState.CONTAINER_EXITED, stopped.getState(), stopped::toString);
    Check.equal(137, stopped.getExitCode(), stopped::toString);
    Check.isTrue(Procs.awaitGone(longPid, WAIT), "container process " + longPid + " gone");
  }

  private void removePod() {
    need(exitId, "containers", "cri02-create-start");
    for (String id : List.of(longId, exitId)) {
      cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    }
    cri.runtime().stopPodSandbox(
        StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
    cri.runtime().removePodSandbox(
        RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
    Check.equal(List.of(), cri.runtime().listPodSandbox(ListPodSandboxRequest.newBuilder()
        .setFilter(PodSandboxFilter.newBuilder().setId(sandboxId)).build()).getItemsList(),
        "pod sandbox listed after removal");
    Check.equal(List.of(), cri.runtime().listContainers(ListContainersRequest.newBuilder()
        .setFilter(ContainerFilter.newBuilder().setPodSandboxId(sandboxId)).build())
        .getContainersList(), "containers listed after removal");
    for (String id : List.of(sandboxId, longId, exitId)) {
      calls.awaitTrue(() -> !Files.exists(cri.bundle(id)), "bundle of " + id + " removed");
    }
    CgroupFiles.removePodCgroup(pod.getLinux().getCgroupParent());
    sandboxId = null;
  }
}
