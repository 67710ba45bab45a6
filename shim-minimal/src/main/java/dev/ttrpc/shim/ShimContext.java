package dev.ttrpc.shim;

import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a shim invocation was given: the parsed flags, the bundle (the working directory
 * unless {@code -bundle} says otherwise), what {@code start} read on stdin, and the environment.
 *
 * @param flags the command line
 * @param bundle the bundle directory
 * @param startInput runtime options / bootstrap parameters ({@link StartInput#EMPTY} outside
 *     {@code start})
 * @param env the process environment
 */
public record ShimContext(
    ShimFlags flags, Path bundle, StartInput startInput, Map<String, String> env) {
  public ShimContext {
    env = Map.copyOf(env);
  }

  /** containerd's ttRPC address for events ({@code TTRPC_ADDRESS}), or "". */
  public String ttrpcAddress() {
    if (!startInput.ttrpcAddress().isEmpty()) {
      return startInput.ttrpcAddress();
    }
    return env.getOrDefault("TTRPC_ADDRESS", "");
  }
}
