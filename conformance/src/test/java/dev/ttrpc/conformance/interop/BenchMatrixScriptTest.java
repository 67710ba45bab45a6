package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.interop.GoPeer.ProcessResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bin/bench-matrix} end to end at a tiny size: it must start both servers, run both
 * clients and print one table row per point with figures from each side.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BenchMatrixScriptTest {

  @Test
  void printsARowPerPointWithBothSides() throws Exception {
    GoPeer.get();
    ProcessResult result =
        GoPeer.run(
            List.of(
                GoPeer.moduleDir().resolve("bin/bench-matrix").toString(),
                "--duration", "300ms",
                "--warmup", "100ms",
                "--jit_warmup", "0s",
                "--concurrency", "1,4",
                "--payload", "64"),
            Duration.ofMinutes(2));
    assertEquals(0, result.exitCode(), result::output);
    List<String> rows =
        result.lines().stream().filter(l -> l.startsWith("| 64 B |")).toList();
    assertEquals(2, rows.size(), result::output);
    for (String row : rows) {
      String[] cells = row.split("\\|");
      // | payload | callers | Java calls/s | Go calls/s | ratio | p50 x2 | p99 x2 | client B | server B |
      assertTrue(Double.parseDouble(cells[3].strip()) > 0, row);
      assertTrue(Double.parseDouble(cells[4].strip()) > 0, row);
      assertTrue(cells[5].strip().endsWith("x"), row);
      assertTrue(Long.parseLong(cells[10].strip()) > 0, row);
      assertTrue(Long.parseLong(cells[11].strip()) > 0, row);
    }
  }

  @Test
  void perSidePrintsAServerAndAClientTableAgainstTheGoPeer() throws Exception {
    GoPeer.get();
    ProcessResult result =
        GoPeer.run(
            List.of(
                GoPeer.moduleDir().resolve("bin/bench-matrix").toString(),
                "--per-side",
                "--duration", "300ms",
                "--warmup", "100ms",
                "--jit_warmup", "200ms",
                "--concurrency", "1,4",
                "--payload", "64"),
            Duration.ofMinutes(2));
    assertEquals(0, result.exitCode(), result::output);
    List<String> lines = result.lines();
    int server = lines.indexOf("Server side: Go client -> Java server vs Go client -> Go server");
    int client = lines.indexOf("Client side: Java client -> Go server vs Go client -> Go server");
    assertTrue(server >= 0 && client > server, result::output);
    List<String> serverRows =
        lines.subList(server, client).stream().filter(l -> l.startsWith("| 64 B |")).toList();
    List<String> clientRows =
        lines.subList(client, lines.size()).stream()
            .filter(l -> l.startsWith("| 64 B |"))
            .toList();
    assertEquals(2, serverRows.size(), result::output);
    assertEquals(2, clientRows.size(), result::output);
    for (int i = 0; i < 2; i++) {
      String[] s = serverRows.get(i).split("\\|");
      String[] c = clientRows.get(i).split("\\|");
      // | payload | callers | Java calls/s | Go calls/s | ratio | p50 x2 | p99 x2 | (client B) |
      assertEquals(i == 0 ? "1" : "4", s[2].strip(), serverRows.get(i));
      assertTrue(Double.parseDouble(s[3].strip()) > 0, serverRows.get(i));
      assertTrue(Double.parseDouble(c[3].strip()) > 0, clientRows.get(i));
      // The Go client -> Go server baseline is one measurement shared by both tables.
      assertTrue(Double.parseDouble(s[4].strip()) > 0, serverRows.get(i));
      assertEquals(s[4].strip(), c[4].strip(), result::output);
      assertTrue(s[5].strip().endsWith("x") && c[5].strip().endsWith("x"), result::output);
      assertTrue(Long.parseLong(c[10].strip()) > 0, clientRows.get(i));
    }
  }
}
