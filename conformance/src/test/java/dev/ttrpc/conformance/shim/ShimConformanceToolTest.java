package dev.ttrpc.conformance.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.Prerequisites;
import dev.ttrpc.conformance.support.PrivateContainerd;
import dev.ttrpc.conformance.support.Procs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code bin/shim-conformance} end to end, as a user runs it: the runc shim against itself and
 * our shim with both backends pass a few scenarios each (exit 0, the three report files); a shim
 * that cannot start and one whose start hangs fail with a report that says why, in bounded time;
 * SIGINT stops the run; and nothing is left behind (no containerd, shim, mount or work dir). The
 * whole checklist runs through the same runner in {@code CtrChecklistTest}, so these runs stay
 * small.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ShimConformanceToolTest {

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
  private static final Pattern WORK_DIR = Pattern.compile("(?m)^private containerd: (\\S+)$");

  @TempDir Path dir;

  private static Path launcher() {
    return Path.of("bin", "shim-conformance").toAbsolutePath();
  }

  private static CommandResult tool(Map<String, String> env, String... args) {
    List<String> argv = new ArrayList<>(List.of(launcher().toString()));
    argv.addAll(List.of(args));
    return Commands.run(RUN_TIMEOUT, argv, env, null);
  }

  private static void requireContainerd() {
    List<String> missing = PrivateContainerd.withShimDirs().missingPrerequisites();
    Prerequisites.require(missing.isEmpty(), String.join("; ", missing));
  }

  private static Path minimalShim() {
    Path shim = PrivateContainerd.minimalShimBin().resolve("containerd-shim-minimal-v2");
    Prerequisites.require(Files.isExecutable(shim),
        shim + " is not built (run: mvn -DskipTests package -pl shim-minimal -am)");
    return shim;
  }

  @Test
  void usageErrorsExitTwoAndAMissingContainerdThree() {
    assertUsageError(tool(Map.of()), "--runtime is required");
    assertUsageError(tool(Map.of(), "--runtime"), "--runtime needs a value");
    assertUsageError(tool(Map.of(), "--runtime", "io.containerd.runc.v2", "--bogus"),
        "unknown argument: --bogus");
    assertUsageError(tool(Map.of(), "--runtime", "io.containerd.absent-shim.v7"),
        "containerd-shim-absent-shim-v7 is not on PATH");
    assertUsageError(tool(Map.of(), "--runtime", "runc"), "not a runtime name");
    assertUsageError(tool(Map.of(), "--runtime", dir.resolve("missing").toString()),
        "is not an executable file");
    assertUsageError(tool(Map.of(), "--runtime", "io.containerd.runc.v2", "--only", "s99"),
        "--only: no scenario or group 's99'");
    assertUsageError(tool(Map.of(), "--runtime", "io.containerd.runc.v2", "--without", "gpu"),
        "unknown feature 'gpu'");
    assertUsageError(tool(Map.of(), "--runtime", "io.containerd.runc.v2", "--timeout", "soon"),
        "not a duration: soon");
    assertUsageError(tool(Map.of(), "--runtime", "io.containerd.runc.v2",
        "--runtime-annotation", "novalue"), "--runtime-annotation must be KEY=VALUE");
    CommandResult noContainerd = tool(Map.of(), "--runtime", "io.containerd.runc.v2",
        "--containerd", dir.resolve("no-containerd").toString(), "--only", "s01");
    assertEquals(3, noContainerd.exitCode(), noContainerd::describe);
    assertTrue(noContainerd.stderr().contains("cannot run the checklist here:")
        && noContainerd.stderr().contains("no-containerd is not installed or not executable"),
        noContainerd::describe);
    CommandResult help = tool(Map.of(), "--help");
    assertEquals(0, help.exitCode(), help::describe);
    assertTrue(help.stdout().contains("--runtime NAME|PATH"), help::describe);
  }

  private static void assertUsageError(CommandResult r, String message) {
    assertEquals(2, r.exitCode(), r::describe);
    assertTrue(r.stderr().startsWith("shim-conformance: "), r::describe);
    assertTrue(r.stderr().contains(message), r::describe);
    assertEquals("", r.stdout(), r::describe);
  }

  @Test
  void listNamesEveryScenario() {
    CommandResult r = tool(Map.of(), "--list");
    assertEquals(0, r.exitCode(), r::describe);
    List<String> names = r.stdout().lines().map(l -> l.split("\\s+")[0]).toList();
    assertEquals(Checklist.all().stream().map(Scenario::name).toList(), names, r::describe);
    CommandResult cri = tool(Map.of(), "--list", "--cri");
    assertEquals(0, cri.exitCode(), cri::describe);
    List<String> withCri = new ArrayList<>(names);
    CriScenarios.scenarios().forEach(sc -> withCri.add(sc.name()));
    assertEquals(withCri, cri.stdout().lines().map(l -> l.split("\\s+")[0]).toList(),
        cri::describe);
    // The CRI scenarios are only selectable with --cri.
    CommandResult noCri = tool(Map.of(), "--runtime", "io.containerd.runc.v2", "--only", "cri");
    assertUsageError(noCri, "--only cri: the CRI scenarios need --cri");
  }

  /**
   * {@code --cri}: the pod scenarios through containerd's CRI plugin, our shim (runc backend,
   * chosen by a pod annotation the tool lets through to the OCI spec) against runc's.
   */
  @Test
  void minimalShimRunsTheCriPodScenarios() throws Exception {
    requireContainerd();
    Path report = dir.resolve("report");
    CommandResult r = tool(Map.of(), "--runtime", minimalShim().toString(),
        "--runtime-annotation", "dev.ttrpc.minimal.backend=runc",
        "--cri", "--only", "cri", "--report", report.toString());
    assertEquals(0, r.exitCode(), r::describe);
    List<Scenario> cri = CriScenarios.scenarios();
    for (Scenario s : cri) {
      assertRow(r, s.name(), "PASS", "PASS");
    }
    assertTrue(r.stdout().contains("CONFORMS: " + cri.size() + " of " + cri.size()
        + " scenarios pass on the runtime."), r::describe);
    assertNothingLeft(r, List.of());
    String md = Files.readString(report.resolve("report.md"), StandardCharsets.UTF_8);
    for (Scenario s : cri) {
      assertTrue(md.contains("| " + s.name() + " | " + s.summary() + " | PASS "), md);
    }
    String html = Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8);
    assertTrue(html.contains("<td>cri05-exec-stream</td>"), html);
    Document junit = junit(report);
    assertSuite(junit, 0, "reference io.containerd.runc.v2", cri.size(), 0, 0);
    assertSuite(junit, 1, "runtime " + minimalShim(), cri.size(), 0, 0);
  }

  @Test
  void runcShimAgainstItselfConforms() throws Exception {
    requireContainerd();
    Path report = dir.resolve("report");
    CommandResult r = tool(Map.of(), "--runtime", "io.containerd.runc.v2",
        "--only", "s01,s02,s38,s05,run-event-type-urls", "--report", report.toString());
    assertEquals(0, r.exitCode(), r::describe);
    assertTrue(r.stdout().contains("CONFORMS: 7 of 7 scenarios pass on the runtime."),
        r::describe);
    assertRow(r, "s04-tasks-ls", "PASS", "PASS");
    assertNothingLeft(r, List.of());
    String md = Files.readString(report.resolve("report.md"), StandardCharsets.UTF_8);
    assertTrue(md.contains("| s38-missing-binary | failing create: ctr's error, no task left"
        + " | PASS "), md);
    assertFalse(md.contains("## Failures"), md);
    String html = Files.readString(report.resolve("report.html"), StandardCharsets.UTF_8);
    assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<td>s05-tasks-ps</td>")
        && !html.contains("<script") && !html.contains("<link"), html);
    Document junit = junit(report);
    assertSuite(junit, 0, "reference io.containerd.runc.v2", 7, 0, 0);
    assertSuite(junit, 1, "runtime io.containerd.runc.v2", 7, 0, 0);
  }

  @Test
  void minimalShimWithRuncBackendConforms() throws Exception {
    requireContainerd();
    // By runtime name: containerd finds containerd-shim-minimal-v2 on the PATH, like the tool.
    Path shimDir = minimalShim().getParent();
    CommandResult r = tool(Map.of("PATH", shimDir + ":" + System.getenv("PATH")),
        "--runtime", "io.containerd.minimal.v2",
        "--runtime-annotation", "dev.ttrpc.minimal.backend=runc",
        "--only", "s01,s02,s37,s38", "--report", dir.resolve("report").toString());
    assertEquals(0, r.exitCode(), r::describe);
    assertTrue(r.stdout().contains("CONFORMS: 4 of 4 scenarios pass on the runtime."),
        r::describe);
    assertRow(r, "s37-oom-kill", "PASS", "PASS");
    assertNothingLeft(r, List.of());
  }

  @Test
  void minimalShimWithProcessBackendConformsWithoutIsolation() throws Exception {
    requireContainerd();
    Path report = dir.resolve("report");
    CommandResult r = tool(Map.of(), "--runtime", minimalShim().toString(),
        "--runtime-annotation", "dev.ttrpc.minimal.backend=process",
        "--without", "oom,runc-errors,isolation",
        "--only", "s01,s37,s38,detached", "--report", report.toString());
    assertEquals(0, r.exitCode(), r::describe);
    assertRow(r, "s37-oom-kill", "PASS", "SKIP");
    assertRow(r, "s12-pause", "PASS", "PASS");
    assertTrue(r.stdout().contains("runtime skipped: runtime declared without oom"), r::describe);
    assertRow(r, "detached-event-type-urls", "PASS", "PASS");
    assertTrue(r.stdout().contains("CONFORMS: 24 of 25 scenarios pass on the runtime; 1 skipped"
        + " (--without)."), r::describe);
    assertNothingLeft(r, List.of());
    Document junit = junit(report);
    assertSuite(junit, 1, "runtime " + minimalShim(), 25, 0, 1);
  }

  @Test
  void shimThatCannotStartFailsWithAClearReport() throws Exception {
    requireContainerd();
    Path shim = script("broken-shim", """
        #!/bin/sh
        echo "broken-shim: refusing to start on purpose" >&2
        exit 1
        """);
    Path report = dir.resolve("report");
    long start = System.nanoTime();
    CommandResult r = tool(Map.of(), "--runtime", shim.toString(), "--only", "s01,s03,s30",
        "--report", report.toString());
    assertEquals(1, r.exitCode(), r::describe);
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 120, r::describe);
    assertRow(r, "s01-run-rm-echo", "PASS", "FAIL");
    assertTrue(r.stdout().contains("ctr: failed to start shim: start failed:"
        + " broken-shim: refusing to start on purpose"), r::describe);
    assertTrue(r.stdout().contains("DIFFERS: 0 of 3 scenarios pass on the runtime; 3 pass on the"
        + " reference but fail on it: s01-run-rm-echo, s30-null-io, s03-run-detached."),
        r::describe);
    String md = Files.readString(report.resolve("report.md"), StandardCharsets.UTF_8);
    assertTrue(md.contains("### s01-run-rm-echo on the runtime: FAIL"), md);
    assertTrue(md.contains("broken-shim: refusing to start on purpose"), md);
    assertTrue(md.contains("| **s01-run-rm-echo** |"), md);
    Document junit = junit(report);
    assertSuite(junit, 0, "reference io.containerd.runc.v2", 3, 0, 0);
    assertSuite(junit, 1, "runtime " + shim, 3, 3, 0);
    assertNothingLeft(r, List.of(shim.toString()));
  }

  @Test
  void shimThatCannotStartFailsTheCriScenariosClearly() throws Exception {
    requireContainerd();
    Path shim = script("broken-shim", """
        #!/bin/sh
        echo "broken-shim: refusing to start on purpose" >&2
        exit 1
        """);
    Path report = dir.resolve("report");
    CommandResult r = tool(Map.of(), "--runtime", shim.toString(), "--cri",
        "--only", "cri02", "--report", report.toString());
    assertEquals(1, r.exitCode(), r::describe);
    assertRow(r, "cri01-run-pod-sandbox", "PASS", "FAIL");
    assertRow(r, "cri02-create-start", "PASS", "FAIL");
    assertTrue(r.stdout().contains("runtime failed: CRI runPodSandbox failed: UNKNOWN: failed to"
        + " create containerd task: failed to start shim: start failed: broken-shim: refusing to"
        + " start on purpose"), r::describe);
    assertTrue(r.stdout().contains(
        "runtime failed: no pod sandbox: cri01-run-pod-sandbox did not pass"), r::describe);
    Document junit = junit(report);
    assertSuite(junit, 0, "reference io.containerd.runc.v2", 2, 0, 0);
    assertSuite(junit, 1, "runtime " + shim, 2, 2, 0);
    assertNothingLeft(r, List.of(shim.toString()));
  }

  @Test
  void hangingShimIsTimedOutAndCleanedUp() throws Exception {
    requireContainerd();
    // A shim whose start never answers: without the per-scenario timeout ctr would wait.
    Path shim = script("hanging-shim", """
        #!/bin/sh
        while :; do sleep 1; done
        """);
    long start = System.nanoTime();
    CommandResult r = tool(Map.of(), "--runtime", shim.toString(), "--only", "s01",
        "--timeout", "8s", "--report", dir.resolve("report").toString());
    long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
    assertEquals(1, r.exitCode(), r::describe);
    assertTrue(seconds < 150, "took " + seconds + " s\n" + r.describe());
    assertRow(r, "s01-run-rm-echo", "PASS", "FAIL");
    assertTrue(r.stdout().contains("runtime failed: timed out after 8.0s"), r::describe);
    assertNothingLeft(r, List.of(shim.toString()));
  }

  @Test
  void interruptStopsContainerdAndRemovesEverything() throws Exception {
    requireContainerd();
    Path out = dir.resolve("out.txt");
    ProcessBuilder builder = new ProcessBuilder(launcher().toString(),
        "--runtime", "io.containerd.runc.v2", "--only", "detached",
        "--report", dir.resolve("report").toString())
        .redirectErrorStream(true).redirectOutput(out.toFile());
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    Process p = builder.start();
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (!read(out).contains("s04-tasks-ls") && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(100);
      }
      assertTrue(read(out).contains("s04-tasks-ls"), () -> read(out));
      // d1 of both targets runs now; SIGINT as Ctrl-C sends it.
      assertEquals(0, Commands.run(Duration.ofSeconds(5), "kill", "-INT", Long.toString(p.pid()))
          .exitCode());
      assertTrue(p.waitFor(2, TimeUnit.MINUTES), () -> "still running\n" + read(out));
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    assertNotEquals0(p.exitValue(), read(out));
    assertNothingLeft(new CommandResult(List.of("shim-conformance"), p.exitValue(), read(out), "",
        false, Duration.ZERO), List.of());
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void assertNotEquals0(int exit, String output) {
    assertTrue(exit != 0, () -> "an interrupted run must not exit 0\n" + output);
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private Path script(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  private static void assertRow(CommandResult r, String scenario, String ref, String rt) {
    Pattern row = Pattern.compile("(?m)^" + Pattern.quote(scenario) + "\\s+" + ref
        + "(?: \\d+\\.\\ds)?\\s+" + rt + "(?: \\d+\\.\\ds)?(?:\\s+<- differs)?\\s*$");
    assertTrue(row.matcher(r.stdout()).find(),
        () -> "no row " + scenario + " " + ref + " " + rt + "\n" + r.describe());
  }

  /**
   * The private containerd's work dir is gone, and no process or mount refers to it (nor to any
   * of {@code markers}, e.g. a fake shim's path).
   */
  private static void assertNothingLeft(CommandResult r, List<String> markers) throws IOException {
    Matcher m = WORK_DIR.matcher(r.stdout());
    assertTrue(m.find(), r::describe);
    String workDir = m.group(1);
    assertFalse(Files.exists(Path.of(workDir)), () -> workDir + " left behind\n" + r.describe());
    List<String> all = new ArrayList<>(markers);
    all.add(workDir);
    for (String marker : all) {
      // Processes may take a moment to be reaped after the kill.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!Procs.matching(marker).isEmpty() && System.nanoTime() < deadline) {
        sleep(Duration.ofMillis(100));
      }
      List<Long> left = Procs.matching(marker);
      assertEquals(List.of(), left, () -> "processes left referring to " + marker + ": "
          + left.stream().map(Procs::commandLine).toList());
    }
    String mounts = Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8);
    assertFalse(mounts.contains(workDir), () -> "mounts left below " + workDir);
  }

  private static Document junit(Path report) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(report.resolve("junit.xml").toFile());
  }

  private static void assertSuite(Document doc, int index, String name, int tests, int failures,
      int skipped) {
    NodeList suites = doc.getElementsByTagName("testsuite");
    Element suite = (Element) suites.item(index);
    assertEquals(name, suite.getAttribute("name"));
    assertEquals(Integer.toString(tests), suite.getAttribute("tests"), name);
    assertEquals(Integer.toString(failures), suite.getAttribute("failures"), name);
    assertEquals(Integer.toString(skipped), suite.getAttribute("skipped"), name);
    assertEquals(tests, suite.getElementsByTagName("testcase").getLength(), name);
    assertEquals(failures, suite.getElementsByTagName("failure").getLength(), name);
  }
}
