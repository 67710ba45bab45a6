package dev.ttrpc.conformance.cri;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.conformance.cri.api.CriApi.ContainerConfig;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerMetadata;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatus;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatusRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ContainerStatusResponse;
import dev.ttrpc.conformance.cri.api.CriApi.CreateContainerRequest;
import dev.ttrpc.conformance.cri.api.CriApi.ImageSpec;
import dev.ttrpc.conformance.cri.api.CriApi.LinuxPodSandboxConfig;
import dev.ttrpc.conformance.cri.api.CriApi.LinuxSandboxSecurityContext;
import dev.ttrpc.conformance.cri.api.CriApi.NamespaceMode;
import dev.ttrpc.conformance.cri.api.CriApi.NamespaceOption;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxConfig;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxMetadata;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxStatus;
import dev.ttrpc.conformance.cri.api.CriApi.PodSandboxStatusRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CRI requests a pod scenario makes, built as the kubelet builds them, and the parsing of
 * what comes back (the verbose status info, the CRI log file). Failures are
 * {@link AssertionError}s naming what was expected. Thread-safe if the client is.
 */
public final class CriApiCalls {

  /** {@code <RFC 3339 time> <stream> <P|F> <content>}, one CRI log entry. */
  private static final Pattern LOG_LINE =
      Pattern.compile("^(\\S+) (stdout|stderr) ([PF]) (.*)$");
  private static final Pattern INFO_PID = Pattern.compile("\"pid\":\\s*(\\d+)");

  /** One entry of a CRI container log. */
  public record LogEntry(OffsetDateTime time, String stream, String tag, String content) {}

  private final CriClient cri;
  private final Duration wait;

  /** Calls through {@code cri}; {@code wait} bounds each wait for a state. */
  public CriApiCalls(CriClient cri, Duration wait) {
    this.cri = requireNonNull(cri, "cri");
    this.wait = requireNonNull(wait, "wait");
  }

  /**
   * A pod as the kubelet configures one on the host network, with a cgroup of its own under
   * {@link CriClient#POD_CGROUP_ROOT} (which also gives PodSandboxStats its numbers).
   */
  public PodSandboxConfig podConfig(String name, Path logDir, Map<String, String> annotations) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name)
            .setUid(UUID.randomUUID().toString()).setNamespace("ttrpc-conformance"))
        // Host network and no hostname: runc cannot set a hostname without a UTS namespace.
        .setHostname("")
        .setLogDirectory(logDir.toString())
        .putLabels("dev.ttrpc.scenario", name)
        .putAllAnnotations(annotations)
        .setLinux(LinuxPodSandboxConfig.newBuilder()
            .setCgroupParent(CriClient.POD_CGROUP_ROOT + "/pod-" + name).setSecurityContext(
            LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
        .build();
  }

  /** Creates container {@code name} of the busybox image in the sandbox; returns its id. */
  public String createContainer(String sandboxId, PodSandboxConfig pod, String name,
      List<String> command, Map<String, String> annotations) {
    return cri.runtime().createContainer(CreateContainerRequest.newBuilder()
        .setPodSandboxId(sandboxId)
        .setSandboxConfig(pod)
        .setConfig(ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName(name))
            .setImage(ImageSpec.newBuilder().setImage(CriClient.BUSYBOX_IMAGE))
            .addAllCommand(command)
            .putAllAnnotations(annotations)
            .setLogPath(name + ".log"))
        .build()).getContainerId();
  }

  public PodSandboxStatus sandboxStatus(String id) {
    return cri.runtime().podSandboxStatus(
        PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()).getStatus();
  }

  public ContainerStatusResponse containerStatus(String id, boolean verbose) {
    return cri.runtime().containerStatus(
        ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(verbose).build());
  }

  /** Polls ContainerStatus until {@code condition} holds; fails after the wait. */
  public ContainerStatus awaitContainer(String id, Predicate<ContainerStatus> condition) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      ContainerStatus status = containerStatus(id, false).getStatus();
      if (condition.test(status)) {
        return status;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("container " + id + " still " + status);
      }
      CriClient.sleep(50);
    }
  }

  /** Polls {@code condition}; fails naming {@code what} after the wait. */
  public void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + wait.toSeconds() + " s: " + what);
      }
      CriClient.sleep(50);
    }
  }

  /** The pid of the container's init, from the verbose ContainerStatus info. */
  public static long pid(ContainerStatusResponse status) {
    Matcher m = INFO_PID.matcher(status.getInfoOrDefault("info", ""));
    if (!m.find()) {
      throw new AssertionError("no pid in the verbose container status: " + status.getInfoMap());
    }
    return Long.parseLong(m.group(1));
  }

  /** The entries of a CRI log file; fails on a line not in the CRI log format. */
  public static List<LogEntry> parseLog(Path log) throws IOException {
    List<LogEntry> entries = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      Matcher m = LOG_LINE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not in the CRI log line format: " + line);
      }
      entries.add(new LogEntry(OffsetDateTime.parse(m.group(1)), m.group(2), m.group(3),
          m.group(4)));
    }
    return entries;
  }
}
