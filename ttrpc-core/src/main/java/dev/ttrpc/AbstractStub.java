package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The common part of generated client stubs: call settings that {@code with} methods derive new
 * stubs from. A stub made by a generated {@code newStub(client)} has no deadline, no metadata, no
 * interceptors beyond the client's own, completes futures as the client does, and has the client's
 * message size limit.
 *
 * <p>Immutable and thread-safe: every {@code with} method returns a new stub of the same type and
 * leaves this one unchanged, so stubs can be shared and specialised per call site. A stub does not
 * own its client: closing the client ends every call of every stub on it.
 *
 * @param <S> the concrete stub type
 */
public abstract class AbstractStub<S extends AbstractStub<S>> {
  private final StubSettings settings;

  /**
   * A stub with the given settings.
   *
   * @param settings from {@link StubSettings#of(TtrpcClient)} or {@link #build(StubSettings)}
   */
  protected AbstractStub(StubSettings settings) {
    this.settings = requireNonNull(settings, "settings");
  }

  /**
   * A stub of the concrete type with other settings; the {@code with} methods call it.
   *
   * @param settings the settings of the new stub
   * @return a new stub
   */
  protected abstract S build(StubSettings settings);

  /**
   * The client calls go through: the stub's client behind the stub's interceptors, executor and
   * message size limit.
   *
   * @return the client generated methods call
   */
  protected final TtrpcClient client() {
    return settings.effectiveClient;
  }

  /**
   * The options of a call starting now: the deadline ({@link #withDeadline}, or now plus the
   * {@link #withTimeout timeout}) and the metadata.
   *
   * @return options for one call
   */
  protected final CallOptions callOptions() {
    return settings.timeout == null
        ? settings.options
        : settings.options.withTimeout(settings.timeout);
  }

  /**
   * A stub that uses the deadline and metadata of {@code options} for every call, replacing those
   * of this stub; a timeout set with {@link #withTimeout} is kept and takes precedence over the
   * deadline.
   *
   * @param options the deadline and metadata of every call
   * @return a new stub
   */
  public final S withOptions(CallOptions options) {
    return build(settings.withOptions(requireNonNull(options, "options")));
  }

  /**
   * A stub whose every call must finish within {@code timeout} of its start: the deadline is
   * computed per call, sent to the server as {@code timeout_nano} and enforced locally. Replaces
   * a deadline set with {@link #withDeadline}.
   *
   * @param timeout the time each call may take
   * @return a new stub
   */
  public final S withTimeout(Duration timeout) {
    return build(settings.withTimeout(requireNonNull(timeout, "timeout")));
  }

  /**
   * A stub whose calls must all finish by {@code deadline}, a fixed point in time (unlike {@link
   * #withTimeout}, which counts from each call's start). Replaces a timeout set with {@link
   * #withTimeout}; null removes the deadline.
   *
   * @param deadline the deadline of every call, or null for none
   * @return a new stub
   */
  public final S withDeadline(Deadline deadline) {
    return build(settings.withOptions(settings.options.withDeadline(deadline)).withTimeout(null));
  }

  /**
   * A stub that sends {@code metadata} with every call in addition to the metadata of this stub:
   * the pairs are appended, so a key set on both is sent with all its values. The metadata is
   * copied; later changes to {@code metadata} do not affect the stub. Use {@link
   * #withReplacedMetadata} to drop this stub's metadata instead.
   *
   * @param metadata the pairs to add
   * @return a new stub
   */
  public final S withMetadata(Metadata metadata) {
    requireNonNull(metadata, "metadata");
    Metadata merged = settings.options.metadata().copy().merge(metadata);
    return build(settings.withOptions(settings.options.withMetadata(merged)));
  }

  /**
   * A stub that sends exactly {@code metadata} with every call, discarding the metadata of this
   * stub. The metadata is copied.
   *
   * @param metadata the metadata of every call
   * @return a new stub
   */
  public final S withReplacedMetadata(Metadata metadata) {
    return build(settings.withOptions(settings.options.withMetadata(requireNonNull(metadata, "metadata"))));
  }

  /**
   * A stub whose calls go through {@code interceptors} before those of this stub and before the
   * client's own: the first one given sees each call first, and interceptors added by a later
   * {@code withInterceptors} wrap those added earlier.
   *
   * @param interceptors the interceptors to add, outermost first
   * @return a new stub
   */
  public final S withInterceptors(ClientInterceptor... interceptors) {
    List<ClientInterceptor> chain = new ArrayList<>();
    for (ClientInterceptor interceptor : requireNonNull(interceptors, "interceptors")) {
      chain.add(requireNonNull(interceptor, "interceptor"));
    }
    chain.addAll(settings.interceptors);
    return build(settings.withInterceptors(chain));
  }

  /**
   * A stub whose asynchronous results complete on {@code executor}: the futures of unary calls
   * and of {@code receiveAsync} and {@code closeAndReceiveAsync}, so continuations attached to
   * them run there instead of on the client's I/O thread. If the executor rejects a completion,
   * the future fails with {@code CANCELLED}.
   *
   * @param executor where asynchronous results complete
   * @return a new stub
   */
  public final S withExecutor(Executor executor) {
    return build(settings.withExecutor(requireNonNull(executor, "executor")));
  }

  /**
   * A stub that refuses messages larger than {@code maxMessageSize} bytes, in both directions: a
   * larger request fails before it is sent, a larger response fails its call (a stream is
   * cancelled), both with {@code RESOURCE_EXHAUSTED}. The client's own limit (set on its builder,
   * 4 MiB by default) still applies, so only a smaller value has an effect.
   *
   * @param maxMessageSize the largest serialized message, in bytes; positive
   * @return a new stub
   */
  public final S withMaxMessageSize(int maxMessageSize) {
    if (maxMessageSize <= 0) {
      throw new IllegalArgumentException("maxMessageSize must be positive: " + maxMessageSize);
    }
    return build(settings.withMaxMessageSize(maxMessageSize));
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + settings + "]";
  }
}
