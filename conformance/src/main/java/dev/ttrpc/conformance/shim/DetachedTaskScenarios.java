package dev.ttrpc.conformance.shim;

import static dev.ttrpc.conformance.shim.ShimCtr.assertContains;
import static dev.ttrpc.conformance.shim.ShimCtr.assertCtrError;
import static dev.ttrpc.conformance.shim.ShimCtr.assertOk;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.EventLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checklist scenarios 3–22 and 39 (shim-contract §14) as one story: a detached container d1 is
 * listed, exec'd into, paused, resumed, measured, refused deletion and a second start, killed,
 * and deleted. Each step builds on the one before.
 */
public final class DetachedTaskScenarios implements ScenarioGroup {

  /** The group's name. */
  public static final String GROUP = "detached";

  /** The init of d1: exits 3 on SIGTERM (a pid-1 shell ignores an untrapped TERM). */
  private static final String D1_SCRIPT = "trap 'exit 3' TERM; while true; do sleep 0.2; done";

  private final ShimCtr c;
  /** Carried from step to step. */
  private long initPid;
  private long e3Pid;

  DetachedTaskScenarios(ShimCtr c) {
    this.c = c;
  }

  /** The group's scenarios in order; each requires the one before. */
  static List<Scenario> scenarios() {
    Scenario.GroupBuilder<DetachedTaskScenarios> g =
        new Scenario.GroupBuilder<>(GROUP, DetachedTaskScenarios::new);
    Step[] steps = {
        new Step("s03-run-detached", "ctr run -d: create/start, no output", Set.of(),
            DetachedTaskScenarios::s03_runDetached),
        new Step("s04-tasks-ls", "tasks ls: header, pid, RUNNING", Set.of(),
            DetachedTaskScenarios::s04_tasksLs),
        new Step("s05-tasks-ps", "tasks ps: init pid, no exec details", Set.of(),
            DetachedTaskScenarios::s05_tasksPs),
        new Step("s06-exec", "tasks exec: output, exec-added/exec-started/exit", Set.of(),
            DetachedTaskScenarios::s06_execForeground),
        new Step("s07-exec-exit-code", "tasks exec: exit status 5", Set.of(),
            DetachedTaskScenarios::s07_execExitCode),
        new Step("s08-exec-detached", "tasks exec -d: exec-added/exec-started", Set.of(),
            DetachedTaskScenarios::s08_execDetached),
        new Step("s09-exec-duplicate-id", "tasks exec with a used exec id: already exists",
            Set.of(), DetachedTaskScenarios::s09_execDuplicateId),
        new Step("s10-ps-exec-details", "tasks ps: ProcessDetails of the exec", Set.of(),
            DetachedTaskScenarios::s10_psShowsExecDetails),
        new Step("s11-kill-exec", "tasks kill --exec-id: exit 143", Set.of(),
            DetachedTaskScenarios::s11_killExec),
        new Step("s12-pause", "tasks pause: PAUSED, paused event", Set.of(Feature.PAUSE),
            DetachedTaskScenarios::s12_pause),
        new Step("s13-pause-again", "tasks pause when paused: ctr's error",
            Set.of(Feature.PAUSE), DetachedTaskScenarios::s13_pauseAgain),
        new Step("s14-exec-paused", "tasks exec when paused: ctr's error",
            Set.of(Feature.PAUSE), DetachedTaskScenarios::s14_execWhilePaused),
        new Step("s15-resume", "tasks resume, then again: RUNNING, resumed, ctr's error",
            Set.of(Feature.PAUSE), DetachedTaskScenarios::s15_resumeThenResumeAgain),
        new Step("s16-metrics", "tasks metrics: table and JSON", Set.of(Feature.METRICS),
            DetachedTaskScenarios::s16_metrics),
        new Step("s17-delete-running", "tasks delete when running: failed precondition",
            Set.of(), DetachedTaskScenarios::s17_deleteRunningRefused),
        new Step("s18-start-running", "tasks start when running: already exists", Set.of(),
            DetachedTaskScenarios::s18_startRunningRefused),
        new Step("s19-kill-term", "tasks kill: SIGTERM, exit 3, STOPPED", Set.of(),
            DetachedTaskScenarios::s19_killTerm),
        new Step("s20-kill-stopped", "tasks kill when stopped: not found", Set.of(),
            DetachedTaskScenarios::s20_killStopped),
        new Step("s39-kill-unknown-exec", "tasks kill --exec-id nope: not found", Set.of(),
            DetachedTaskScenarios::s39_killUnknownExec),
        new Step("s21-delete-stopped", "tasks delete when stopped: exit code warning, delete",
            Set.of(), DetachedTaskScenarios::s21_deleteStopped),
        new Step("s22-delete-again", "tasks delete again: not found", Set.of(),
            DetachedTaskScenarios::s22_deleteAgain),
        new Step("detached-event-type-urls",
            "forwarded events carry bare proto names as type_url", Set.of(),
            DetachedTaskScenarios::forwardedEventsUseBareTypeUrls),
    };
    String previous = null;
    for (Step s : steps) {
      g.add(s.name, s.summary, s.needs, previous == null ? List.of() : List.of(previous), s.body);
      previous = s.name;
    }
    return g.build();
  }

  private record Step(String name, String summary, Set<Feature> needs,
      Scenario.Step<DetachedTaskScenarios> body) {}

  @Override
  public void cleanup() {
    c.forceRemove("d1");
  }

  void s03_runDetached() {
    int mark = c.mark();
    CommandResult r = c.run("-d", "--", "d1", "/bin/sh", "-c", D1_SCRIPT);
    assertOk(r);
    Check.equal("", r.stdout(), r::describe);
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "create", "start");
    initPid = events.get(0).number("pid");
    Check.equal(initPid, events.get(1).number("pid"), events::toString);
  }

  void s04_tasksLs() {
    CommandResult r = c.ctr("tasks", "ls");
    assertOk(r);
    Check.equal(List.of("TASK", "PID", "STATUS"),
        List.of(r.stdout().lines().findFirst().orElse("").trim().split("\\s+")), r::describe);
    Check.equal(initPid, c.pid("d1"));
    Check.equal("RUNNING", c.status("d1"));
  }

  void s05_tasksPs() {
    CommandResult r = c.ctr("tasks", "ps", "d1");
    assertOk(r);
    List<String> lines = r.stdout().lines().map(String::trim).toList();
    Check.equal("PID INFO", lines.get(0).replaceAll("\\s+", " "), r::describe);
    List<Long> pids = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cols = line.split("\\s+");
      Check.equal("-", cols[1], () -> "no exec runs yet, so no process details\n" + r);
      pids.add(Long.parseLong(cols[0]));
    }
    Check.isTrue(pids.contains(initPid), () -> "init pid " + initPid + " not in\n" + r);
  }

  void s06_execForeground() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "exec", "--exec-id", "e1", "d1", "/bin/echo", "from-exec");
    assertOk(r);
    Check.equal("from-exec\n", r.stdout(), r::describe);
    assertExecEvents(mark, "e1", 0);
  }

  void s07_execExitCode() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "exec", "--exec-id", "e2", "d1", "/bin/sh", "-c", "exit 5");
    Check.equal(5, r.exitCode(), r::describe);
    assertExecEvents(mark, "e2", 5);
  }

  private void assertExecEvents(int mark, String execId, long status) {
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "d1", "exec-added", "exec-started", "exit");
    Check.equal(execId, events.get(0).string("exec_id"), events::toString);
    Check.equal(execId, events.get(1).string("exec_id"), events::toString);
    long pid = events.get(1).number("pid");
    Check.isTrue(pid > 0 && pid != initPid, events::toString);
    Check.equal(execId, events.get(2).string("id"), events::toString);
    Check.equal(pid, events.get(2).number("pid"), events::toString);
    Check.equal(status, events.get(2).number("exit_status"), events::toString);
  }

  void s08_execDetached() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "exec", "-d", "--exec-id", "e3", "d1", "/bin/sleep", "100");
    assertOk(r);
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "exec-added", "exec-started");
    e3Pid = events.get(1).number("pid");
    Check.isTrue(e3Pid > 0, events::toString);
  }

  void s09_execDuplicateId() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "exec", "-d", "--exec-id", "e3", "d1", "/bin/sleep", "100");
    assertCtrError(r, "id e3: already exists");
    c.assertTaskEvents(mark, "d1");
  }

  void s10_psShowsExecDetails() {
    CommandResult r = c.ctr("tasks", "ps", "d1");
    assertOk(r);
    String e3Line = r.stdout().lines().map(String::trim)
        .filter(l -> l.startsWith(e3Pid + " "))
        .findFirst().orElseThrow(() -> new AssertionError("exec pid " + e3Pid + " missing\n" + r));
    assertContains(e3Line, "&ProcessDetails{ExecID:e3,", r);
  }

  void s11_killExec() {
    int mark = c.mark();
    assertOk(c.ctr("tasks", "kill", "--exec-id", "e3", "d1"));
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "exit");
    Check.equal("e3", events.get(0).string("id"), events::toString);
    Check.equal(e3Pid, events.get(0).number("pid"), events::toString);
    Check.equal(143, events.get(0).number("exit_status"), events::toString);
  }

  void s12_pause() {
    int mark = c.mark();
    assertOk(c.ctr("tasks", "pause", "d1"));
    Check.equal("PAUSED", c.status("d1"));
    c.assertTaskEvents(mark, "d1", "paused");
  }

  void s13_pauseAgain() {
    assertCtrError(c.ctr("tasks", "pause", "d1"), "cannot pause a paused container: unknown");
  }

  void s14_execWhilePaused() {
    int mark = c.mark();
    assertCtrError(c.ctr("tasks", "exec", "--exec-id", "e4", "d1", "/bin/echo", "x"),
        "cannot exec in a paused state: unknown");
    c.assertTaskEvents(mark, "d1");
  }

  void s15_resumeThenResumeAgain() {
    int mark = c.mark();
    assertOk(c.ctr("tasks", "resume", "d1"));
    Check.equal("RUNNING", c.status("d1"));
    c.assertTaskEvents(mark, "d1", "resumed");
    assertCtrError(c.ctr("tasks", "resume", "d1"), "cannot resume a running process: unknown");
  }

  void s16_metrics() {
    CommandResult table = c.ctr("tasks", "metrics", "d1");
    assertOk(table);
    for (String metric : List.of("memory.usage_in_bytes", "cpuacct.usage", "pids.current")) {
      Check.isTrue(table.stdout().lines().anyMatch(l -> l.startsWith(metric + " ")),
          () -> metric + " missing\n" + table);
    }
    CommandResult json = c.ctr("tasks", "metrics", "--format", "json", "d1");
    assertOk(json);
    assertContains(json.stdout(), "\"pids\": {", json);
    assertContains(json.stdout(), "\"memory\": {", json);
    assertContains(json.stdout(), "\"cpu\": {", json);
  }

  void s17_deleteRunningRefused() {
    assertCtrError(c.ctr("tasks", "delete", "d1"),
        "task must be stopped before deletion: running: failed precondition");
    Check.equal("RUNNING", c.status("d1"));
  }

  void s18_startRunningRefused() {
    assertCtrError(c.ctr("tasks", "start", "d1"), "task d1: already exists");
  }

  void s19_killTerm() {
    int mark = c.mark();
    assertOk(c.ctr("tasks", "kill", "d1"));
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "exit");
    Check.equal("d1", events.get(0).string("id"), events::toString);
    Check.equal(initPid, events.get(0).number("pid"), events::toString);
    Check.equal(3, events.get(0).number("exit_status"), events::toString);
    Check.equal("STOPPED", c.status("d1"));
  }

  void s20_killStopped() {
    assertCtrError(c.ctr("tasks", "kill", "d1"), "process already finished: not found");
  }

  void s39_killUnknownExec() {
    assertCtrError(c.ctr("tasks", "kill", "--exec-id", "nope", "d1"),
        "process does not exist nope: not found");
  }

  void s21_deleteStopped() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "delete", "d1");
    assertOk(r);
    assertContains(r.stderr(), "msg=\"task d1 exit with non-zero exit code 3\"", r);
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "delete");
    Check.equal(initPid, events.get(0).number("pid"), events::toString);
    Check.equal(3, events.get(0).number("exit_status"), events::toString);
    Check.isTrue(c.task("d1").isEmpty(), "task d1 still listed");
  }

  void s22_deleteAgain() {
    assertCtrError(c.ctr("tasks", "delete", "d1"),
        "no running task found: task d1 not found: not found");
    assertOk(c.ctr("containers", "rm", "d1"));
  }

  void forwardedEventsUseBareTypeUrls() {
    c.assertForwardedTypeUrls();
  }
}
