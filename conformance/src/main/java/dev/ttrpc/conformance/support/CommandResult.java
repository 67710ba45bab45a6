package dev.ttrpc.conformance.support;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of one finished (or timed out) external command.
 *
 * @param argv the command line
 * @param exitCode the exit status; -1 if the command timed out and was killed
 * @param stdout everything the command wrote to stdout, decoded as UTF-8
 * @param stderr everything the command wrote to stderr, decoded as UTF-8
 * @param timedOut whether the command was killed after its timeout
 * @param elapsed wall-clock time from start to exit (or kill)
 */
public record CommandResult(
    List<String> argv, int exitCode, String stdout, String stderr, boolean timedOut,
    Duration elapsed) {

  public CommandResult {
    argv = List.copyOf(requireNonNull(argv, "argv"));
    requireNonNull(stdout, "stdout");
    requireNonNull(stderr, "stderr");
    requireNonNull(elapsed, "elapsed");
  }

  /** stdout and stderr as one string, for assertions on text that may go to either stream. */
  public String output() {
    return stdout + stderr;
  }

  /** A multi-line description for assertion messages. */
  public String describe() {
    return "command: " + String.join(" ", argv)
        + "\nexit code: " + (timedOut ? "timed out after " + elapsed.toMillis() + " ms" : exitCode)
        + "\n--- stdout ---\n" + stdout
        + "\n--- stderr ---\n" + stderr;
  }

  @Override
  public String toString() {
    return describe();
  }
}
