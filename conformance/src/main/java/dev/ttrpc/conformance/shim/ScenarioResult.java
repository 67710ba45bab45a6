package dev.ttrpc.conformance.shim;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of one scenario on one target.
 *
 * @param scenario what ran
 * @param target where it ran
 * @param status passed, failed or skipped
 * @param elapsed wall-clock time the scenario took
 * @param reason why it failed or was skipped ("" if it passed)
 * @param logLines for a failure, the lines of containerd's log (which carries the shims' logs)
 *     written while it ran that concern the target's namespace or report an error
 */
public record ScenarioResult(Scenario scenario, Target target, Status status, Duration elapsed,
    String reason, List<String> logLines) {

  /** How a scenario ended. */
  public enum Status {
    PASS,
    FAIL,
    /** Not run: the target lacks a feature the scenario needs. */
    SKIP
  }

  public ScenarioResult {
    requireNonNull(scenario, "scenario");
    requireNonNull(target, "target");
    requireNonNull(status, "status");
    requireNonNull(elapsed, "elapsed");
    requireNonNull(reason, "reason");
    logLines = List.copyOf(logLines);
  }

  public boolean passed() {
    return status == Status.PASS;
  }

  public boolean failed() {
    return status == Status.FAIL;
  }

  /** The first line of the reason, for tables. */
  public String shortReason() {
    String first = reason.strip().lines().findFirst().orElse("");
    return first.length() > 160 ? first.substring(0, 157) + "..." : first;
  }

  /** {@code PASS 1.2s}, {@code FAIL 0.3s}, {@code SKIP}. */
  public String cell() {
    return status == Status.SKIP ? "SKIP" : status + " " + seconds(elapsed);
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }
}
