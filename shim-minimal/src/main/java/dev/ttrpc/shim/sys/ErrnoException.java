package dev.ttrpc.shim.sys;

import java.io.IOException;

/**
 * A libc call failed: carries the function name and the {@code errno} it set, so that callers can
 * branch on the code ({@link #errno()}) and users read a clear message ({@code kill(4242, 0):
 * ESRCH (No such process)}).
 *
 * <p>Immutable.
 */
public final class ErrnoException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String function;
  private final int errno;

  public ErrnoException(String function, int errno) {
    super(function + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
    this.function = function;
    this.errno = errno;
  }

  /** The failing call, with its interesting arguments, e.g. {@code kill(4242, 0)}. */
  public String function() {
    return function;
  }

  /** The {@code errno} value, comparable with the constants in {@link Errno}. */
  public int errno() {
    return errno;
  }
}
