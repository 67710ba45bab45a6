package dev.ttrpc.cli;

/** The command line is wrong: reported with a hint at {@code ttrpc help}, exit status 2. */
final class UsageException extends CliException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message, Ttrpc.EXIT_USAGE);
  }
}
