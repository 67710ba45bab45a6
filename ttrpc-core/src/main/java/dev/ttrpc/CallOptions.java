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

  /**
   * Options with a deadline {@code timeout} from now.
   *
   * @param timeout the time the call may take, not null; zero or negative fails it at once
   * @return new options without metadata
   */
  public static CallOptions timeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  /**
   * Options carrying the given metadata.
   *
   * @param metadata the metadata to send, not null; copied
   * @return new options without deadline
   */
  public static CallOptions metadata(Metadata metadata) {
    return DEFAULT.withMetadata(metadata);
  }

  /**
   * The deadline of the call.
   *
   * @return the deadline, or null for none
   */
  public Deadline deadline() {
    return deadline;
  }

  /**
   * The metadata to send.
   *
   * @return a read-only instance, empty if none was set; never null
   */
  public Metadata metadata() {
    return metadata != null ? metadata : EMPTY_METADATA;
  }

  /**
   * Options with this deadline instead of the current one.
   *
   * @param deadline the deadline, or null for none
   * @return new options with the same metadata
   */
  public CallOptions withDeadline(Deadline deadline) {
    return new CallOptions(deadline, metadata);
  }

  /**
   * Options with a deadline {@code timeout} from now instead of the current one.
   *
   * @param timeout the time the call may take, not null; zero or negative fails it at once
   * @return new options with the same metadata
   */
  public CallOptions withTimeout(Duration timeout) {
    return withDeadline(Deadline.after(requireNonNull(timeout, "timeout")));
  }

  /**
   * Options whose metadata is a copy of {@code metadata}, replacing the current one.
   *
   * @param metadata the metadata to send, not null
   * @return new options with the same deadline
   */
  public CallOptions withMetadata(Metadata metadata) {
    return new CallOptions(deadline, requireNonNull(metadata, "metadata").copy().unmodifiable());
  }

  /**
   * Options whose metadata is the current one plus one pair; earlier values of the key stay.
   *
   * @param key the key, not null or empty
   * @param value the value, not null
   * @return new options with the same deadline
   */
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
