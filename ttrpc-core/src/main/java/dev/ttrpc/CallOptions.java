package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Per-call settings on the client: the deadline (sent as {@code timeout_nano} and enforced
 * locally) and the metadata sent with the request.
 *
 * <p>Immutable and thread-safe; every {@code with} method returns a new instance. The metadata is
 * copied when set, so later changes to the caller's {@link Metadata} do not affect the options.
 */
public final class CallOptions {
  /** No deadline and no metadata. */
  public static final CallOptions DEFAULT = new CallOptions(null, null);

  private final Deadline deadline;
  private final Metadata metadata;

  private CallOptions(Deadline deadline, Metadata metadata) {
    this.deadline = deadline;
    this.metadata = metadata;
  }

  /** Options with a deadline {@code timeout} from now. */
  public static CallOptions timeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  /** Options carrying the given metadata. */
  public static CallOptions metadata(Metadata metadata) {
    return DEFAULT.withMetadata(metadata);
  }

  /** The deadline, or null for none. */
  public Deadline deadline() {
    return deadline;
  }

  /** The metadata to send (read-only), or an empty instance. */
  public Metadata metadata() {
    return metadata != null ? metadata : EMPTY_METADATA;
  }

  public CallOptions withDeadline(Deadline deadline) {
    return new CallOptions(deadline, metadata);
  }

  /** A deadline {@code timeout} from now. */
  public CallOptions withTimeout(Duration timeout) {
    return withDeadline(Deadline.after(requireNonNull(timeout, "timeout")));
  }

  /** Replaces the metadata with a copy of {@code metadata}. */
  public CallOptions withMetadata(Metadata metadata) {
    return new CallOptions(deadline, requireNonNull(metadata, "metadata").copy().unmodifiable());
  }

  /** Adds one pair to a copy of the current metadata. */
  public CallOptions withMetadata(String key, String value) {
    Metadata md = metadata != null ? metadata.copy() : new Metadata();
    md.add(key, value);
    return new CallOptions(deadline, md.unmodifiable());
  }

  private static final Metadata EMPTY_METADATA = new Metadata().unmodifiable();

  @Override
  public String toString() {
    return "CallOptions[deadline=" + deadline + ", metadata=" + metadata() + "]";
  }
}
