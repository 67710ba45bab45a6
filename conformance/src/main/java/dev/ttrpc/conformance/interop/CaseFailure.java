package dev.ttrpc.conformance.interop;

/** An interop case found the peer behaving wrongly; the message says how. */
public final class CaseFailure extends Exception {
  private static final long serialVersionUID = 1L;

  public CaseFailure(String message) {
    super(message);
  }

  public CaseFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
