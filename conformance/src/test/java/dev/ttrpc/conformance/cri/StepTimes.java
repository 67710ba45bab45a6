package dev.ttrpc.conformance.cri;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Wall-clock time of each named step of a scenario, per column (here: per runtime handler),
 * printed as one Markdown table so that handlers can be compared step by step.
 *
 * <p>Thread-safe (synchronized); steps keep the order in which they were first recorded.
 */
final class StepTimes {

  private final Map<String, Map<String, Duration>> columns = new LinkedHashMap<>();
  private final List<String> steps = new ArrayList<>();

  /** Runs {@code action}, records its duration as {@code step} of {@code column}, returns its value. */
  <T> T time(String column, String step, Callable<T> action) throws Exception {
    requireNonNull(action, "action");
    long start = System.nanoTime();
    T result = action.call();
    record(column, step, Duration.ofNanos(System.nanoTime() - start));
    return result;
  }

  /** Records {@code elapsed} as {@code step} of {@code column}. */
  synchronized void record(String column, String step, Duration elapsed) {
    requireNonNull(column, "column");
    requireNonNull(step, "step");
    requireNonNull(elapsed, "elapsed");
    if (!steps.contains(step)) {
      steps.add(step);
    }
    columns.computeIfAbsent(column, c -> new LinkedHashMap<>()).put(step, elapsed);
  }

  /** The table: one row per step, one column (milliseconds) per column name. */
  synchronized String table() {
    StringBuilder out = new StringBuilder("| Step |");
    StringBuilder rule = new StringBuilder("|---|");
    for (String column : columns.keySet()) {
      out.append(' ').append(column).append(" (ms) |");
      rule.append("---:|");
    }
    out.append('\n').append(rule).append('\n');
    for (String step : steps) {
      out.append("| ").append(step).append(" |");
      for (Map<String, Duration> column : columns.values()) {
        Duration d = column.get(step);
        out.append(' ').append(d == null ? "–" : Long.toString(d.toMillis())).append(" |");
      }
      out.append('\n');
    }
    return out.toString();
  }
}
