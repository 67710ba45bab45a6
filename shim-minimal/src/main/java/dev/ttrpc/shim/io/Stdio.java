package dev.ttrpc.shim.io;

/**
 * The stdio a client asked for, echoed back verbatim by State ({@code ctr tasks attach} reopens
 * these paths).
 */
public record Stdio(String stdin, String stdout, String stderr, boolean terminal) {
  public Stdio {
    stdin = stdin == null ? "" : stdin;
    stdout = stdout == null ? "" : stdout;
    stderr = stderr == null ? "" : stderr;
  }

  /** Whether no stream was requested at all ({@code ctr run --null-io}). */
  public boolean isNull() {
    return stdin.isEmpty() && stdout.isEmpty() && stderr.isEmpty();
  }
}
