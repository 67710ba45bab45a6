package dev.ttrpc.conformance.interop;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of one interop case, printed as {@code PASS <case>}, {@code SKIP <case>: <reason>}
 * or {@code FAIL <case>: <reason>}, the lines the Go peer's client prints too.
 *
 * @param verdict pass, skip or fail
 * @param caseName the case's name, e.g. {@code empty_unary}
 * @param reason why it was skipped or failed; empty for a pass
 */
public record CaseResult(Verdict verdict, String caseName, String reason) {

  /** What happened. */
  public enum Verdict {
    PASS,
    SKIP,
    FAIL
  }

  public CaseResult {
    requireNonNull(verdict, "verdict");
    requireNonNull(caseName, "caseName");
    reason = requireNonNull(reason, "reason").replace("\n", " | ");
  }

  static CaseResult pass(String caseName) {
    return new CaseResult(Verdict.PASS, caseName, "");
  }

  static CaseResult skip(String caseName, String reason) {
    return new CaseResult(Verdict.SKIP, caseName, reason);
  }

  static CaseResult fail(String caseName, String reason) {
    return new CaseResult(Verdict.FAIL, caseName, reason);
  }

  /** The line the client prints. */
  public String line() {
    return verdict == Verdict.PASS ? "PASS " + caseName : verdict + " " + caseName + ": " + reason;
  }

  @Override
  public String toString() {
    return line();
  }
}
