package dev.ttrpc.conformance.shim;

import static dev.ttrpc.conformance.shim.ShimCtr.assertContains;
import static dev.ttrpc.conformance.shim.ShimCtr.assertOk;
import static dev.ttrpc.conformance.shim.ShimCtr.shellQuote;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.EventLog;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Checklist scenarios 25–28 (shim-contract §14): terminals. ctr needs a tty of its own, so each
 * command runs under {@code script -qec} (util-linux, Debian package bsdutils), which gives it a
 * pty and returns its exit status.
 */
public final class TtyScenarios implements ScenarioGroup {

  /** The group's name. */
  public static final String GROUP = "tty";

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final ShimCtr c;

  TtyScenarios(ShimCtr c) {
    this.c = c;
  }

  /** The group's scenarios in order. */
  static List<Scenario> scenarios() {
    return new Scenario.GroupBuilder<>(GROUP, TtyScenarios::new)
        .add("s25-run-rm-tty", "ctr run --rm -t: a tty, exit 3, terminal in the create event",
            Set.of(), List.of(), TtyScenarios::s25_runRmWithTerminal)
        .add("s26-run-detached-tty", "ctr run -d -t: create/start, RUNNING",
            Set.of(), List.of(), TtyScenarios::s26_runDetachedWithTerminal)
        .add("s27-exec-tty-resize", "tasks exec -t: a tty of the window's size",
            Set.of(), List.of("s26-run-detached-tty"), TtyScenarios::s27_execWithTerminalAndResize)
        .add("s28-attach", "tasks attach: input reaches the shell, exit 9, task deleted",
            Set.of(), List.of("s27-exec-tty-resize"), TtyScenarios::s28_attach)
        .build();
  }

  /** What the machine needs for this group beyond containerd, or null. */
  static String missingTool() {
    return Commands.onPath("script") ? null
        : "script is not installed (Debian: apt-get install bsdutils)";
  }

  @Override
  public void cleanup() {
    for (String id : List.of("tt2", "tt3")) {
      c.forceRemove(id);
    }
  }

  /** {@code script -qec "<prefix><ctr argv>" /dev/null}, as one bash command line. */
  private static String underScript(String prefix, List<String> ctrArgv) {
    return "script -qec " + shellQuote(List.of(prefix + shellQuote(ctrArgv))) + " /dev/null";
  }

  /**
   * What {@code tty} prints: runc gives each container its own devpts instance; a chrooted plain
   * process has no /proc or /dev to name its terminal, so only {@code [ -t 0 ]} is checked there.
   */
  private String expectedTty(int index) {
    return c.target().supports(Feature.ISOLATION) ? "/dev/pts/" + index : "";
  }

  void s25_runRmWithTerminal() {
    int mark = c.mark();
    List<String> run = c.ctrCommand(c.runArgs("--rm", "-t", "--",
        "tt2", "/bin/sh", "-c", "tty; [ -t 0 ] && echo stdin-is-a-tty; exit 3")
        .toArray(String[]::new));
    CommandResult r = ShimCtr.shell(TIMEOUT, underScript("stty cols 100 rows 30; ", run));
    Check.equal(3, r.exitCode(), r::describe);
    assertContains(r.stdout(), expectedTty(0), r);
    assertContains(r.stdout(), "stdin-is-a-tty", r);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "tt2", "create", "start", "exit", "delete");
    assertContains(events.get(0).json(), "\"terminal\":true", r);
    Check.isTrue(!events.get(0).json().contains("\"stderr\""),
        () -> "a terminal task has no stderr: " + events.get(0));
    Check.equal(3, events.get(2).number("exit_status"), events::toString);
  }

  void s26_runDetachedWithTerminal() {
    int mark = c.mark();
    List<String> run = c.ctrCommand(c.runArgs("-d", "-t", "--", "tt3", "/bin/sh")
        .toArray(String[]::new));
    CommandResult r = ShimCtr.shell(TIMEOUT, underScript("", run));
    assertOk(r);
    c.assertTaskEvents(mark, "tt3", "create", "start");
    Check.equal("RUNNING", c.status("tt3"));
  }

  void s27_execWithTerminalAndResize() {
    int mark = c.mark();
    List<String> exec = c.ctrCommand("tasks", "exec", "-t", "--exec-id", "x1", "tt3",
        "/bin/sh", "-c", "sleep 0.3; tty; [ -t 0 ] && echo stdin-is-a-tty; stty size");
    CommandResult r = ShimCtr.shell(TIMEOUT, underScript("stty cols 90 rows 20; ", exec));
    assertOk(r);
    assertContains(r.stdout(), expectedTty(1), r);
    assertContains(r.stdout(), "stdin-is-a-tty", r);
    assertContains(r.stdout(), "20 90", r);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "tt3", "exec-added", "exec-started", "exit");
    Check.equal("x1", events.get(2).string("id"), events::toString);
    Check.equal(0, events.get(2).number("exit_status"), events::toString);
  }

  void s28_attach() {
    int mark = c.mark();
    String attach = underScript("", c.ctrCommand("tasks", "attach", "tt3"));
    CommandResult r = ShimCtr.shell(TIMEOUT,
        "(sleep 1; printf 'echo attached-ok; exit 9\\r') | " + attach);
    Check.equal(9, r.exitCode(), r::describe);
    Check.isTrue(r.stdout().lines().anyMatch(l -> l.strip().equals("attached-ok")), r::describe);
    List<EventLog.Event> events = c.assertTaskEvents(mark, "tt3", "exit", "delete");
    Check.equal(9, events.get(0).number("exit_status"), events::toString);
    Check.isTrue(c.task("tt3").isEmpty(), "attach deletes the task after it exits");
    assertOk(c.ctr("containers", "rm", "tt3"));
  }
}
