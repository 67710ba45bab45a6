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
    /** The call succeeded. */
    OK(0),
    /** The call was cancelled, typically by the caller. */
    CANCELLED(1),
    /** An error without a more specific code, e.g. a plain exception thrown by a handler. */
    UNKNOWN(2),
    /** The client sent an invalid request, whatever the server's state. */
    INVALID_ARGUMENT(3),
    /** The deadline passed before the call completed. */
    DEADLINE_EXCEEDED(4),
    /** A requested entity does not exist. */
    NOT_FOUND(5),
    /** An entity the client tried to create already exists. */
    ALREADY_EXISTS(6),
    /** The caller may not perform the operation. */
    PERMISSION_DENIED(7),
    /** A resource ran out, e.g. a message exceeded the size limit. */
    RESOURCE_EXHAUSTED(8),
    /** The system is not in the state the operation requires. */
    FAILED_PRECONDITION(9),
    /** The operation was aborted, typically by a concurrency conflict. */
    ABORTED(10),
    /** The operation went past a valid range. */
    OUT_OF_RANGE(11),
    /** The service or method is not implemented by the server. */
    UNIMPLEMENTED(12),
    /** An invariant of the implementation was broken. */
    INTERNAL(13),
    /** The service is unavailable, e.g. the connection closed; retrying may succeed. */
    UNAVAILABLE(14),
    /** Unrecoverable data loss or corruption. */
    DATA_LOSS(15),
    /** The caller has no valid credentials. */
    UNAUTHENTICATED(16);

    private static final Code[] BY_VALUE = values();

    private final int value;

    Code(int value) {
      this.value = value;
    }

    /**
     * The numeric code as sent on the wire.
     *
     * @return the value in {@code google.rpc.Status.code}, 0..16
     */
    public int value() {
      return value;
    }

    /**
     * The code for a wire value; values outside 0..16 map to {@link #UNKNOWN}, as in gRPC.
     *
     * @param value the numeric code received
     * @return the matching code, never null
     */
    public static Code forValue(int value) {
      return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
    }

    /**
     * The {@link Status} with this code and an empty message.
     *
     * @return a status without message or details
     */
    public Status toStatus() {
      return Status.of(this, "");
    }
  }

  /** {@link Code#OK} with an empty message. */
  public static final Status OK = new Status(Code.OK, "", List.of());
  /** {@link Code#CANCELLED} with an empty message. */
  public static final Status CANCELLED = new Status(Code.CANCELLED, "", List.of());
  /** {@link Code#UNKNOWN} with an empty message. */
  public static final Status UNKNOWN = new Status(Code.UNKNOWN, "", List.of());
  /** {@link Code#INVALID_ARGUMENT} with an empty message. */
  public static final Status INVALID_ARGUMENT = new Status(Code.INVALID_ARGUMENT, "", List.of());
  /** {@link Code#DEADLINE_EXCEEDED} with an empty message. */
  public static final Status DEADLINE_EXCEEDED = new Status(Code.DEADLINE_EXCEEDED, "", List.of());
  /** {@link Code#NOT_FOUND} with an empty message. */
  public static final Status NOT_FOUND = new Status(Code.NOT_FOUND, "", List.of());
  /** {@link Code#ALREADY_EXISTS} with an empty message. */
  public static final Status ALREADY_EXISTS = new Status(Code.ALREADY_EXISTS, "", List.of());
  /** {@link Code#PERMISSION_DENIED} with an empty message. */
  public static final Status PERMISSION_DENIED = new Status(Code.PERMISSION_DENIED, "", List.of());
  /** {@link Code#RESOURCE_EXHAUSTED} with an empty message. */
  public static final Status RESOURCE_EXHAUSTED = new Status(Code.RESOURCE_EXHAUSTED, "", List.of());
  /** {@link Code#FAILED_PRECONDITION} with an empty message. */
  public static final Status FAILED_PRECONDITION =
      new Status(Code.FAILED_PRECONDITION, "", List.of());
  /** {@link Code#ABORTED} with an empty message. */
  public static final Status ABORTED = new Status(Code.ABORTED, "", List.of());
  /** {@link Code#OUT_OF_RANGE} with an empty message. */
  public static final Status OUT_OF_RANGE = new Status(Code.OUT_OF_RANGE, "", List.of());
  /** {@link Code#UNIMPLEMENTED} with an empty message. */
  public static final Status UNIMPLEMENTED = new Status(Code.UNIMPLEMENTED, "", List.of());
  /** {@link Code#INTERNAL} with an empty message. */
  public static final Status INTERNAL = new Status(Code.INTERNAL, "", List.of());
  /** {@link Code#UNAVAILABLE} with an empty message. */
  public static final Status UNAVAILABLE = new Status(Code.UNAVAILABLE, "", List.of());
  /** {@link Code#DATA_LOSS} with an empty message. */
  public static final Status DATA_LOSS = new Status(Code.DATA_LOSS, "", List.of());
  /** {@link Code#UNAUTHENTICATED} with an empty message. */
  public static final Status UNAUTHENTICATED = new Status(Code.UNAUTHENTICATED, "", List.of());

  private final Code code;
  private final String message;
  private final List<Any> details;

  private Status(Code code, String message, List<Any> details) {
    this.code = code;
    this.message = message;
    this.details = details;
  }

  /**
   * A status with the given code and message and no details.
   *
   * @param code the status code, not null
   * @param message the human-readable message, not null (may be empty)
   * @return a new status
   * @throws NullPointerException if an argument is null
   */
  public static Status of(Code code, String message) {
    return new Status(requireNonNull(code, "code"), requireNonNull(message, "message"), List.of());
  }

  /**
   * A status with the given code, message and details (as {@code google.protobuf.Any}).
   *
   * @param code the status code, not null
   * @param message the human-readable message, not null (may be empty)
   * @param details the details sent in {@code google.rpc.Status.details}; copied, not null and
   *     without null elements
   * @return a new status
   * @throws NullPointerException if an argument or a detail is null
   */
  public static Status of(Code code, String message, List<Any> details) {
    return new Status(
        requireNonNull(code, "code"),
        requireNonNull(message, "message"),
        List.copyOf(requireNonNull(details, "details")));
  }

  /**
   * The status for an exception thrown by a handler: a {@link StatusException} keeps its status;
   * anything else becomes {@link Code#UNKNOWN} with the exception's message (or its class name if
   * it has none), the same mapping Go ttrpc applies to plain errors. {@code CompletionException}
   * and {@code ExecutionException} wrappers are looked through to find a {@link StatusException}.
   *
   * @param t the exception, not null
   * @return the status to report for it, never null
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

  /**
   * The status code.
   *
   * @return the code, never null
   */
  public Code code() {
    return code;
  }

  /**
   * The human-readable message.
   *
   * @return the message; never null, possibly empty
   */
  public String message() {
    return message;
  }

  /**
   * The details sent with the status, as {@code google.protobuf.Any}.
   *
   * @return an immutable list; never null, empty if there are none
   */
  public List<Any> details() {
    return details;
  }

  /**
   * Whether this status reports success.
   *
   * @return true if the code is {@link Code#OK}
   */
  public boolean isOk() {
    return code == Code.OK;
  }

  /**
   * A copy of this status with another message; code and details are kept.
   *
   * @param message the new message, not null (may be empty)
   * @return a new status
   */
  public Status withMessage(String message) {
    return new Status(code, requireNonNull(message, "message"), details);
  }

  /**
   * A copy of this status with other details; code and message are kept.
   *
   * @param details the new details; copied, not null and without null elements
   * @return a new status
   */
  public Status withDetails(List<Any> details) {
    return new Status(code, message, List.copyOf(requireNonNull(details, "details")));
  }

  /**
   * An exception carrying this status, for handlers to throw and clients to catch.
   *
   * @return a new exception without cause
   */
  public StatusException asException() {
    return new StatusException(this);
  }

  /**
   * Like {@link #asException()}, with a local cause that is not sent on the wire.
   *
   * @param cause the local cause, may be null
   * @return a new exception
   */
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
