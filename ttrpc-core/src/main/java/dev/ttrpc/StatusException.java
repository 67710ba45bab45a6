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

  public StatusException(Status status) {
    this(status, null);
  }

  public StatusException(Status status, Throwable cause) {
    super(requireNonNull(status, "status").toString(), cause);
    this.status = status;
  }

  public Status status() {
    return status;
  }

  public Status.Code code() {
    return status.code();
  }
}
