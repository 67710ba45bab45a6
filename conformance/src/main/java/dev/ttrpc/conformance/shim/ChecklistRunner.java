package dev.ttrpc.conformance.shim;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.conformance.support.PrivateContainerd;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Runs checklist scenarios against targets in one started {@link PrivateContainerd}: each
 * scenario in a worker thread with its timeout (a scenario past it is interrupted, which kills
 * the command it waits for), skipped if the target lacks a feature it needs, and for a failure
 * with the containerd and shim log lines written meanwhile. Both the shim-conformance tool and
 * the JUnit checklist run scenarios through this class.
 *
 * <p>Not thread-safe: run one scenario at a time. Scenarios of a group must run in their order
 * for each target, and {@link #finishGroup} must follow a group's last one.
 */
public final class ChecklistRunner {

  /** How long the cleanup after a group with failures may take. */
  static final Duration CLEANUP_TIMEOUT = Duration.ofMinutes(2);

  /** At most this many log lines are kept with a failure. */
  static final int MAX_LOG_LINES = 40;

  private final PrivateContainerd containerd;
  private final Map<String, ScenarioGroup> groups = new HashMap<>();
  private final Set<String> groupsWithFailures = new HashSet<>();

  public ChecklistRunner(PrivateContainerd containerd) {
    this.containerd = requireNonNull(containerd, "containerd");
  }

  /** Runs {@code scenario} against {@code target}; never throws for the scenario's failures. */
  public ScenarioResult run(Scenario scenario, Target target) {
    Set<Feature> lacking = EnumSet.noneOf(Feature.class);
    for (Feature f : scenario.needs()) {
      if (!target.supports(f)) {
        lacking.add(f);
      }
    }
    if (!lacking.isEmpty()) {
      return new ScenarioResult(scenario, target, ScenarioResult.Status.SKIP, Duration.ZERO,
          "runtime declared without "
              + lacking.stream().map(Feature::cliName).collect(Collectors.joining(", ")),
          List.of());
    }
    String key = key(scenario.group(), target);
    ShimCtr ctr = new ShimCtr(containerd, target);
    ScenarioGroup group =
        groups.computeIfAbsent(key, k -> scenario.groupFactory().apply(ctr));
    long logOffset = containerd.logSize();
    long start = System.nanoTime();
    FutureTask<Void> task = new FutureTask<>(() -> {
      scenario.step().run(group);
      return null;
    });
    Thread worker = Thread.ofPlatform().daemon()
        .name("scenario-" + scenario.id() + "-" + target.label()).start(task);
    String failure = null;
    try {
      task.get(scenario.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      failure = describe(e.getCause());
    } catch (TimeoutException e) {
      task.cancel(true);
      failure = "timed out after " + ScenarioResult.seconds(scenario.timeout())
          + " (the scenario was interrupted)";
      awaitQuietly(worker);
    } catch (InterruptedException e) {
      task.cancel(true);
      awaitQuietly(worker);
      Thread.currentThread().interrupt();
      failure = "interrupted";
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    if (failure == null) {
      return new ScenarioResult(
          scenario, target, ScenarioResult.Status.PASS, elapsed, "", List.of());
    }
    groupsWithFailures.add(key);
    return new ScenarioResult(scenario, target, ScenarioResult.Status.FAIL, elapsed, failure,
        relevantLogLines(containerd.logSince(logOffset), ctr.namespace()));
  }

  /**
   * Ends {@code group} for {@code target}: if one of its scenarios failed, removes what they may
   * have left behind. The next run of the group starts with fresh state.
   */
  public void finishGroup(String group, Target target) {
    String key = key(group, target);
    ScenarioGroup state = groups.remove(key);
    if (state != null && groupsWithFailures.remove(key) && containerd.isRunning()) {
      FutureTask<Void> task = new FutureTask<>(state::cleanup, null);
      Thread worker = Thread.ofPlatform().daemon().name("cleanup-" + key).start(task);
      try {
        task.get(CLEANUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // Best effort: stopping containerd removes whatever is still left.
        task.cancel(true);
        awaitQuietly(worker);
      } catch (InterruptedException e) {
        task.cancel(true);
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The lines of {@code log} that concern {@code namespace} or report an error or warning, or
   * that are not containerd's logfmt at all (a shim's raw output, e.g. a stack trace); the last
   * {@link #MAX_LOG_LINES} of them.
   */
  static List<String> relevantLogLines(String log, String namespace) {
    List<String> result = new ArrayList<>();
    for (String line : log.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      boolean logfmt = line.startsWith("time=");
      boolean ours = line.contains("namespace=" + namespace + " ")
          || line.endsWith("namespace=" + namespace)
          || line.contains("ns=" + namespace + " ")
          || line.contains("/" + namespace + "/");
      boolean problem = line.contains("level=error") || line.contains("level=warning")
          || line.contains("level=fatal");
      if (!logfmt || ours || problem) {
        result.add(line);
      }
    }
    return result.size() <= MAX_LOG_LINES ? result
        : List.copyOf(result.subList(result.size() - MAX_LOG_LINES, result.size()));
  }

  private static String key(String group, Target target) {
    return target.label() + "/" + group;
  }

  private static String describe(Throwable t) {
    if (t instanceof AssertionError && t.getMessage() != null) {
      return t.getMessage();
    }
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    return trace.toString();
  }

  private static void awaitQuietly(Thread worker) {
    try {
      worker.join(Duration.ofSeconds(15));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
