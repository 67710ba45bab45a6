package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.interop.GoPeer.ProcessResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/interop-matrix} end to end: with the project's own peers (Java and Go) every pair
 * passes and the Markdown report is written; with peers that fail, hang or cannot start, the
 * script still ends in bounded time, says what happened to each pair, leaves no process behind
 * and exits non-zero.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class InteropMatrixScriptTest {
  @TempDir Path dir;

  private static String script() {
    return GoPeer.moduleDir().resolve("bin/interop-matrix").toString();
  }

  @Test
  void javaAndGoPeersPassEveryPairAndTheReportIsWritten() throws Exception {
    GoPeer.get();
    Path report = dir.resolve("matrix.md");
    ProcessResult result =
        GoPeer.run(
            List.of(
                script(),
                "--test_case", "empty_unary,status_code_and_message,custom_metadata",
                "--output", report.toString()),
            Duration.ofMinutes(4));
    assertEquals(0, result.exitCode(), result::output);
    List<String> lines = result.lines();
    assertTrue(lines.contains("| client \\ server | java | go |"), result::output);
    assertTrue(lines.contains("| **java** | 3 pass | 3 pass |"), result::output);
    assertTrue(lines.contains("| **go** | 3 pass | 3 pass |"), result::output);
    assertTrue(
        lines.contains("| `custom_metadata` | PASS | PASS | PASS | PASS |"), result::output);
    String written = Files.readString(report);
    assertTrue(written.startsWith("# ttRPC interop matrix\n"), written);
    assertTrue(written.contains("| **go** | 3 pass | 3 pass |"), written);
    assertFalse(written.contains("## Failures"), written);
  }

  @Test
  void failingHangingAndDeadPeersAreReportedInBoundedTime() throws Exception {
    // A marker in the fakes' command lines, to find any process the script left behind.
    String marker = "6" + ProcessHandle.current().pid() % 1000 + "1";
    String ok = "ok=sh -c 'printf \"PASS a\\n\"' client {address},"
        + "sh -c 'echo READY; exec sleep " + marker + "' server {address}";
    String hang = "hang=sh -c 'echo PASS a; exec sleep " + marker + "' client {address},";
    String broken = "broken=sh -c 'echo \"FAIL a: wrong answer\"; exit 1' client {address},"
        + "sh -c 'echo cannot bind >&2; exit 3' server {address}";
    long start = System.nanoTime();
    ProcessResult result =
        GoPeer.run(
            List.of(
                script(), "--timeout", "3s", "--start-timeout", "20s",
                "--peer", ok, "--peer", hang, "--peer", broken,
                "--output", dir.resolve("matrix.md").toString()),
            Duration.ofMinutes(2));
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);

    assertEquals(1, result.exitCode(), result::output);
    assertTrue(seconds < 90, "took " + seconds + " s");
    List<String> lines = result.lines();
    assertTrue(lines.contains("| client \\ server | ok | broken |"), result::output);
    assertTrue(lines.contains("| **ok** | 1 pass | NO SERVER |"), result::output);
    assertTrue(
        lines.contains("| **hang** | TIMEOUT (1 pass, then killed after 3s) | NO SERVER |"),
        result::output);
    assertTrue(lines.contains("| **broken** | FAIL 1 of 1 (0 pass) | NO SERVER |"),
        result::output);
    String output = result.output();
    assertTrue(output.contains("### hang -> ok: client still running after 3s; killed"), output);
    assertTrue(output.contains("- `a`: wrong answer"), output);
    assertTrue(
        output.contains("### ok -> broken: server exited with status 3 before it was ready"),
        output);
    assertTrue(output.contains("    cannot bind"), "the server's own words: " + output);
    assertTrue(Files.readString(dir.resolve("matrix.md")).contains("## Failures"));

    List<String> leftovers =
        ProcessHandle.allProcesses()
            .filter(p -> p.info().commandLine().orElse("").contains("sleep " + marker))
            .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
            .toList();
    assertEquals(List.of(), leftovers, "processes left behind");
  }

  @Test
  void aServerThatNeverGetsReadyIsGivenUpOn() throws Exception {
    String peer =
        "mute=sh -c 'echo PASS a' client {address},sh -c 'exec sleep 617' server {address}";
    ProcessResult result =
        GoPeer.run(
            List.of(script(), "--start-timeout", "2s", "--peer", peer), Duration.ofMinutes(1));
    assertEquals(1, result.exitCode(), result::output);
    assertTrue(result.output().contains("### mute -> mute: server not ready after 2s"),
        result::output);
  }

  @Test
  void badPeerSpecificationsAreUsageErrors() throws Exception {
    for (List<String> args :
        List.of(
            List.of("--peer", "nocommands"),
            List.of("--peer", "x=onlyone"),
            List.of("--peer", "x=a,b", "--peer", "x=c,d"),
            List.of("--peer", "x=,b"),
            List.of("--peer", "x=a,b", "--server-impl", "y=go"),
            List.of("--timeout", "soon"))) {
      List<String> command = new java.util.ArrayList<>(List.of(script()));
      command.addAll(args);
      ProcessResult result = GoPeer.run(command, Duration.ofSeconds(30));
      assertEquals(2, result.exitCode(), args + ": " + result.output());
    }
  }
}
