package dev.ttrpc.conformance.ctr;

import static dev.ttrpc.conformance.ctr.VariantCtr.assertContains;
import static dev.ttrpc.conformance.ctr.VariantCtr.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.EventLog;
import dev.ttrpc.conformance.support.PrivateContainerd;
import dev.ttrpc.conformance.support.Procs;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
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
 * Checklist scenarios 33, 35, 40, 41 and 42 (shim-contract §14): kill --all, forced removal,
 * one shim serving a group of containers, a shim killed with SIGKILL, and a containerd restart
 * with a running container.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ShimVariant.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShimFailureTest {

  @RegisterExtension
  static final PrivateContainerd containerd =
      PrivateContainerd.withShimDirs(ShimVariant.minimalShimBin());

  private static final String LOOP = "while true; do sleep 0.2; done";
  private static final String GROUP_LABEL = "io.containerd.runc.v2.group";
  private static final Duration SETTLE = Duration.ofSeconds(15);

  @Parameter
  ShimVariant variant;

  private VariantCtr c;

  @BeforeEach
  void setUp() {
    variant.requireInstalled();
    c = new VariantCtr(containerd, variant);
  }

  @AfterParameterizedClassInvocation
  static void removeLeftovers(ShimVariant variant) {
    if (containerd.isRunning()) {
      VariantCtr c = new VariantCtr(containerd, variant);
      for (String id : List.of("k1", "f1", "g1a", "g1b", "x41", "r1")) {
        c.forceRemove(id);
      }
    }
  }

  /** The shim daemon serving a task: the parent of its init (the shim is a subreaper). */
  private long shimOf(String id) {
    long pid = c.pid(id);
    long shim = Procs.parent(pid).orElseThrow(() -> new AssertionError("no parent of " + pid));
    String cmd = Procs.commandLine(shim);
    assertTrue((" " + cmd + " ").contains(" -namespace " + c.namespace() + " "),
        () -> "the parent of task " + id + " is not a shim of this namespace: " + cmd);
    return shim;
  }

  @Test
  @Order(33)
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
    assertEquals(pid, events.get(2).number("pid"), events::toString);
    assertEquals(137, events.get(2).number("exit_status"), events::toString);
    assertTrue(Procs.awaitGone(pid, SETTLE), "container init still runs");
    assertOk(c.ctr("containers", "rm", "k1"));
  }

  @Test
  @Order(35)
  void s35_forceRemoveRunning() {
    int mark = c.mark();
    assertOk(c.run("-d", "--", "f1", "/bin/sh", "-c", LOOP));
    long pid = c.pid("f1");
    CommandResult rm = c.ctr("tasks", "rm", "-f", "f1");
    assertOk(rm);
    assertContains(rm.stderr(), "task f1 exit with non-zero exit code 137", rm);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "f1", "create", "start", "exit", "delete");
    assertEquals(137, events.get(2).number("exit_status"), events::toString);
    assertTrue(c.task("f1").isEmpty(), "task f1 still listed");
    assertTrue(Procs.awaitGone(pid, SETTLE), "container init still runs");
    assertOk(c.ctr("containers", "rm", "f1"));
  }

  @Test
  @Order(40)
  void s40_groupedContainersShareOneShim() {
    assertOk(c.run("-d", "--label", GROUP_LABEL + "=g1", "--", "g1a", "/bin/sh", "-c", LOOP));
    assertOk(c.run("-d", "--label", GROUP_LABEL + "=g1", "--", "g1b", "/bin/sh", "-c", LOOP));
    long shim = shimOf("g1a");
    assertEquals(shim, shimOf("g1b"), "both containers of group g1 are served by one shim");

    assertOk(c.ctr("tasks", "rm", "-f", "g1a"));
    VariantCtr.sleep(Duration.ofSeconds(1));
    assertTrue(Procs.alive(shim), "the shim must stay while g1b runs");
    assertEquals("RUNNING", c.status("g1b"));
    CommandResult exec =
        c.ctr("tasks", "exec", "--exec-id", "ge1", "g1b", "/bin/echo", "still-served");
    assertOk(exec);
    assertEquals("still-served\n", exec.stdout(), exec::describe);

    assertOk(c.ctr("tasks", "rm", "-f", "g1b"));
    assertTrue(Procs.awaitGone(shim, SETTLE), "the shim must exit after its last container");
    assertOk(c.ctr("containers", "rm", "g1a", "g1b"));
  }

  @Test
  @Order(41)
  void s41_shimKilled() throws IOException {
    assertOk(c.run("-d", "--", "x41", "/bin/sh", "-c", LOOP));
    long pid = c.pid("x41");
    long shim = shimOf("x41");
    int mark = c.mark();
    ProcessHandle.of(shim).ifPresent(ProcessHandle::destroyForcibly);
    c.awaitNoTask("x41", SETTLE);
    // containerd publishes these itself, from the shim's `delete` action.
    List<EventLog.Event> events = c.assertTaskEvents(mark, "x41", "exit", "delete");
    assertEquals(pid, events.get(0).number("pid"), events::toString);
    assertEquals(137, events.get(0).number("exit_status"), events::toString);
    assertTrue(Procs.awaitGone(pid, SETTLE), "the `delete` action must kill the container");
    assertOk(c.ctr("containers", "rm", "x41"));
    // A killed shim cannot unlink its socket, and containerd does not either.
    Files.deleteIfExists(containerd.shimSocket(c.namespace(), "x41"));
  }

  @Test
  @Order(42)
  void s42_containerdRestart() {
    assertOk(c.run("-d", "--", "r1", "/bin/sh", "-c", LOOP));
    long pid = c.pid("r1");
    long shim = shimOf("r1");
    long oldContainerd = containerd.pid();

    containerd.restart();
    assertNotEquals(oldContainerd, containerd.pid());
    assertTrue(Procs.alive(shim), "the shim outlives containerd");
    assertEquals("RUNNING", c.status("r1"));
    assertEquals(pid, c.pid("r1"));

    int mark = c.mark();
    CommandResult exec =
        c.ctr("tasks", "exec", "--exec-id", "re1", "r1", "/bin/echo", "reconnected");
    assertOk(exec);
    assertEquals("reconnected\n", exec.stdout(), exec::describe);
    c.assertTaskEvents(mark, "r1", "exec-added", "exec-started", "exit");

    mark = c.mark();
    assertOk(c.ctr("tasks", "rm", "-f", "r1"));
    List<EventLog.Event> events = c.assertTaskEvents(mark, "r1", "exit", "delete");
    assertEquals(137, events.get(0).number("exit_status"), events::toString);
    assertTrue(Procs.awaitGone(shim, SETTLE), "the shim exits after its last task is deleted");
    assertOk(c.ctr("containers", "rm", "r1"));
  }
}
