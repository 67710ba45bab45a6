package dev.ttrpc.conformance.cri;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.conformance.cri.api.CriApi.ImageSpec;
import dev.ttrpc.conformance.cri.api.CriApi.ImageStatusRequest;
import dev.ttrpc.conformance.cri.api.CriApi.RuntimeCondition;
import dev.ttrpc.conformance.cri.api.CriApi.StatusRequest;
import dev.ttrpc.conformance.cri.api.ImageServiceGrpc;
import dev.ttrpc.conformance.cri.api.RuntimeServiceGrpc;
import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.PrivateContainerd;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A CRI {@code runtime.v1} gRPC client on a {@link PrivateContainerd} whose CRI plugin was
 * enabled with {@link #config}: host-network pods only (no CNI configuration), the locally built
 * {@link #PAUSE_IMAGE} as sandbox image and {@link #BUSYBOX_IMAGE} for containers, both imported
 * from OCI archives made from the containerd's busybox rootfs (no registry needed).
 *
 * <p>Configuration facts containerd 1.6 needs here: {@code restrict_oom_score_adj = true}
 * (lowering a process's {@code oom_score_adj} may be refused, and the CRI plugin would otherwise
 * ask runc to set the pod's score below containerd's), and a stream server on a free loopback
 * port (Exec streaming).
 *
 * <p>At most one client per containerd ({@link #attach}); its stubs are thread-safe.
 */
public final class CriClient implements AutoCloseable {

  /** The sandbox ("pause") image: a static busybox sleeping forever. */
  public static final String PAUSE_IMAGE = "ttrpc.test/pause:1";
  /** The container image: a static busybox with its applets. */
  public static final String BUSYBOX_IMAGE = "ttrpc.test/busybox:1";
  /** Parent of the pods' cgroups (relative to each hierarchy's root). */
  public static final String POD_CGROUP_ROOT = "/ttrpc-conformance-cri";
  /** The namespace the CRI plugin keeps its containers in. */
  public static final String NAMESPACE = "k8s.io";

  /** How long one CRI call may take. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  /** How long the CRI plugin may take to report the runtime ready after containerd started. */
  static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private static final Map<PrivateContainerd, CriClient> ATTACHED = new ConcurrentHashMap<>();

  /**
   * A CRI runtime handler of the configuration.
   *
   * @param name the handler name pods ask for ({@code RunPodSandbox.runtime_handler})
   * @param runtimeType the containerd runtime: a name such as {@code io.containerd.runc.v2} or
   *     the absolute path of a shim binary
   * @param optionsToml lines of the handler's {@code options} table (the shim's runtime options),
   *     {@code @DIR@} standing for the containerd's work dir; may be empty
   * @param podAnnotations annotation keys the CRI plugin passes from pods and containers into
   *     their OCI specs (how a pod reaches a shim's per-container settings)
   */
  public record Handler(String name, String runtimeType, String optionsToml,
      List<String> podAnnotations) {

    public Handler {
      requireNonNull(name, "name");
      if (!name.matches("[A-Za-z0-9_-]+")) {
        throw new IllegalArgumentException("not a TOML bare key: " + name);
      }
      requireNonNull(runtimeType, "runtimeType");
      requireNonNull(optionsToml, "optionsToml");
      podAnnotations = List.copyOf(podAnnotations);
    }
  }

  private final PrivateContainerd containerd;
  private final ManagedChannel channel;

  private CriClient(PrivateContainerd containerd) {
    this.containerd = containerd;
    this.channel = Grpc.newChannelBuilder("unix://" + containerd.address(),
        InsecureChannelCredentials.create()).build();
  }

  /**
   * The CRI plugin's configuration with {@code handlers} (the first is the default), for
   * {@link PrivateContainerd#withCri}.
   */
  public static String config(List<Handler> handlers) {
    if (handlers.isEmpty()) {
      throw new IllegalArgumentException("no runtime handler");
    }
    String table = "plugins.\"io.containerd.grpc.v1.cri\"";
    StringBuilder toml = new StringBuilder();
    toml.append("[").append(table).append("]\n")
        .append("  sandbox_image = ").append(quote(PAUSE_IMAGE)).append('\n')
        .append("  restrict_oom_score_adj = true\n")
        .append("  stream_server_address = \"127.0.0.1\"\n")
        .append("  stream_server_port = \"0\"\n")
        .append("  max_container_log_line_size = 16384\n")
        // Empty CNI directories: only host-network pods, which need no CNI plugin.
        .append("  [").append(table).append(".cni]\n")
        .append("    bin_dir = \"@DIR@/cni/bin\"\n")
        .append("    conf_dir = \"@DIR@/cni/net.d\"\n")
        .append("  [").append(table).append(".containerd]\n")
        .append("    default_runtime_name = ").append(quote(handlers.get(0).name())).append('\n');
    for (Handler h : handlers) {
      String runtime = table + ".containerd.runtimes." + h.name();
      toml.append("    [").append(runtime).append("]\n")
          .append("      runtime_type = ").append(quote(h.runtimeType())).append('\n');
      if (!h.podAnnotations().isEmpty()) {
        toml.append("      pod_annotations = [")
            .append(String.join(", ", h.podAnnotations().stream().map(CriClient::quote).toList()))
            .append("]\n");
        toml.append("      container_annotations = [")
            .append(String.join(", ", h.podAnnotations().stream().map(CriClient::quote).toList()))
            .append("]\n");
      }
      if (!h.optionsToml().isBlank()) {
        toml.append("      [").append(runtime).append(".options]\n");
        h.optionsToml().lines()
            .forEach(l -> toml.append("        ").append(l.strip()).append('\n'));
      }
    }
    return toml.toString();
  }

  private static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        q.append('\\');
      } else if (c < 0x20) {
        throw new IllegalArgumentException("control character in a TOML string: " + s);
      }
      q.append(c);
    }
    return q.append('"').toString();
  }

  /**
   * The client of {@code containerd} (started, with the CRI plugin enabled): made on the first
   * call, which imports the images and waits until the CRI plugin reports the runtime ready.
   *
   * @throws IllegalStateException if the images cannot be imported or the plugin is not ready in
   *     time (with the end of containerd's log)
   */
  public static CriClient attach(PrivateContainerd containerd) {
    requireNonNull(containerd, "containerd");
    synchronized (ATTACHED) {
      CriClient client = ATTACHED.get(containerd);
      if (client != null) {
        return client;
      }
      client = new CriClient(containerd);
      try {
        client.importImages();
        client.awaitReady();
      } catch (IOException | RuntimeException e) {
        client.close();
        throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
      }
      ATTACHED.put(containerd, client);
      return client;
    }
  }

  /** Closes the client of {@code containerd}, if there is one. */
  public static void detach(PrivateContainerd containerd) {
    CriClient client = ATTACHED.remove(containerd);
    if (client != null) {
      client.close();
    }
  }

  /** The private containerd underneath (work dir, log, pid). */
  public PrivateContainerd containerd() {
    return containerd;
  }

  /** A RuntimeService stub whose calls fail after a minute. */
  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** An ImageService stub whose calls fail after a minute. */
  public ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The bundle directory containerd made for a CRI sandbox or container. */
  public Path bundle(String id) {
    return containerd.dir().resolve("state").resolve("io.containerd.runtime.v2.task")
        .resolve(NAMESPACE).resolve(id);
  }

  /**
   * Stops containerd (shims and containers keep running), starts it again and waits until the
   * CRI plugin reports the runtime ready.
   */
  public void restart() {
    containerd.restart();
    awaitReady();
  }

  /** Whether the CRI plugin knows image {@code name} (it syncs from containerd's image store). */
  public boolean hasImage(String name) {
    return images().imageStatus(ImageStatusRequest.newBuilder()
        .setImage(ImageSpec.newBuilder().setImage(name)).build()).hasImage();
  }

  @Override
  public void close() {
    ATTACHED.remove(containerd, this);
    channel.shutdownNow();
    try {
      channel.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until the CRI plugin answers and reports the condition RuntimeReady. */
  private void awaitReady() {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        List<RuntimeCondition> conditions =
            runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList();
        if (conditions.stream()
            .anyMatch(c -> c.getType().equals("RuntimeReady") && c.getStatus())) {
          return;
        }
        last = conditions.toString();
      } catch (StatusRuntimeException e) {
        last = e.toString();
      }
      sleep(100);
    }
    throw new IllegalStateException("CRI plugin not ready after "
        + READY_TIMEOUT.toSeconds() + " s: " + last + "\n" + tail(containerd.log()));
  }

  private void importImages() throws IOException {
    Path images = Files.createDirectories(containerd.dir().resolve("images"));
    // The pause image holds only the static busybox: the sandbox container just sleeps.
    Path pauseRoot = Files.createDirectories(images.resolve("pause-rootfs").resolve("bin"))
        .getParent();
    for (String dir : List.of("proc", "dev", "sys", "etc")) {
      Files.createDirectories(pauseRoot.resolve(dir));
    }
    Path busybox = pauseRoot.resolve("bin").resolve("busybox");
    if (!Files.exists(busybox)) {
      Files.copy(containerd.rootfs().resolve("bin").resolve("busybox"), busybox);
    }
    build(PAUSE_IMAGE, pauseRoot, List.of("/bin/busybox", "sleep", "2147483647"), List.of(),
        images.resolve("pause.tar"));
    build(BUSYBOX_IMAGE, containerd.rootfs(), List.of(), List.of("sh"),
        images.resolve("busybox.tar"));
  }

  private void build(String name, Path rootfs, List<String> entrypoint, List<String> cmd,
      Path archive) {
    OciImageArchive.write(name, rootfs, entrypoint, cmd, archive);
    CommandResult imported = containerd.ctr(NAMESPACE, "images", "import", archive.toString());
    if (imported.exitCode() != 0) {
      throw new IllegalStateException("cannot import " + name + "\n" + imported.describe());
    }
  }

  /** The last 40 lines of {@code text}. */
  public static String tail(String text) {
    String[] lines = text.split("\n");
    int from = Math.max(0, lines.length - 40);
    return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
  }

  /**
   * Sleeps {@code millis}.
   *
   * @throws IllegalStateException when interrupted (with the interrupt flag kept), so that a
   *     polling loop ends when its scenario is cancelled
   */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
