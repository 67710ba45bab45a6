package dev.ttrpc.cli;

/**
 * A failure the tool reports as one line on stderr, exiting with {@link #exitCode()}: not a bug,
 * so no stack trace.
 */
class CliException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(String message) {
    this(message, Ttrpc.EXIT_FAILURE);
  }

  CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
    this.exitCode = Ttrpc.EXIT_FAILURE;
  }

  int exitCode() {
    return exitCode;
  }
}
