package dev.ttrpc.conformance.shim;

import static dev.ttrpc.conformance.shim.ShimCtr.assertContains;
import static dev.ttrpc.conformance.shim.ShimCtr.assertOk;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.EventLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Checklist scenarios 1, 2, 23, 24, 30–32, 37 and 38 (shim-contract §14): foreground runs, their
 * output, exit codes and task events, stdio variants, OOM and a failing create; then the
 * type_url of every event the shim forwarded.
 */
public final class RunLifecycleScenarios implements ScenarioGroup {

  /** The group's name. */
  public static final String GROUP = "run";

  private final ShimCtr c;

  RunLifecycleScenarios(ShimCtr c) {
    this.c = c;
  }

  /** The group's scenarios in order. */
  static List<Scenario> scenarios() {
    return new Scenario.GroupBuilder<>(GROUP, RunLifecycleScenarios::new)
        .add("s01-run-rm-echo", "ctr run --rm: stdout, exit 0, create/start/exit/delete",
            Set.of(), List.of(), RunLifecycleScenarios::s01_runRmEcho)
        .add("s02-run-rm-exit-code", "ctr run --rm: stderr and exit status 7",
            Set.of(), List.of(), RunLifecycleScenarios::s02_runRmStderrAndExitCode)
        .add("s23-create-then-start", "ctr containers create + tasks start: exit 4",
            Set.of(), List.of(), RunLifecycleScenarios::s23_containersCreateThenTasksStart)
        .add("s24-start-detached-rm", "tasks start -d, tasks ls RUNNING then STOPPED, tasks rm",
            Set.of(), List.of(), RunLifecycleScenarios::s24_detachedStartListAndRemove)
        .add("s30-null-io", "ctr run --null-io", Set.of(), List.of(),
            RunLifecycleScenarios::s30_nullIo)
        .add("s31-log-uri-file", "ctr run --log-uri file://: both streams in the file",
            Set.of(), List.of(), RunLifecycleScenarios::s31_logUriFile)
        .add("s32-log-uri-binary", "ctr run --log-uri binary://: logger argv, env and streams",
            Set.of(), List.of(), RunLifecycleScenarios::s32_logUriBinary)
        .add("s37-oom-kill", "memory limit exceeded: exit 137 and /tasks/oom",
            Set.of(Feature.OOM), List.of(), RunLifecycleScenarios::s37_oomKill)
        .add("s38-missing-binary", "failing create: ctr's error, no task left",
            Set.of(), List.of(), RunLifecycleScenarios::s38_missingBinaryFailsCreate)
        .add("run-event-type-urls", "forwarded events carry bare proto names as type_url",
            Set.of(), List.of("s01-run-rm-echo"),
            RunLifecycleScenarios::forwardedEventsUseBareTypeUrls)
        .build();
  }

  @Override
  public void cleanup() {
    for (String id : List.of("a1", "a2", "s1", "s2", "n1", "f1", "b1", "m1", "w1")) {
      c.forceRemove(id);
    }
  }

  /** Asserts the four lifecycle events, one pid throughout, and the exit status in exit/delete. */
  private void assertStandardEvents(int mark, String id, long exitStatus) {
    List<EventLog.Event> events = c.assertTaskEvents(mark, id, "create", "start", "exit", "delete");
    long pid = events.get(0).number("pid");
    Check.isTrue(pid > 0, () -> "create pid: " + events);
    Check.equal(pid, events.get(1).number("pid"), () -> "start pid: " + events);
    EventLog.Event exit = events.get(2);
    Check.equal(id, exit.string("id"), () -> "exit id is the container id for init: " + exit);
    Check.equal(pid, exit.number("pid"), () -> "exit pid: " + exit);
    Check.equal(exitStatus, exit.number("exit_status"), exit::toString);
    Check.equal(exitStatus, events.get(3).number("exit_status"), events.get(3)::toString);
  }

  void s01_runRmEcho() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--", "a1", "/bin/echo", "hello");
    assertOk(r);
    Check.equal("hello\n", r.stdout(), r::describe);
    assertStandardEvents(mark, "a1", 0);
  }

  void s02_runRmStderrAndExitCode() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--", "a2", "/bin/sh", "-c", "echo to-stderr >&2; exit 7");
    Check.equal(7, r.exitCode(), r::describe);
    Check.equal("", r.stdout(), r::describe);
    Check.equal("to-stderr\n", r.stderr(), r::describe);
    assertStandardEvents(mark, "a2", 7);
  }

  void s23_containersCreateThenTasksStart() throws IOException {
    Path script = c.containerd().rootfs().resolve("exit4.sh");
    if (!Files.exists(script)) {
      Files.writeString(script, "#!/bin/sh\necho started\nexit 4\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    assertOk(c.createContainer("--", "s1", "/exit4.sh"));
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "start", "s1");
    Check.equal(4, r.exitCode(), r::describe);
    Check.equal("started\n", r.stdout(), r::describe);
    assertStandardEvents(mark, "s1", 4);
    assertOk(c.ctr("containers", "rm", "s1"));
  }

  void s24_detachedStartListAndRemove() {
    // No dash arguments: `ctr containers create` (unlike `ctr run`) reorders flags.
    assertOk(c.createContainer("--", "s2", "/bin/sleep", "1"));
    int mark = c.mark();
    CommandResult start = c.ctr("tasks", "start", "-d", "s2");
    assertOk(start);
    Check.equal("", start.stdout(), start::describe);
    Check.equal("RUNNING", c.status("s2"));
    c.awaitStatus("s2", "STOPPED", Duration.ofSeconds(15));
    assertOk(c.ctr("tasks", "rm", "s2"));
    assertStandardEvents(mark, "s2", 0);
    Check.isTrue(c.task("s2").isEmpty(), "task s2 still listed after tasks rm");
    assertOk(c.ctr("containers", "rm", "s2"));
  }

  void s30_nullIo() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--null-io", "--", "n1", "/bin/echo", "invisible");
    assertOk(r);
    Check.equal("", r.stdout(), r::describe);
    assertStandardEvents(mark, "n1", 0);
  }

  void s31_logUriFile() throws IOException {
    Path log = c.containerd().dir().resolve("logs").resolve("f1-" + c.target().label() + ".log");
    // The shim appends to the file: a rerun must not see an earlier run's lines.
    Files.deleteIfExists(log);
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--log-uri", "file://" + log, "--",
        "f1", "/bin/sh", "-c", "echo out; echo err >&2");
    assertOk(r);
    Check.equal("", r.stdout(), r::describe);
    assertStandardEvents(mark, "f1", 0);
    String content = Files.readString(log, StandardCharsets.UTF_8);
    Check.equal(List.of("err", "out"), content.lines().sorted().toList(), content);
  }

  void s32_logUriBinary() throws IOException {
    Path dir = c.containerd().dir().resolve("logs");
    Files.createDirectories(dir);
    Path captured = dir.resolve("logbin-" + c.target().label() + ".txt");
    Path logger = dir.resolve("logbin.sh");
    Files.writeString(logger, """
        #!/bin/sh
        # ctr's binary logging protocol: fd 3 = stdout, fd 4 = stderr, fd 5 = readiness.
        # Lines are appended as they come: the shim SIGTERMs the logger at teardown.
        out="$(dirname "$0")/logbin-$CONTAINER_NAMESPACE.txt"
        echo "ARGS: $*" > "$out"
        echo "ID: $CONTAINER_ID" >> "$out"
        exec 5>&-
        while read -r line; do echo "OUT: $line" >> "$out"; done <&3 &
        while read -r line; do echo "ERR: $line" >> "$out"; done <&4 &
        wait
        """, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(logger, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path written = dir.resolve("logbin-" + c.namespace() + ".txt");
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--log-uri", "binary://" + logger + "?foo=bar", "--",
        "b1", "/bin/sh", "-c", "echo out; echo err >&2");
    assertOk(r);
    assertStandardEvents(mark, "b1", 0);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    List<String> lines = List.of();
    while (lines.size() < 4 && System.nanoTime() < deadline) {
      ShimCtr.sleep(Duration.ofMillis(100));
      lines = Files.exists(written)
          ? Files.readAllLines(written, StandardCharsets.UTF_8)
          : List.of();
    }
    List<String> got = lines;
    Check.equal(4, got.size(), () -> "logger output " + written + ": " + got);
    Check.equal("ARGS: foo bar", got.get(0), got::toString);
    Check.equal("ID: b1", got.get(1), got::toString);
    Check.equal(List.of("ERR: err", "OUT: out"), got.subList(2, 4).stream().sorted().toList(),
        got::toString);
    Files.move(written, captured);
  }

  void s37_oomKill() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--memory-limit", "16777216", "--",
        "m1", "/bin/sh", "-c", "tail /dev/zero");
    Check.equal(137, r.exitCode(), r::describe);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "m1", "create", "start", "oom", "exit", "delete");
    Check.equal(137, events.get(3).number("exit_status"), events::toString);
  }

  void s38_missingBinaryFailsCreate() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--", "w1", "/usr/bin/wc");
    Check.equal(1, r.exitCode(), r::describe);
    String error = ShimCtr.lastLine(r.stderr());
    Check.isTrue(error.startsWith("ctr: failed to create shim task: "), r::describe);
    Check.isTrue(error.endsWith(": unknown"), r::describe);
    assertContains(error, "/usr/bin/wc", r);
    assertContains(error, "no such file or directory", r);
    if (c.target().supports(Feature.RUNC_ERRORS)) {
      Check.equal("ctr: failed to create shim task: OCI runtime create failed: runc create failed:"
          + " unable to start container process: exec: \"/usr/bin/wc\": stat /usr/bin/wc:"
          + " no such file or directory: unknown", error, r::describe);
    }
    c.assertTaskEvents(mark, "w1");
    Check.isTrue(c.task("w1").isEmpty(), "no task may be left after a failed create");
    c.ctr("containers", "rm", "w1");
  }

  void forwardedEventsUseBareTypeUrls() {
    c.assertForwardedTypeUrls();
  }
}
