package dev.ttrpc.conformance.support;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Decides what a missing prerequisite (root, containerd, runc, a built shim) means: in CI
 * ({@code CI=true} in the environment, or {@code -Dci=true}) the test fails loudly, because a
 * skipped conformance suite would look green; on a developer machine it is skipped with the
 * reason.
 *
 * <p>Stateless and thread-safe.
 */
public final class Prerequisites {

  private Prerequisites() {}

  /** Whether this run is CI, where every conformance test must run. */
  public static boolean inCi() {
    String env = System.getenv("CI");
    String property = System.getProperty("ci");
    return "true".equalsIgnoreCase(env) || "1".equals(env) || "true".equalsIgnoreCase(property);
  }

  /**
   * Continues only if {@code condition} holds; otherwise fails (CI) or aborts the test as
   * skipped (elsewhere) with {@code reason}.
   */
  public static void require(boolean condition, String reason) {
    requireNonNull(reason, "reason");
    if (condition) {
      return;
    }
    if (inCi()) {
      Assertions.fail("prerequisite missing in CI (CI=true never skips): " + reason);
    }
    Assumptions.abort(reason + " (set CI=true to make this a failure)");
  }

  /** Whether this JVM runs as root (containerd and runc need it). */
  public static boolean isRoot() {
    CommandResult id = Commands.run(Duration.ofSeconds(5), "id", "-u");
    return id.exitCode() == 0 && id.stdout().trim().equals("0");
  }
}
