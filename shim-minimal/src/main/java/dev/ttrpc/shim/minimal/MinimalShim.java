package dev.ttrpc.shim.minimal;

import com.google.protobuf.Any;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.proto.containerd.task.v2.DeleteResponse;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.shim.EventPublisher;
import dev.ttrpc.shim.Json;
import dev.ttrpc.shim.Shim;
import dev.ttrpc.shim.ShimContext;
import dev.ttrpc.shim.ShimDaemon;
import dev.ttrpc.shim.ShimRunner;
import dev.ttrpc.shim.ShimSockets;
import dev.ttrpc.shim.io.ProcessIo;
import dev.ttrpc.shim.process.ProcessRuntime;
import dev.ttrpc.shim.reaper.Reaper;
import dev.ttrpc.shim.runc.RuncOptions;
import dev.ttrpc.shim.runc.RuncRuntime;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import dev.ttrpc.shim.task.TaskService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code containerd-shim-minimal-v2} (runtime {@code io.containerd.minimal.v2}): the shim
 * framework plus the minimal Task service with its runc and process backends.
 */
public final class MinimalShim implements Shim {
  private static final Logger LOG = LoggerFactory.getLogger(MinimalShim.class);

  /** The binary name containerd derives from the runtime name. */
  public static final String BINARY = "containerd-shim-minimal-v2";

  public static final String VERSION = "0.1.0";

  /** Type URL of CRI's / ctr's generic runtime options ({@code config_path} = field 2). */
  static final String RUNTIME_OPTIONS_TYPE = "runtimeoptions.v1.Options";

  public static void main(String[] args) {
    ShimRunner.run(BINARY, VERSION, new MinimalShim(), args);
  }

  /** The config for a set of runtime options (their {@code config_path}, else the default). */
  static ShimConfig configFor(Any options) {
    String path = System.getenv("MINIMAL_SHIM_CONFIG");
    if (path == null || path.isEmpty()) {
      path = configPathOption(options);
    }
    try {
      return ShimConfig.load(path.isEmpty() ? ShimConfig.DEFAULT_PATH : Path.of(path));
    } catch (IOException e) {
      throw new UncheckedIOException("reading shim config " + path, e);
    }
  }

  /** {@code runtimeoptions.v1.Options.config_path} of an Any, or "". */
  static String configPathOption(Any options) {
    if (options == null || !RUNTIME_OPTIONS_TYPE.equals(options.getTypeUrl())) {
      return "";
    }
    try {
      CodedInputStream in = options.getValue().newCodedInput();
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return "";
        }
        if (WireFormat.getTagFieldNumber(tag) == 2
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          return in.readString();
        }
        in.skipField(tag);
      }
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public String groupId(ShimContext context, Map<String, String> annotations) {
    ShimConfig cfg = configFor(context.startInput().options().orElse(null));
    if (cfg.grouping().equals("namespace")) {
      return "minimal-shim-namespace";
    }
    return ShimSockets.groupId(annotations, context.flags().id());
  }

  @Override
  public DeleteResponse cleanup(ShimContext context) throws Exception {
    Path bundle = context.bundle();
    String id = context.flags().id();
    Map<String, Object> saved = Map.of();
    Path options = bundle.resolve(MinimalBackends.OPTIONS_FILE);
    if (Files.exists(options)) {
      saved = Json.parseObject(Files.readString(options));
    }
    int pid;
    if ("process".equals(Json.string(saved, "backend", "runc"))) {
      pid = ProcessRuntime.cleanup(bundle);
    } else {
      RuncOptions ro =
          new RuncOptions(false, false, Json.string(saved, "binary_name", ""),
              Json.string(saved, "root", ""), "", Json.bool(saved, "systemd_cgroup", false));
      pid = RuncRuntime.cleanup(context.flags().namespace(), bundle, id, ro);
    }
    return DeleteResponse.newBuilder()
        .setPid(pid)
        .setExitStatus(137)
        .setExitedAt(EventPublisher.timestamp(Instant.now()))
        .build();
  }

  @Override
  public List<ServiceDefinition> services(ShimDaemon daemon) {
    // Collects exits (and orphans) from the start, before the first container.
    Reaper.shared().start();
    // Starting the stdio loop and linking its native calls spins classes the AOT cache cannot
    // hold: done beside the server's start-up, it no longer delays the first Creates (measured
    // under CRI: the sandbox's Create ~19 ms and the first app container's ~10 ms faster).
    Thread.ofPlatform().daemon().name("stdio-prepare").start(() -> {
      try {
        ProcessIo.prepare();
      } catch (ErrnoException | RuntimeException e) {
        // The first Create with stdio tries again and reports what fails.
        LOG.debug("preparing the stdio loop", e);
      }
      // Likewise for the rootfs mounts of the first Create.
      Libc.linkMountCalls();
    });
    TaskService task =
        new TaskService(
            daemon.context().flags().namespace(),
            TaskService.publishTo(daemon.publisher()),
            daemon::shutdown,
            new MinimalBackends(MinimalShim::configFor),
            (bundle, id, response, callerPid) ->
                daemon.recordCleanDelete(bundle, id, response.toByteArray(), callerPid));
    ServiceDefinition taskV2 = TaskTtrpc.bindService(task);
    // containerd 2.x calls task v3, whose messages are the v2 ones on the wire.
    return List.of(
        taskV2,
        taskV2.withServiceName(dev.ttrpc.proto.containerd.task.v3.TaskTtrpc.SERVICE_NAME));
  }
}
