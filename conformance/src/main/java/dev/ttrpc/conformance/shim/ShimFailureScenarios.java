package dev.ttrpc.conformance.shim;

import static dev.ttrpc.conformance.shim.ShimCtr.assertContains;
import static dev.ttrpc.conformance.shim.ShimCtr.assertOk;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.EventLog;
import dev.ttrpc.conformance.support.PrivateContainerd;
import dev.ttrpc.conformance.support.Procs;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Checklist scenarios 33, 35, 40, 41 and 42 (shim-contract §14): kill --all, forced removal,
 * one shim serving a group of containers, a shim killed with SIGKILL, and a containerd restart
 * with a running container.
 */
public final class ShimFailureScenarios implements ScenarioGroup {

  /** The group's name. */
  public static final String GROUP = "failure";

  private static final String LOOP = "while true; do sleep 0.2; done";
  private static final String GROUP_LABEL = "io.containerd.runc.v2.group";
  private static final Duration SETTLE = Duration.ofSeconds(15);

  private final ShimCtr c;
  private final PrivateContainerd containerd;

  ShimFailureScenarios(ShimCtr c) {
    this.c = c;
    this.containerd = c.containerd();
  }

  /** The group's scenarios in order. */
  static List<Scenario> scenarios() {
    return new Scenario.GroupBuilder<>(GROUP, ShimFailureScenarios::new)
        .add("s33-kill-all-sigkill", "tasks kill -a -s SIGKILL: exit 137, init gone",
            Set.of(), List.of(), ShimFailureScenarios::s33_killAllSigkill)
        .add("s35-rm-force", "tasks rm -f of a running task: exit 137, init gone",
            Set.of(), List.of(), ShimFailureScenarios::s35_forceRemoveRunning)
        .add("s40-grouped-containers", "two containers of one group share one shim daemon",
            Set.of(), List.of(), ShimFailureScenarios::s40_groupedContainersShareOneShim)
        .add("s41-shim-killed", "SIGKILL to the shim: containerd cleans up, exit 137",
            Set.of(), List.of(), ShimFailureScenarios::s41_shimKilled)
        .add("s42-containerd-restart", "containerd restarts: the task is still served",
            Set.of(), List.of(), Duration.ofMinutes(5),
            ShimFailureScenarios::s42_containerdRestart)
        .build();
  }

  @Override
  public void cleanup() {
    for (String id : List.of("k1", "f1", "g1a", "g1b", "x41", "r1")) {
      c.forceRemove(id);
    }
  }

  /** The shim daemon serving a task: the parent of its init (the shim is a subreaper). */
  private long shimOf(String id) {
    long pid = c.pid(id);
    long shim = Procs.parent(pid).orElseThrow(() -> new AssertionError("no parent of " + pid));
    String cmd = Procs.commandLine(shim);
    Check.isTrue((" " + cmd + " ").contains(" -namespace " + c.namespace() + " "),
        () -> "the parent of task " + id + " is not a shim of this namespace: " + cmd);
    return shim;
  }

  void s33_killAllSigkill() {
    int mark = c.mark();
    assertOk(c.run("-d", "--", "k1", "/bin/sh", "-c", LOOP));
    long pid = c.pid("k1");
    assertOk(c.ctr("tasks", "kill", "-a", "-s", "SIGKILL", "k1"));
    c.awaitStatus("k1", "STOPPED", SETTLE);
    CommandResult delete = c.ctr("tasks", "delete", "k1");
    assertOk(delete);
    assertContains(delete.stderr(), "task k1 exit with non-zero exit code 137", delete);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "k1", "create", "start", "exit", "delete");
    Check.equal(pid, events.get(2).number("pid"), events::toString);
    Check.equal(137, events.get(2).number("exit_status"), events::toString);
    Check.isTrue(Procs.awaitGone(pid, SETTLE), "container init still runs");
    assertOk(c.ctr("containers", "rm", "k1"));
  }

  void s35_forceRemoveRunning() {
    int mark = c.mark();
    assertOk(c.run("-d", "--", "f1", "/bin/sh", "-c", LOOP));
    long pid = c.pid("f1");
    CommandResult rm = c.ctr("tasks", "rm", "-f", "f1");
    assertOk(rm);
    assertContains(rm.stderr(), "task f1 exit with non-zero exit code 137", rm);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "f1", "create", "start", "exit", "delete");
    Check.equal(137, events.get(2).number("exit_status"), events::toString);
    Check.isTrue(c.task("f1").isEmpty(), "task f1 still listed");
    Check.isTrue(Procs.awaitGone(pid, SETTLE), "container init still runs");
    assertOk(c.ctr("containers", "rm", "f1"));
  }

  void s40_groupedContainersShareOneShim() {
    assertOk(c.run("-d", "--label", GROUP_LABEL + "=g1", "--", "g1a", "/bin/sh", "-c", LOOP));
    assertOk(c.run("-d", "--label", GROUP_LABEL + "=g1", "--", "g1b", "/bin/sh", "-c", LOOP));
    long shim = shimOf("g1a");
    Check.equal(shim, shimOf("g1b"), "both containers of group g1 are served by one shim");

    assertOk(c.ctr("tasks", "rm", "-f", "g1a"));
    ShimCtr.sleep(Duration.ofSeconds(1));
    Check.isTrue(Procs.alive(shim), "the shim must stay while g1b runs");
    Check.equal("RUNNING", c.status("g1b"));
    CommandResult exec =
        c.ctr("tasks", "exec", "--exec-id", "ge1", "g1b", "/bin/echo", "still-served");
    assertOk(exec);
    Check.equal("still-served\n", exec.stdout(), exec::describe);

    assertOk(c.ctr("tasks", "rm", "-f", "g1b"));
    Check.isTrue(Procs.awaitGone(shim, SETTLE), "the shim must exit after its last container");
    assertOk(c.ctr("containers", "rm", "g1a", "g1b"));
  }

  void s41_shimKilled() throws IOException {
    assertOk(c.run("-d", "--", "x41", "/bin/sh", "-c", LOOP));
    long pid = c.pid("x41");
    long shim = shimOf("x41");
    int mark = c.mark();
    ProcessHandle.of(shim).ifPresent(ProcessHandle::destroyForcibly);
    c.awaitNoTask("x41", SETTLE);
    // containerd publishes these itself, from the shim's `delete` action.
    List<EventLog.Event> events = c.assertTaskEvents(mark, "x41", "exit", "delete");
    Check.equal(pid, events.get(0).number("pid"), events::toString);
    Check.equal(137, events.get(0).number("exit_status"), events::toString);
    Check.isTrue(Procs.awaitGone(pid, SETTLE), "the `delete` action must kill the container");
    assertOk(c.ctr("containers", "rm", "x41"));
    // A killed shim cannot unlink its socket, and containerd does not either.
    Files.deleteIfExists(containerd.shimSocket(c.namespace(), "x41"));
  }

  void s42_containerdRestart() {
    assertOk(c.run("-d", "--", "r1", "/bin/sh", "-c", LOOP));
    long pid = c.pid("r1");
    long shim = shimOf("r1");
    long oldContainerd = containerd.pid();

    containerd.restart();
    Check.notEqual(oldContainerd, containerd.pid(), "containerd pid after restart");
    Check.isTrue(Procs.alive(shim), "the shim outlives containerd");
    Check.equal("RUNNING", c.status("r1"));
    Check.equal(pid, c.pid("r1"));

    int mark = c.mark();
    CommandResult exec =
        c.ctr("tasks", "exec", "--exec-id", "re1", "r1", "/bin/echo", "reconnected");
    assertOk(exec);
    Check.equal("reconnected\n", exec.stdout(), exec::describe);
    c.assertTaskEvents(mark, "r1", "exec-added", "exec-started", "exit");

    mark = c.mark();
    assertOk(c.ctr("tasks", "rm", "-f", "r1"));
    List<EventLog.Event> events = c.assertTaskEvents(mark, "r1", "exit", "delete");
    Check.equal(137, events.get(0).number("exit_status"), events::toString);
    Check.isTrue(Procs.awaitGone(shim, SETTLE), "the shim exits after its last task is deleted");
    assertOk(c.ctr("containers", "rm", "r1"));
  }
}
