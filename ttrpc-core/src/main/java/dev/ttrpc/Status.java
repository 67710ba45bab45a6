package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of a ttRPC call: a gRPC status code, a message and optional details, exactly what
 * travels in {@code google.rpc.Status} inside a ttRPC {@code Response}.
 *
 * <p>Instances are immutable and thread-safe. The constants ({@link #OK}, {@link #UNKNOWN}, ...)
 * carry an empty message; derive specific statuses with {@link #withMessage(String)}.
 */
public final class Status {

  /** The gRPC status codes, numbered as on the wire. */
  public enum Code {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    FAILED_PRECONDITION(9),
    ABORTED(10),
    OUT_OF_RANGE(11),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private static final Code[] BY_VALUE = values();

    private final int value;

    Code(int value) {
      this.value = value;
    }

    /** The numeric code as sent on the wire. */
    public int value() {
      return value;
    }

    /** The code for a wire value; values outside 0..16 map to {@link #UNKNOWN}, as in gRPC. */
    public static Code forValue(int value) {
      return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
    }

    /** The {@link Status} with this code and an empty message. */
    public Status toStatus() {
      return Status.of(this, "");
    }
  }

  public static final Status OK = new Status(Code.OK, "", List.of());
  public static final Status CANCELLED = new Status(Code.CANCELLED, "", List.of());
  public static final Status UNKNOWN = new Status(Code.UNKNOWN, "", List.of());
  public static final Status INVALID_ARGUMENT = new Status(Code.INVALID_ARGUMENT, "", List.of());
  public static final Status DEADLINE_EXCEEDED = new Status(Code.DEADLINE_EXCEEDED, "", List.of());
  public static final Status NOT_FOUND = new Status(Code.NOT_FOUND, "", List.of());
  public static final Status ALREADY_EXISTS = new Status(Code.ALREADY_EXISTS, "", List.of());
  public static final Status PERMISSION_DENIED = new Status(Code.PERMISSION_DENIED, "", List.of());
  public static final Status RESOURCE_EXHAUSTED = new Status(Code.RESOURCE_EXHAUSTED, "", List.of());
  public static final Status FAILED_PRECONDITION =
      new Status(Code.FAILED_PRECONDITION, "", List.of());
  public static final Status ABORTED = new Status(Code.ABORTED, "", List.of());
  public static final Status OUT_OF_RANGE = new Status(Code.OUT_OF_RANGE, "", List.of());
  public static final Status UNIMPLEMENTED = new Status(Code.UNIMPLEMENTED, "", List.of());
  public static final Status INTERNAL = new Status(Code.INTERNAL, "", List.of());
  public static final Status UNAVAILABLE = new Status(Code.UNAVAILABLE, "", List.of());
  public static final Status DATA_LOSS = new Status(Code.DATA_LOSS, "", List.of());
  public static final Status UNAUTHENTICATED = new Status(Code.UNAUTHENTICATED, "", List.of());

  private final Code code;
  private final String message;
  private final List<Any> details;

  private Status(Code code, String message, List<Any> details) {
    this.code = code;
    this.message = message;
    this.details = details;
  }

  /** A status with the given code and message and no details. */
  public static Status of(Code code, String message) {
    return new Status(requireNonNull(code, "code"), requireNonNull(message, "message"), List.of());
  }

  /** A status with the given code, message and details (as {@code google.protobuf.Any}). */
  public static Status of(Code code, String message, List<Any> details) {
    return new Status(
        requireNonNull(code, "code"),
        requireNonNull(message, "message"),
        List.copyOf(requireNonNull(details, "details")));
  }

  /**
   * The status for an exception thrown by a handler: a {@link StatusException} keeps its status;
   * anything else becomes {@link Code#UNKNOWN} with the exception's message (or its class name if
   * it has none), the same mapping Go ttrpc applies to plain errors.
   */
  public static Status fromThrowable(Throwable t) {
    requireNonNull(t, "t");
    for (Throwable cur = t; cur != null; cur = cur.getCause()) {
      if (cur instanceof StatusException) {
        return ((StatusException) cur).status();
      }
      if (!(cur instanceof java.util.concurrent.CompletionException
          || cur instanceof java.util.concurrent.ExecutionException)) {
        break;
      }
    }
    String msg = t.getMessage();
    return of(Code.UNKNOWN, msg != null ? msg : t.getClass().getName());
  }

  public Code code() {
    return code;
  }

  /** The human-readable message; never null, possibly empty. */
  public String message() {
    return message;
  }

  /** The details, immutable; never null. */
  public List<Any> details() {
    return details;
  }

  public boolean isOk() {
    return code == Code.OK;
  }

  public Status withMessage(String message) {
    return new Status(code, requireNonNull(message, "message"), details);
  }

  public Status withDetails(List<Any> details) {
    return new Status(code, message, List.copyOf(requireNonNull(details, "details")));
  }

  /** An exception carrying this status, for handlers to throw and clients to catch. */
  public StatusException asException() {
    return new StatusException(this);
  }

  /** Like {@link #asException()}, with a local cause that is not sent on the wire. */
  public StatusException asException(Throwable cause) {
    return new StatusException(this, cause);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Status)) {
      return false;
    }
    Status other = (Status) o;
    return code == other.code && message.equals(other.message) && details.equals(other.details);
  }

  @Override
  public int hashCode() {
    return Objects.hash(code, message, details);
  }

  /** {@code CODE: message}, the form used in exception messages and logs. */
  @Override
  public String toString() {
    return message.isEmpty() ? code.name() : code.name() + ": " + message;
  }
}
