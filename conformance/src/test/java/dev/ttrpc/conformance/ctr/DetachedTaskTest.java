package dev.ttrpc.conformance.ctr;

import static dev.ttrpc.conformance.ctr.VariantCtr.assertContains;
import static dev.ttrpc.conformance.ctr.VariantCtr.assertCtrError;
import static dev.ttrpc.conformance.ctr.VariantCtr.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.EventLog;
import dev.ttrpc.conformance.support.PrivateContainerd;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checklist scenarios 3–22 and 39 (shim-contract §14) as one story per {@link ShimVariant}: a
 * detached container d1 is listed, exec'd into, paused, resumed, measured, refused deletion and a
 * second start, killed, and deleted. Steps build on each other and run in order.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ShimVariant.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DetachedTaskTest {

  @RegisterExtension
  static final PrivateContainerd containerd =
      PrivateContainerd.withShimDirs(ShimVariant.minimalShimBin());

  /** The init of d1: exits 3 on SIGTERM (a pid-1 shell ignores an untrapped TERM). */
  private static final String D1_SCRIPT = "trap 'exit 3' TERM; while true; do sleep 0.2; done";

  @Parameter
  ShimVariant variant;

  private VariantCtr c;

  /** State shared by the ordered steps of one variant (a new instance runs each step). */
  private static long initPid;
  private static long e3Pid;

  @BeforeEach
  void setUp() {
    variant.requireInstalled();
    c = new VariantCtr(containerd, variant);
  }

  @AfterParameterizedClassInvocation
  static void removeLeftovers(ShimVariant variant) {
    if (containerd.isRunning()) {
      new VariantCtr(containerd, variant).forceRemove("d1");
    }
  }

  @Test
  @Order(3)
  void s03_runDetached() {
    int mark = c.mark();
    CommandResult r = c.run("-d", "--", "d1", "/bin/sh", "-c", D1_SCRIPT);
    assertOk(r);
    assertEquals("", r.stdout(), r::describe);
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "create", "start");
    initPid = events.get(0).number("pid");
    assertEquals(initPid, events.get(1).number("pid"), events::toString);
  }

  @Test
  @Order(4)
  void s04_tasksLs() {
    CommandResult r = c.ctr("tasks", "ls");
    assertOk(r);
    assertEquals(List.of("TASK", "PID", "STATUS"),
        List.of(r.stdout().lines().findFirst().orElse("").trim().split("\\s+")), r::describe);
    assertEquals(initPid, c.pid("d1"));
    assertEquals("RUNNING", c.status("d1"));
  }

  @Test
  @Order(5)
  void s05_tasksPs() {
    CommandResult r = c.ctr("tasks", "ps", "d1");
    assertOk(r);
    List<String> lines = r.stdout().lines().map(String::trim).toList();
    assertEquals("PID INFO", lines.get(0).replaceAll("\\s+", " "), r::describe);
    List<Long> pids = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cols = line.split("\\s+");
      assertEquals("-", cols[1], () -> "no exec runs yet, so no process details\n" + r);
      pids.add(Long.parseLong(cols[0]));
    }
    assertTrue(pids.contains(initPid), () -> "init pid " + initPid + " not in\n" + r);
  }

  @Test
  @Order(6)
  void s06_execForeground() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "exec", "--exec-id", "e1", "d1", "/bin/echo", "from-exec");
    assertOk(r);
    assertEquals("from-exec\n", r.stdout(), r::describe);
    assertExecEvents(mark, "e1", 0);
  }

  @Test
  @Order(7)
  void s07_execExitCode() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "exec", "--exec-id", "e2", "d1", "/bin/sh", "-c", "exit 5");
    assertEquals(5, r.exitCode(), r::describe);
    assertExecEvents(mark, "e2", 5);
  }

  private void assertExecEvents(int mark, String execId, long status) {
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "d1", "exec-added", "exec-started", "exit");
    assertEquals(execId, events.get(0).string("exec_id"), events::toString);
    assertEquals(execId, events.get(1).string("exec_id"), events::toString);
    long pid = events.get(1).number("pid");
    assertTrue(pid > 0 && pid != initPid, events::toString);
    assertEquals(execId, events.get(2).string("id"), events::toString);
    assertEquals(pid, events.get(2).number("pid"), events::toString);
    assertEquals(status, events.get(2).number("exit_status"), events::toString);
  }

  @Test
  @Order(8)
  void s08_execDetached() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "exec", "-d", "--exec-id", "e3", "d1", "/bin/sleep", "100");
    assertOk(r);
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "exec-added", "exec-started");
    e3Pid = events.get(1).number("pid");
    assertTrue(e3Pid > 0, events::toString);
  }

  @Test
  @Order(9)
  void s09_execDuplicateId() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "exec", "-d", "--exec-id", "e3", "d1", "/bin/sleep", "100");
    assertCtrError(r, "id e3: already exists");
    c.assertTaskEvents(mark, "d1");
  }

  @Test
  @Order(10)
  void s10_psShowsExecDetails() {
    CommandResult r = c.ctr("tasks", "ps", "d1");
    assertOk(r);
    String e3Line = r.stdout().lines().map(String::trim)
        .filter(l -> l.startsWith(e3Pid + " "))
        .findFirst().orElseThrow(() -> new AssertionError("exec pid " + e3Pid + " missing\n" + r));
    assertContains(e3Line, "&ProcessDetails{ExecID:e3,", r);
  }

  @Test
  @Order(11)
  void s11_killExec() {
    int mark = c.mark();
    assertOk(c.ctr("tasks", "kill", "--exec-id", "e3", "d1"));
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "exit");
    assertEquals("e3", events.get(0).string("id"), events::toString);
    assertEquals(e3Pid, events.get(0).number("pid"), events::toString);
    assertEquals(143, events.get(0).number("exit_status"), events::toString);
  }

  @Test
  @Order(12)
  void s12_pause() {
    assumeTrue(variant.supports(ShimVariant.Feature.PAUSE), "no pause in " + variant);
    int mark = c.mark();
    assertOk(c.ctr("tasks", "pause", "d1"));
    assertEquals("PAUSED", c.status("d1"));
    c.assertTaskEvents(mark, "d1", "paused");
  }

  @Test
  @Order(13)
  void s13_pauseAgain() {
    assumeTrue(variant.supports(ShimVariant.Feature.PAUSE), "no pause in " + variant);
    assertCtrError(c.ctr("tasks", "pause", "d1"), "cannot pause a paused container: unknown");
  }

  @Test
  @Order(14)
  void s14_execWhilePaused() {
    assumeTrue(variant.supports(ShimVariant.Feature.PAUSE), "no pause in " + variant);
    int mark = c.mark();
    assertCtrError(c.ctr("tasks", "exec", "--exec-id", "e4", "d1", "/bin/echo", "x"),
        "cannot exec in a paused state: unknown");
    c.assertTaskEvents(mark, "d1");
  }

  @Test
  @Order(15)
  void s15_resumeThenResumeAgain() {
    assumeTrue(variant.supports(ShimVariant.Feature.PAUSE), "no pause in " + variant);
    int mark = c.mark();
    assertOk(c.ctr("tasks", "resume", "d1"));
    assertEquals("RUNNING", c.status("d1"));
    c.assertTaskEvents(mark, "d1", "resumed");
    assertCtrError(c.ctr("tasks", "resume", "d1"), "cannot resume a running process: unknown");
  }

  @Test
  @Order(16)
  void s16_metrics() {
    assumeTrue(variant.supports(ShimVariant.Feature.METRICS), "no cgroup metrics in " + variant);
    CommandResult table = c.ctr("tasks", "metrics", "d1");
    assertOk(table);
    for (String metric : List.of("memory.usage_in_bytes", "cpuacct.usage", "pids.current")) {
      assertTrue(table.stdout().lines().anyMatch(l -> l.startsWith(metric + " ")),
          () -> metric + " missing\n" + table);
    }
    CommandResult json = c.ctr("tasks", "metrics", "--format", "json", "d1");
    assertOk(json);
    assertContains(json.stdout(), "\"pids\": {", json);
    assertContains(json.stdout(), "\"memory\": {", json);
    assertContains(json.stdout(), "\"cpu\": {", json);
  }

  @Test
  @Order(17)
  void s17_deleteRunningRefused() {
    assertCtrError(c.ctr("tasks", "delete", "d1"),
        "task must be stopped before deletion: running: failed precondition");
    assertEquals("RUNNING", c.status("d1"));
  }

  @Test
  @Order(18)
  void s18_startRunningRefused() {
    assertCtrError(c.ctr("tasks", "start", "d1"), "task d1: already exists");
  }

  @Test
  @Order(19)
  void s19_killTerm() {
    int mark = c.mark();
    assertOk(c.ctr("tasks", "kill", "d1"));
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "exit");
    assertEquals("d1", events.get(0).string("id"), events::toString);
    assertEquals(initPid, events.get(0).number("pid"), events::toString);
    assertEquals(3, events.get(0).number("exit_status"), events::toString);
    assertEquals("STOPPED", c.status("d1"));
  }

  @Test
  @Order(20)
  void s20_killStopped() {
    assertCtrError(c.ctr("tasks", "kill", "d1"), "process already finished: not found");
  }

  @Test
  @Order(21)
  void s39_killUnknownExec() {
    assertCtrError(c.ctr("tasks", "kill", "--exec-id", "nope", "d1"),
        "process does not exist nope: not found");
  }

  @Test
  @Order(22)
  void s21_deleteStopped() {
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "delete", "d1");
    assertOk(r);
    assertContains(r.stderr(), "msg=\"task d1 exit with non-zero exit code 3\"", r);
    List<EventLog.Event> events = c.assertTaskEvents(mark, "d1", "delete");
    assertEquals(initPid, events.get(0).number("pid"), events::toString);
    assertEquals(3, events.get(0).number("exit_status"), events::toString);
    assertTrue(c.task("d1").isEmpty(), "task d1 still listed");
  }

  @Test
  @Order(23)
  void s22_deleteAgain() {
    assertCtrError(c.ctr("tasks", "delete", "d1"),
        "no running task found: task d1 not found: not found");
    assertOk(c.ctr("containers", "rm", "d1"));
  }

  @Test
  @Order(99)
  void forwardedEventsUseBareTypeUrls() {
    c.assertForwardedTypeUrls();
  }
}
