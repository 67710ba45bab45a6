package dev.ttrpc.conformance.shim;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.conformance.shim.ShimConformance.Row;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The results of one shim-conformance run, written as {@code report.md}, {@code report.html}
 * (one self-contained page) and {@code junit.xml} (one test suite per side, a test case per
 * scenario, so CI systems can show it).
 *
 * <p>Immutable and thread-safe.
 */
final class Report {

  private final String reference;
  private final String runtime;
  private final Map<String, String> annotations;
  private final Set<Feature> without;
  private final Instant started;
  private final Instant finished;
  private final List<Row> rows;

  Report(String reference, String runtime, Map<String, String> annotations, Set<Feature> without,
      Instant started, Instant finished, List<Row> rows) {
    this.reference = requireNonNull(reference, "reference");
    this.runtime = requireNonNull(runtime, "runtime");
    this.annotations = Map.copyOf(annotations);
    this.without = Set.copyOf(without);
    this.started = requireNonNull(started, "started");
    this.finished = requireNonNull(finished, "finished");
    this.rows = List.copyOf(rows);
  }

  /** Scenarios the reference passes and the runtime fails: what makes the run fail. */
  List<Row> regressions() {
    return rows.stream().filter(Row::regression).toList();
  }

  /** One paragraph: the verdict and the counts. */
  String summary() {
    long refFailed = rows.stream().filter(r -> r.reference().failed()).count();
    long skipped = rows.stream().filter(r -> r.runtime().status() == ScenarioResult.Status.SKIP)
        .count();
    long passed = rows.stream().filter(r -> r.runtime().passed()).count();
    List<Row> regressions = regressions();
    StringBuilder s = new StringBuilder();
    s.append(regressions.isEmpty() ? "CONFORMS" : "DIFFERS").append(": ")
        .append(passed).append(" of ").append(rows.size()).append(" scenarios pass on the runtime");
    if (!regressions.isEmpty()) {
      s.append("; ").append(regressions.size()).append(" pass on the reference but fail on it: ")
          .append(regressions.stream().map(r -> r.scenario().name())
              .collect(Collectors.joining(", ")));
    }
    if (refFailed > 0) {
      s.append("; ").append(refFailed).append(" fail on the reference (not counted)");
    }
    if (skipped > 0) {
      s.append("; ").append(skipped).append(" skipped (--without)");
    }
    return s.append('.').toString();
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("report.md"), markdown(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("report.html"), html(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("junit.xml"), junit(), StandardCharsets.UTF_8);
  }

  private String header() {
    return "Reference: `" + reference + "`. Runtime: `" + runtime + "`"
        + (annotations.isEmpty() ? "" : " with annotations " + annotations)
        + (without.isEmpty() ? "" : ", declared without "
            + without.stream().map(Feature::cliName).sorted().collect(Collectors.joining(", ")))
        + ". Started " + started + ", took "
        + ScenarioResult.seconds(Duration.between(started, finished)) + ".";
  }

  String markdown() {
    StringBuilder md = new StringBuilder("# shim-conformance report\n\n");
    md.append(header()).append("\n\n**").append(summary()).append("**\n\n");
    md.append("| Scenario | What | Reference | Runtime |\n|---|---|---|---|\n");
    for (Row r : rows) {
      md.append("| ").append(r.regression() ? "**" + r.scenario().name() + "**"
              : r.scenario().name())
          .append(" | ").append(mdCell(r.scenario().summary()))
          .append(" | ").append(r.reference().cell())
          .append(" | ").append(r.runtime().cell()).append(" |\n");
    }
    boolean any = false;
    for (Row r : rows) {
      for (ScenarioResult res : List.of(r.reference(), r.runtime())) {
        if (res.passed()) {
          continue;
        }
        if (!any) {
          md.append("\n## Failures and skips\n");
          any = true;
        }
        md.append("\n### ").append(r.scenario().name()).append(" on the ")
            .append(res == r.reference() ? "reference" : "runtime")
            .append(": ").append(res.status()).append("\n\n");
        md.append(fence(res.reason().strip()));
        if (!res.logLines().isEmpty()) {
          md.append("\ncontainerd and shim log while it ran:\n\n")
              .append(fence(String.join("\n", res.logLines())));
        }
      }
    }
    return md.toString();
  }

  private static String mdCell(String text) {
    return text.replace("|", "\\|");
  }

  private static String fence(String text) {
    String f = "```";
    while (text.contains(f)) {
      f += "`";
    }
    return f + "\n" + text + "\n" + f + "\n";
  }

  String html() {
    StringBuilder h = new StringBuilder("""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>shim-conformance report</title>
        <style>
        body{font-family:sans-serif;margin:2em;max-width:80em}
        table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}
        .PASS{background:#e6f4e6}.FAIL{background:#fbe3e3}.SKIP{background:#eee}
        tr.differs td:first-child{font-weight:bold;color:#a00}
        pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap}
        </style></head><body>
        <h1>shim-conformance report</h1>
        """);
    h.append("<p>").append(esc(header()).replace("`", "")).append("</p>\n");
    h.append("<p><strong>").append(esc(summary())).append("</strong></p>\n");
    h.append("<table><tr><th>Scenario</th><th>What</th><th>Reference</th><th>Runtime</th></tr>\n");
    for (Row r : rows) {
      h.append("<tr").append(r.regression() ? " class=\"differs\"" : "").append("><td>");
      h.append(anchorIfDetailed(r)).append("</td><td>").append(esc(r.scenario().summary()))
          .append("</td>").append(cell(r.reference())).append(cell(r.runtime())).append("</tr>\n");
    }
    h.append("</table>\n");
    for (Row r : rows) {
      for (ScenarioResult res : List.of(r.reference(), r.runtime())) {
        if (res.passed()) {
          continue;
        }
        String side = res == r.reference() ? "reference" : "runtime";
        h.append("<h3 id=\"").append(esc(r.scenario().name())).append('-').append(side)
            .append("\">").append(esc(r.scenario().name())).append(" on the ").append(side)
            .append(": ").append(res.status()).append("</h3>\n<pre>")
            .append(esc(res.reason().strip())).append("</pre>\n");
        if (!res.logLines().isEmpty()) {
          h.append("<p>containerd and shim log while it ran:</p>\n<pre>")
              .append(esc(String.join("\n", res.logLines()))).append("</pre>\n");
        }
      }
    }
    return h.append("</body></html>\n").toString();
  }

  private static String anchorIfDetailed(Row r) {
    String name = esc(r.scenario().name());
    if (!r.runtime().passed()) {
      return "<a href=\"#" + name + "-runtime\">" + name + "</a>";
    }
    if (!r.reference().passed()) {
      return "<a href=\"#" + name + "-reference\">" + name + "</a>";
    }
    return name;
  }

  private static String cell(ScenarioResult r) {
    return "<td class=\"" + r.status() + "\">" + esc(r.cell()) + "</td>";
  }

  String junit() {
    StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.append("<testsuites name=\"shim-conformance\">\n");
    suite(x, "reference", reference, rows.stream().map(Row::reference).toList(), false);
    suite(x, "runtime", runtime, rows.stream().map(Row::runtime).toList(), true);
    return x.append("</testsuites>\n").toString();
  }

  /**
   * One suite. On the runtime side a failure the reference shares is reported as skipped, so
   * that the file's failures are exactly what makes the tool exit non-zero.
   */
  private void suite(StringBuilder x, String side, String name, List<ScenarioResult> results,
      boolean runtimeSide) {
    long failures = 0;
    long skipped = 0;
    for (int i = 0; i < results.size(); i++) {
      ScenarioResult r = results.get(i);
      if (r.failed() && (!runtimeSide || rows.get(i).regression())) {
        failures++;
      } else if (!r.passed()) {
        skipped++;
      }
    }
    double total = results.stream().mapToLong(r -> r.elapsed().toMillis()).sum() / 1000.0;
    x.append("  <testsuite name=\"").append(xml(side + " " + name)).append("\" tests=\"")
        .append(results.size()).append("\" failures=\"").append(failures)
        .append("\" errors=\"0\" skipped=\"").append(skipped).append("\" time=\"")
        .append(String.format(Locale.ROOT, "%.3f", total)).append("\">\n");
    for (int i = 0; i < results.size(); i++) {
      ScenarioResult r = results.get(i);
      x.append("    <testcase classname=\"shim-conformance.").append(xml(side)).append('.')
          .append(xml(r.scenario().group())).append("\" name=\"").append(xml(r.scenario().name()))
          .append("\" time=\"")
          .append(String.format(Locale.ROOT, "%.3f", r.elapsed().toMillis() / 1000.0))
          .append('"');
      String details = r.reason().strip()
          + (r.logLines().isEmpty() ? "" : "\n\ncontainerd and shim log:\n"
              + String.join("\n", r.logLines()));
      if (r.passed()) {
        x.append("/>\n");
      } else if (r.failed() && (!runtimeSide || rows.get(i).regression())) {
        x.append(">\n      <failure message=\"").append(xml(r.shortReason())).append("\">")
            .append(xml(details)).append("</failure>\n    </testcase>\n");
      } else {
        String why = r.failed() ? "fails on the reference too: " + r.shortReason()
            : r.reason();
        x.append(">\n      <skipped message=\"").append(xml(why)).append("\"/>\n")
            .append(r.failed() ? "      <system-out>" + xml(details) + "</system-out>\n" : "")
            .append("    </testcase>\n");
      }
    }
    x.append("  </testsuite>\n");
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /** XML text: escaped, and without the control characters XML 1.0 forbids. */
  private static String xml(String s) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF)) {
        b.appendCodePoint(c);
      }
    });
    return esc(b.toString()).replace("'", "&apos;");
  }
}
