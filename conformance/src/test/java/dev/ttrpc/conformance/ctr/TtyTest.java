package dev.ttrpc.conformance.ctr;

import static dev.ttrpc.conformance.ctr.VariantCtr.assertContains;
import static dev.ttrpc.conformance.ctr.VariantCtr.assertOk;
import static dev.ttrpc.conformance.ctr.VariantCtr.shellQuote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.EventLog;
import dev.ttrpc.conformance.support.Prerequisites;
import dev.ttrpc.conformance.support.PrivateContainerd;
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
 * Checklist scenarios 25–28 (shim-contract §14): terminals. ctr needs a tty of its own, so each
 * command runs under {@code script -qec} (util-linux, Debian package bsdutils), which gives it a
 * pty and returns its exit status.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ShimVariant.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TtyTest {

  @RegisterExtension
  static final PrivateContainerd containerd =
      PrivateContainerd.withShimDirs(ShimVariant.minimalShimBin());

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Parameter
  ShimVariant variant;

  private VariantCtr c;

  @BeforeEach
  void setUp() {
    Prerequisites.require(Commands.onPath("script"),
        "script is not installed (Debian: apt-get install bsdutils)");
    variant.requireInstalled();
    c = new VariantCtr(containerd, variant);
  }

  @AfterParameterizedClassInvocation
  static void removeLeftovers(ShimVariant variant) {
    if (containerd.isRunning()) {
      new VariantCtr(containerd, variant).forceRemove("tt3");
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
    return variant.isolates() ? "/dev/pts/" + index : "";
  }

  @Test
  @Order(25)
  void s25_runRmWithTerminal() {
    int mark = c.mark();
    List<String> run = c.ctrCommand(c.runArgs("--rm", "-t", "--",
        "tt2", "/bin/sh", "-c", "tty; [ -t 0 ] && echo stdin-is-a-tty; exit 3")
        .toArray(String[]::new));
    CommandResult r = VariantCtr.shell(TIMEOUT, underScript("stty cols 100 rows 30; ", run));
    assertEquals(3, r.exitCode(), r::describe);
    assertContains(r.stdout(), expectedTty(0), r);
    assertContains(r.stdout(), "stdin-is-a-tty", r);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "tt2", "create", "start", "exit", "delete");
    assertContains(events.get(0).json(), "\"terminal\":true", r);
    assertTrue(!events.get(0).json().contains("\"stderr\""),
        () -> "a terminal task has no stderr: " + events.get(0));
    assertEquals(3, events.get(2).number("exit_status"), events::toString);
  }

  @Test
  @Order(26)
  void s26_runDetachedWithTerminal() {
    int mark = c.mark();
    List<String> run = c.ctrCommand(c.runArgs("-d", "-t", "--", "tt3", "/bin/sh")
        .toArray(String[]::new));
    CommandResult r = VariantCtr.shell(TIMEOUT, underScript("", run));
    assertOk(r);
    c.assertTaskEvents(mark, "tt3", "create", "start");
    assertEquals("RUNNING", c.status("tt3"));
  }

  @Test
  @Order(27)
  void s27_execWithTerminalAndResize() {
    int mark = c.mark();
    List<String> exec = c.ctrCommand("tasks", "exec", "-t", "--exec-id", "x1", "tt3",
        "/bin/sh", "-c", "sleep 0.3; tty; [ -t 0 ] && echo stdin-is-a-tty; stty size");
    CommandResult r = VariantCtr.shell(TIMEOUT, underScript("stty cols 90 rows 20; ", exec));
    assertOk(r);
    assertContains(r.stdout(), expectedTty(1), r);
    assertContains(r.stdout(), "stdin-is-a-tty", r);
    assertContains(r.stdout(), "20 90", r);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "tt3", "exec-added", "exec-started", "exit");
    assertEquals("x1", events.get(2).string("id"), events::toString);
    assertEquals(0, events.get(2).number("exit_status"), events::toString);
  }

  @Test
  @Order(28)
  void s28_attach() {
    int mark = c.mark();
    String attach = underScript("", c.ctrCommand("tasks", "attach", "tt3"));
    CommandResult r = VariantCtr.shell(TIMEOUT,
        "(sleep 1; printf 'echo attached-ok; exit 9\\r') | " + attach);
    assertEquals(9, r.exitCode(), r::describe);
    assertTrue(r.stdout().lines().anyMatch(l -> l.strip().equals("attached-ok")), r::describe);
    List<EventLog.Event> events = c.assertTaskEvents(mark, "tt3", "exit", "delete");
    assertEquals(9, events.get(0).number("exit_status"), events::toString);
    assertTrue(c.task("tt3").isEmpty(), "attach deletes the task after it exits");
    assertOk(c.ctr("containers", "rm", "tt3"));
  }
}
