package dev.ttrpc.shim.minimal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import dev.ttrpc.proto.ContainerdAny;
import dev.ttrpc.proto.containerd.runc.v1.Options;
import dev.ttrpc.shim.Json;
import dev.ttrpc.shim.backend.ContainerRuntime;
import dev.ttrpc.shim.process.ProcessRuntime;
import dev.ttrpc.shim.runc.RuncOptions;
import dev.ttrpc.shim.runc.RuncRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The minimal shim's choice of backend per container: the installation config ({@link
 * ShimConfig}, selected by the runtime options) and the container's annotations pick {@code runc}
 * or {@code process}; runc options come from {@code containerd.runc.v1.Options}. What the {@code
 * delete} action needs later is saved in the bundle ({@value #OPTIONS_FILE}).
 *
 * <p>Thread-safe (stateless apart from the config lookup).
 */
public final class MinimalBackends implements ContainerRuntime.Factory {
  /** The saved per-container settings {@code delete} needs (bundle/options.json). */
  public static final String OPTIONS_FILE = "options.json";

  private final Function<Any, ShimConfig> config;

  /** @param config the installation config for a Create's runtime options */
  public MinimalBackends(Function<Any, ShimConfig> config) {
    this.config = requireNonNull(config, "config");
  }

  @Override
  public ContainerRuntime create(
      ContainerRuntime.CreateRequest r, ContainerRuntime.ExitListener exits) throws IOException {
    Any options = r.options();
    ShimConfig cfg = config.apply(options);
    String backend = cfg.backendFor(r.annotations());
    RuncOptions runcOptions =
        options != null && ContainerdAny.is(options, Options.class)
            ? RuncOptions.of(ContainerdAny.unpack(options, Options.class))
            : RuncOptions.DEFAULT;
    if (runcOptions.binaryName().isEmpty() && !cfg.runcBinary().equals("runc")) {
      runcOptions =
          new RuncOptions(runcOptions.noPivotRoot(), runcOptions.noNewKeyring(),
              cfg.runcBinary(), runcOptions.root(), runcOptions.criuPath(),
              runcOptions.systemdCgroup());
    }
    saveOptions(r.bundle(), backend, runcOptions);
    return backend.equals("process")
        ? new ProcessRuntime(r.namespace(), r.id(), r.bundle(), r.spec(), r.rootfs(), exits)
        : new RuncRuntime(r.namespace(), r.id(), r.bundle(), runcOptions, r.rootfs(), r.spec(),
            exits);
  }

  /** Writes what the {@code delete} action needs to clean up without the daemon. */
  static void saveOptions(Path bundle, String backend, RuncOptions o) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("backend", backend);
    m.put("binary_name", o.binaryName());
    m.put("root", o.root());
    m.put("systemd_cgroup", o.systemdCgroup());
    Files.writeString(bundle.resolve(OPTIONS_FILE), Json.write(m));
  }
}
