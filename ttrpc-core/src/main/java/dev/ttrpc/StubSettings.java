package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The settings of one {@link AbstractStub}: the client it calls through and what each of its calls
 * gets (deadline or per-call timeout, metadata, interceptors, callback executor, message size
 * limit). Opaque to generated code, which only passes an instance from {@link
 * AbstractStub#build(StubSettings)} to its constructor.
 *
 * <p>Immutable and thread-safe.
 */
public final class StubSettings {
  final TtrpcClient client;
  final CallOptions options;
  final Duration timeout;
  /** Outermost first. */
  final List<ClientInterceptor> interceptors;
  final Executor executor;
  /** Zero for no limit beyond the client's own. */
  final int maxMessageSize;
  /** {@link #client} behind this stub's interceptors, executor and size limit. */
  final TtrpcClient effectiveClient;

  private StubSettings(
      TtrpcClient client,
      CallOptions options,
      Duration timeout,
      List<ClientInterceptor> interceptors,
      Executor executor,
      int maxMessageSize) {
    this.client = client;
    this.options = options;
    this.timeout = timeout;
    this.interceptors = List.copyOf(interceptors);
    this.executor = executor;
    this.maxMessageSize = maxMessageSize;
    List<ClientInterceptor> chain = new ArrayList<>(this.interceptors);
    if (maxMessageSize > 0) {
      chain.add(new StubInterceptors.MaxMessageSize(maxMessageSize));
    }
    TtrpcClient intercepted = chain.isEmpty() ? client : new InterceptedClient(client, chain);
    // Outermost, so that the futures the caller sees are the ones completed on the executor.
    this.effectiveClient = executor == null ? intercepted : new ExecutorClient(intercepted, executor);
  }

  /**
   * Default settings on {@code client}: no deadline, no metadata, no interceptors beyond the
   * client's own, futures completed as the client completes them, the client's size limit.
   *
   * @param client the client the stub calls through; the stub does not own it
   * @return the settings of a new stub
   */
  public static StubSettings of(TtrpcClient client) {
    return new StubSettings(
        requireNonNull(client, "client"), CallOptions.DEFAULT, null, List.of(), null, 0);
  }

  StubSettings withOptions(CallOptions options) {
    return new StubSettings(client, options, timeout, interceptors, executor, maxMessageSize);
  }

  StubSettings withTimeout(Duration timeout) {
    return new StubSettings(client, options, timeout, interceptors, executor, maxMessageSize);
  }

  StubSettings withInterceptors(List<ClientInterceptor> interceptors) {
    return new StubSettings(client, options, timeout, interceptors, executor, maxMessageSize);
  }

  StubSettings withExecutor(Executor executor) {
    return new StubSettings(client, options, timeout, interceptors, executor, maxMessageSize);
  }

  StubSettings withMaxMessageSize(int maxMessageSize) {
    return new StubSettings(client, options, timeout, interceptors, executor, maxMessageSize);
  }

  @Override
  public String toString() {
    return "StubSettings[options=" + options + ", timeout=" + timeout + ", interceptors="
        + interceptors.size() + ", executor=" + executor + ", maxMessageSize="
        + (maxMessageSize > 0 ? maxMessageSize : "client's") + "]";
  }
}
