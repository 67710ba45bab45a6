package dev.ttrpc.conformance.ctr;

import static dev.ttrpc.conformance.ctr.VariantCtr.assertContains;
import static dev.ttrpc.conformance.ctr.VariantCtr.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.EventLog;
import dev.ttrpc.conformance.support.PrivateContainerd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checklist scenarios 1, 2, 23, 24, 30–32, 37 and 38 (shim-contract §14): foreground runs, their
 * output, exit codes and task events, stdio variants, OOM and a failing create, for each
 * {@link ShimVariant}.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(ShimVariant.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunLifecycleTest {

  @RegisterExtension
  static final PrivateContainerd containerd =
      PrivateContainerd.withShimDirs(ShimVariant.minimalShimBin());

  @Parameter
  ShimVariant variant;

  private VariantCtr c;

  @BeforeEach
  void setUp() {
    variant.requireInstalled();
    c = new VariantCtr(containerd, variant);
  }

  /** Asserts the four lifecycle events, one pid throughout, and the exit status in exit/delete. */
  private void assertStandardEvents(int mark, String id, long exitStatus) {
    List<EventLog.Event> events = c.assertTaskEvents(mark, id, "create", "start", "exit", "delete");
    long pid = events.get(0).number("pid");
    assertTrue(pid > 0, () -> "create pid: " + events);
    assertEquals(pid, events.get(1).number("pid"), () -> "start pid: " + events);
    EventLog.Event exit = events.get(2);
    assertEquals(id, exit.string("id"), () -> "exit id is the container id for init: " + exit);
    assertEquals(pid, exit.number("pid"), () -> "exit pid: " + exit);
    assertEquals(exitStatus, exit.number("exit_status"), exit::toString);
    assertEquals(exitStatus, events.get(3).number("exit_status"), events.get(3)::toString);
  }

  @Test
  @Order(1)
  void s01_runRmEcho() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--", "a1", "/bin/echo", "hello");
    assertOk(r);
    assertEquals("hello\n", r.stdout(), r::describe);
    assertStandardEvents(mark, "a1", 0);
  }

  @Test
  @Order(2)
  void s02_runRmStderrAndExitCode() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--", "a2", "/bin/sh", "-c", "echo to-stderr >&2; exit 7");
    assertEquals(7, r.exitCode(), r::describe);
    assertEquals("", r.stdout(), r::describe);
    assertEquals("to-stderr\n", r.stderr(), r::describe);
    assertStandardEvents(mark, "a2", 7);
  }

  @Test
  @Order(23)
  void s23_containersCreateThenTasksStart() throws IOException {
    Path script = containerd.rootfs().resolve("exit4.sh");
    if (!Files.exists(script)) {
      Files.writeString(script, "#!/bin/sh\necho started\nexit 4\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    assertOk(c.createContainer("--", "s1", "/exit4.sh"));
    int mark = c.mark();
    CommandResult r = c.ctr("tasks", "start", "s1");
    assertEquals(4, r.exitCode(), r::describe);
    assertEquals("started\n", r.stdout(), r::describe);
    assertStandardEvents(mark, "s1", 4);
    assertOk(c.ctr("containers", "rm", "s1"));
  }

  @Test
  @Order(24)
  void s24_detachedStartListAndRemove() {
    // No dash arguments: `ctr containers create` (unlike `ctr run`) reorders flags.
    assertOk(c.createContainer("--", "s2", "/bin/sleep", "1"));
    int mark = c.mark();
    CommandResult start = c.ctr("tasks", "start", "-d", "s2");
    assertOk(start);
    assertEquals("", start.stdout(), start::describe);
    assertEquals("RUNNING", c.status("s2"));
    c.awaitStatus("s2", "STOPPED", Duration.ofSeconds(15));
    assertOk(c.ctr("tasks", "rm", "s2"));
    assertStandardEvents(mark, "s2", 0);
    assertTrue(c.task("s2").isEmpty(), "task s2 still listed after tasks rm");
    assertOk(c.ctr("containers", "rm", "s2"));
  }

  @Test
  @Order(30)
  void s30_nullIo() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--null-io", "--", "n1", "/bin/echo", "invisible");
    assertOk(r);
    assertEquals("", r.stdout(), r::describe);
    assertStandardEvents(mark, "n1", 0);
  }

  @Test
  @Order(31)
  void s31_logUriFile() throws IOException {
    Path log = containerd.dir().resolve("logs").resolve("f1-" + variant.suffix() + ".log");
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--log-uri", "file://" + log, "--",
        "f1", "/bin/sh", "-c", "echo out; echo err >&2");
    assertOk(r);
    assertEquals("", r.stdout(), r::describe);
    assertStandardEvents(mark, "f1", 0);
    String content = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(List.of("err", "out"), content.lines().sorted().toList(), content);
  }

  @Test
  @Order(32)
  void s32_logUriBinary() throws IOException {
    Path dir = containerd.dir().resolve("logs");
    Files.createDirectories(dir);
    Path captured = dir.resolve("logbin-" + variant.suffix() + ".txt");
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
      VariantCtr.sleep(Duration.ofMillis(100));
      lines = Files.exists(written)
          ? Files.readAllLines(written, StandardCharsets.UTF_8)
          : List.of();
    }
    List<String> got = lines;
    assertEquals(4, got.size(), () -> "logger output " + written + ": " + got);
    assertEquals("ARGS: foo bar", got.get(0), got::toString);
    assertEquals("ID: b1", got.get(1), got::toString);
    assertEquals(List.of("ERR: err", "OUT: out"), got.subList(2, 4).stream().sorted().toList(),
        got::toString);
    Files.move(written, captured);
  }

  @Test
  @Order(37)
  void s37_oomKill() {
    assumeTrue(variant.supports(ShimVariant.Feature.OOM),
        "no memory cgroup in the " + variant + " variant");
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--memory-limit", "16777216", "--",
        "m1", "/bin/sh", "-c", "tail /dev/zero");
    assertEquals(137, r.exitCode(), r::describe);
    List<EventLog.Event> events =
        c.assertTaskEvents(mark, "m1", "create", "start", "oom", "exit", "delete");
    assertEquals(137, events.get(3).number("exit_status"), events::toString);
  }

  @Test
  @Order(38)
  void s38_missingBinaryFailsCreate() {
    int mark = c.mark();
    CommandResult r = c.run("--rm", "--", "w1", "/usr/bin/wc");
    assertEquals(1, r.exitCode(), r::describe);
    String error = VariantCtr.lastLine(r.stderr());
    assertTrue(error.startsWith("ctr: failed to create shim task: "), r::describe);
    assertTrue(error.endsWith(": unknown"), r::describe);
    assertContains(error, "/usr/bin/wc", r);
    assertContains(error, "no such file or directory", r);
    if (variant.supports(ShimVariant.Feature.RUNC_ERRORS)) {
      assertEquals("ctr: failed to create shim task: OCI runtime create failed: runc create failed:"
          + " unable to start container process: exec: \"/usr/bin/wc\": stat /usr/bin/wc:"
          + " no such file or directory: unknown", error, r::describe);
    }
    c.assertTaskEvents(mark, "w1");
    assertTrue(c.task("w1").isEmpty(), "no task may be left after a failed create");
    c.ctr("containers", "rm", "w1");
  }

  @Test
  @Order(99)
  void forwardedEventsUseBareTypeUrls() {
    c.assertForwardedTypeUrls();
  }
}
