package dev.ttrpc.conformance.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.shim.ScenarioResult.Status;
import dev.ttrpc.conformance.shim.ShimConformance.Row;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What counts: a scenario the reference passes and the runtime fails is a regression; one both
 * fail, or one skipped on the runtime by {@code --without}, is reported but not counted.
 */
class ReportTest {

  private static final Target REF = Target.full("ref", "io.containerd.runc.v2", Map.of());
  private static final Target RT = new Target("rt", "/opt/shim", Map.of(), Set.of());

  private static Row row(int index, Status ref, Status rt) {
    Scenario s = Checklist.all().get(index);
    return new Row(s, result(s, REF, ref), result(s, RT, rt));
  }

  private static ScenarioResult result(Scenario s, Target t, Status status) {
    return new ScenarioResult(s, t, status, Duration.ofMillis(1500),
        status == Status.PASS ? "" : status + " <because> & \"so\"\u0001",
        status == Status.FAIL ? List.of("time=\"x\" level=error msg=\"boom\"") : List.of());
  }

  private static Report report(Row... rows) {
    return new Report("io.containerd.runc.v2", "/opt/shim", Map.of(), Set.of(Feature.OOM),
        Instant.EPOCH, Instant.EPOCH.plusSeconds(3), List.of(rows));
  }

  @Test
  void onlyFailuresTheReferenceDoesNotShareCount() {
    Report clean = report(row(0, Status.PASS, Status.PASS), row(1, Status.FAIL, Status.FAIL),
        row(2, Status.PASS, Status.SKIP));
    assertEquals(List.of(), clean.regressions());
    assertEquals("CONFORMS: 1 of 3 scenarios pass on the runtime; 1 fail on the reference (not"
        + " counted); 1 skipped (--without).", clean.summary());

    Report bad = report(row(0, Status.PASS, Status.FAIL), row(1, Status.FAIL, Status.PASS));
    assertEquals(1, bad.regressions().size());
    assertTrue(bad.summary().startsWith("DIFFERS: 1 of 2 scenarios pass on the runtime; 1 pass"
        + " on the reference but fail on it: s01-run-rm-echo;"), bad.summary());
  }

  @Test
  void junitFailuresAreExactlyTheRegressionsAndTextIsEscaped() {
    String xml = report(row(0, Status.PASS, Status.FAIL), row(1, Status.FAIL, Status.FAIL),
        row(2, Status.PASS, Status.SKIP)).junit();
    assertTrue(xml.contains("<testsuite name=\"reference io.containerd.runc.v2\" tests=\"3\""
        + " failures=\"1\" errors=\"0\" skipped=\"0\""), xml);
    assertTrue(xml.contains("<testsuite name=\"runtime /opt/shim\" tests=\"3\" failures=\"1\""
        + " errors=\"0\" skipped=\"2\""), xml);
    assertTrue(xml.contains("FAIL &lt;because&gt; &amp; &quot;so&quot;"), xml);
    assertTrue(!xml.contains("\u0001"), "control characters are dropped");
    assertTrue(xml.contains("<skipped message=\"fails on the reference too: "), xml);

    String html = report(row(0, Status.PASS, Status.FAIL)).html();
    assertTrue(html.contains("<tr class=\"differs\"><td><a href=\"#s01-run-rm-echo-runtime\">"),
        html);
    assertTrue(html.contains("level=error msg=&quot;boom&quot;"), html);
  }
}
