package dev.ttrpc.conformance.shim;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.EventLog;
import dev.ttrpc.conformance.support.PrivateContainerd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ctr bound to one {@link Target}: its namespace inside the private containerd, its runtime
 * flags, and checks of the task events it produced. Not thread-safe (one per target and run).
 */
public final class ShimCtr {

  /** Timeout of each ctr command of {@link #forceRemove}. */
  static final Duration CLEANUP_TIMEOUT = Duration.ofSeconds(15);

  /** Time for events to arrive after the command that caused them returned. */
  static final Duration EVENT_TIMEOUT = Duration.ofSeconds(10);

  /** The type_url of each task topic: the bare proto full name. */
  private static final Map<String, String> TYPE_URLS = Map.of(
      "/tasks/create", "containerd.events.TaskCreate",
      "/tasks/start", "containerd.events.TaskStart",
      "/tasks/exit", "containerd.events.TaskExit",
      "/tasks/delete", "containerd.events.TaskDelete",
      "/tasks/exec-added", "containerd.events.TaskExecAdded",
      "/tasks/exec-started", "containerd.events.TaskExecStarted",
      "/tasks/paused", "containerd.events.TaskPaused",
      "/tasks/resumed", "containerd.events.TaskResumed",
      "/tasks/oom", "containerd.events.TaskOOM");

  private final PrivateContainerd containerd;
  private final Target target;

  /** ctr for {@code target} in {@code containerd}, which must be started. */
  public ShimCtr(PrivateContainerd containerd, Target target) {
    this.containerd = requireNonNull(containerd, "containerd");
    this.target = requireNonNull(target, "target");
    containerd.events(namespace());
  }

  Target target() {
    return target;
  }

  PrivateContainerd containerd() {
    return containerd;
  }

  /** The target's namespace in the private containerd. */
  public String namespace() {
    return containerd.namespace(target.label());
  }

  String rootfs() {
    return containerd.rootfs().toString();
  }

  /** ctr in this target's namespace. */
  CommandResult ctr(String... args) {
    return containerd.ctr(namespace(), args);
  }

  /** The argv of ctr in this target's namespace (for wrapping in {@code script}). */
  List<String> ctrCommand(String... args) {
    return containerd.ctrCommand(namespace(), args);
  }

  /**
   * {@code ctr run <flags> <runtime flags> --rootfs R <id> <command…>}; {@code flags} end at the
   * first element equal to {@code "--"}, the rest is {@code id} and the command.
   */
  CommandResult run(String... flagsIdAndCommand) {
    return containerd.ctr(namespace(), runArgs(flagsIdAndCommand).toArray(String[]::new));
  }

  /** The argument list {@link #run} would pass after {@code ctr -a A -n N}. */
  List<String> runArgs(String... flagsIdAndCommand) {
    return subcommandArgs(List.of("run"), flagsIdAndCommand);
  }

  /** {@code ctr containers create <flags> <runtime flags> --rootfs R <id> <command…>}. */
  CommandResult createContainer(String... flagsIdAndCommand) {
    return containerd.ctr(namespace(),
        subcommandArgs(List.of("containers", "create"), flagsIdAndCommand)
            .toArray(String[]::new));
  }

  private List<String> subcommandArgs(List<String> subcommand, String... flagsIdAndCommand) {
    List<String> all = Arrays.asList(flagsIdAndCommand);
    int separator = all.indexOf("--");
    List<String> flags = separator < 0 ? List.of() : all.subList(0, separator);
    List<String> rest = separator < 0 ? all : all.subList(separator + 1, all.size());
    List<String> args = new ArrayList<>(subcommand);
    args.addAll(flags);
    args.addAll(target.runFlags());
    args.add("--rootfs");
    args.add(rootfs());
    args.addAll(rest);
    return args;
  }

  /** Runs a shell command line (e.g. {@code script -qec "ctr …"}) with a timeout. */
  static CommandResult shell(Duration timeout, String commandLine) {
    return Commands.run(timeout, "bash", "-c", commandLine);
  }

  /** Quotes {@code args} for a POSIX shell command line. */
  static String shellQuote(List<String> args) {
    StringBuilder line = new StringBuilder();
    for (String a : args) {
      if (!line.isEmpty()) {
        line.append(' ');
      }
      line.append('\'').append(a.replace("'", "'\\''")).append('\'');
    }
    return line.toString();
  }

  /** The {@code tasks ls} row of {@code id} as (pid, status), if listed. */
  Optional<Map.Entry<Long, String>> task(String id) {
    CommandResult ls = ctr("tasks", "ls");
    Check.equal(0, ls.exitCode(), ls::describe);
    for (String line : ls.stdout().split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length == 3 && cols[0].equals(id)) {
        return Optional.of(Map.entry(Long.parseLong(cols[1]), cols[2]));
      }
    }
    return Optional.empty();
  }

  /** The status column of {@code tasks ls} for {@code id}, failing if the task is not listed. */
  String status(String id) {
    return task(id).orElseThrow(() -> new AssertionError("task " + id + " not listed")).getValue();
  }

  /** The init pid of {@code id} from {@code tasks ls}. */
  long pid(String id) {
    return task(id).orElseThrow(() -> new AssertionError("task " + id + " not listed")).getKey();
  }

  /** Polls {@code tasks ls} until {@code id} has {@code status}. */
  void awaitStatus(String id, String status, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = task(id).map(Map.Entry::getValue).orElse("<not listed>");
      if (last.equals(status)) {
        return;
      }
      sleep(Duration.ofMillis(100));
    }
    Check.fail("task " + id + " did not reach " + status + " within " + timeout
        + " (last: " + last + ")");
  }

  /** Polls {@code tasks ls} until {@code id} is no longer listed. */
  void awaitNoTask(String id, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (task(id).isEmpty()) {
        return;
      }
      sleep(Duration.ofMillis(100));
    }
    Check.fail("task " + id + " still listed after " + timeout + ": "
        + ctr("tasks", "ls").stdout());
  }

  int mark() {
    return containerd.events().mark();
  }

  /**
   * Asserts that the {@code /tasks/} events about {@code id} after {@code mark} are exactly
   * {@code topics} (short names: {@code create}, {@code exit}, …), in order, and returns them.
   */
  List<EventLog.Event> assertTaskEvents(int mark, String id, String... topics) {
    List<String> expected = Arrays.stream(topics).map(t -> "/tasks/" + t).toList();
    List<EventLog.Event> events = containerd.events()
        .awaitTaskEvents(mark, namespace(), id, expected.size(), EVENT_TIMEOUT);
    Check.equal(expected, events.stream().map(EventLog.Event::topic).toList(),
        () -> "task events of " + id + " [" + target + "]: " + events);
    return events;
  }

  /**
   * Asserts that every event the shim forwarded in this target's namespace (containerd's debug
   * log) carries the bare proto name as type_url, which is all containerd 1.6 can decode, and that
   * ctr decoded every event it received.
   */
  void assertForwardedTypeUrls() {
    List<Map.Entry<String, String>> forwarded = containerd.forwardedEvents(namespace());
    Check.isTrue(forwarded.size() >= 2, () -> "too few forwarded events: " + forwarded);
    for (Map.Entry<String, String> e : forwarded) {
      Check.equal(TYPE_URLS.get(e.getKey()), e.getValue(), () -> "forwarded: " + forwarded);
    }
    Check.equal(List.of(), containerd.events(namespace()).decodeWarnings(),
        "ctr events could not decode events of this namespace");
  }

  /** Removes whatever is left of container {@code id} (task and container), ignoring errors. */
  public void forceRemove(String id) {
    // Short timeouts: this runs after failures, when a broken shim may leave ctr waiting.
    containerd.ctr(namespace(), CLEANUP_TIMEOUT, "tasks", "kill", "-a", "-s", "SIGKILL", id);
    containerd.ctr(namespace(), CLEANUP_TIMEOUT, "tasks", "rm", "-f", id);
    containerd.ctr(namespace(), CLEANUP_TIMEOUT, "containers", "rm", id);
  }

  /** Asserts ctr failed with exactly {@code message} on stderr and exit code 1. */
  static void assertCtrError(CommandResult result, String message) {
    Check.equal(1, result.exitCode(), result::describe);
    Check.equal("ctr: " + message, lastLine(result.stderr()), result::describe);
  }

  /** Asserts the command succeeded (exit code 0). */
  static void assertOk(CommandResult result) {
    if (result.exitCode() != 0) {
      // The first line is what a report's table shows: make it say what went wrong.
      throw new AssertionError((result.timedOut() ? "timed out" : "exit code "
          + result.exitCode() + ", expected 0") + ": " + oneLine(result.stderr()) + "\n"
          + result.describe());
    }
  }

  /** {@code text} on one line (ctr's errors may span lines), at most 300 characters. */
  static String oneLine(String text) {
    String line = text.strip().replaceAll("\\s*\n\\s*", " ");
    return line.length() > 300 ? line.substring(0, 297) + "..." : line;
  }

  static String lastLine(String text) {
    String[] lines = text.strip().split("\n");
    return lines[lines.length - 1].strip();
  }

  static void assertContains(String haystack, String needle, CommandResult context) {
    Check.isTrue(haystack.contains(needle),
        () -> "expected to contain <" + needle + ">\n" + context.describe());
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
