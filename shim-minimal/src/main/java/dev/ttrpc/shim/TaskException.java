package dev.ttrpc.shim;

/**
 * A task operation failed in a way containerd should see with a specific code; the task service
 * turns it into a ttRPC status with the same code and message. Plain state-machine refusals are
 * {@link Code#UNKNOWN}, as in containerd's runc shim.
 */
public final class TaskException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The status codes a task operation answers with (numbered as gRPC's). */
  public enum Code {
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    FAILED_PRECONDITION(9),
    UNIMPLEMENTED(12),
    UNAVAILABLE(14);

    private final int value;

    Code(int value) {
      this.value = value;
    }

    public int value() {
      return value;
    }
  }

  private final Code code;

  public TaskException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public TaskException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  public static TaskException unknown(String message) {
    return new TaskException(Code.UNKNOWN, message);
  }

  public static TaskException notFound(String message) {
    return new TaskException(Code.NOT_FOUND, message);
  }

  public static TaskException unimplemented(String message) {
    return new TaskException(Code.UNIMPLEMENTED, message);
  }

  public static TaskException failedPrecondition(String message) {
    return new TaskException(Code.FAILED_PRECONDITION, message);
  }
}
