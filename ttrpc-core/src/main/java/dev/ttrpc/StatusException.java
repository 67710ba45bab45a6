package dev.ttrpc;

import static java.util.Objects.requireNonNull;

/**
 * A call failed with a non-OK {@link Status}. Clients receive it from every call method; handlers
 * throw it to answer with a specific status (anything else they throw becomes {@code UNKNOWN}).
 *
 * <p>Unchecked, like grpc-java's {@code StatusRuntimeException}, so that generated interfaces and
 * lambdas stay free of {@code throws} clauses.
 */
public class StatusException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Status status;

  /**
   * An exception for a failed call.
   *
   * @param status the status to report; not null, normally not {@link Status.Code#OK}
   * @throws NullPointerException if {@code status} is null
   */
  public StatusException(Status status) {
    this(status, null);
  }

  /**
   * An exception for a failed call with a local cause; the cause is not sent to the peer.
   *
   * @param status the status to report; not null, normally not {@link Status.Code#OK}
   * @param cause the local cause, may be null
   * @throws NullPointerException if {@code status} is null
   */
  public StatusException(Status status, Throwable cause) {
    super(requireNonNull(status, "status").toString(), cause);
    this.status = status;
  }

  /**
   * The status of the failed call.
   *
   * @return the status, never null
   */
  public Status status() {
    return status;
  }

  /**
   * Shorthand for {@code status().code()}.
   *
   * @return the status code, never null
   */
  public Status.Code code() {
    return status.code();
  }
}
