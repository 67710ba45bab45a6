package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.internal.DefaultExecutors;
import dev.ttrpc.internal.server.ServerImpl;
import dev.ttrpc.internal.wire.Wire;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Configures a {@link TtrpcServer}.
 *
 * <p>Defaults: no handshaker (every local peer accepted), handlers on one virtual thread per call
 * when the JVM has virtual threads (else a cached pool of daemon threads), maximum message size 4
 * MiB (Go's limit), no interceptors.
 *
 * <p>Not thread-safe.
 */
public final class TtrpcServerBuilder {
  private final Map<String, ServiceDefinition> services = new LinkedHashMap<>();
  private final List<ServerInterceptor> interceptors = new ArrayList<>();
  private Handshaker handshaker;
  private Executor executor;
  private int maxMessageSize = Wire.DEFAULT_MAX_MESSAGE_SIZE;

  TtrpcServerBuilder() {}

  /**
   * Registers a service under its full proto name.
   *
   * @throws IllegalArgumentException if a service of that name is already registered
   */
  public TtrpcServerBuilder addService(ServiceDefinition service) {
    requireNonNull(service, "service");
    if (services.putIfAbsent(service.name(), service) != null) {
      throw new IllegalArgumentException("duplicate service " + service.name() + " registered");
    }
    return this;
  }

  /**
   * Registers a service implementation that binds itself, such as an instance of a generated
   * {@code Service} interface: the same as {@code addService(service.bindService())}.
   *
   * @param service the implementation to serve
   * @return this builder
   * @throws IllegalArgumentException if a service of that name is already registered
   */
  public TtrpcServerBuilder addService(BindableService service) {
    return addService(requireNonNull(service, "service").bindService());
  }

  /** The check every new connection must pass before anything is read from it. */
  public TtrpcServerBuilder handshaker(Handshaker handshaker) {
    this.handshaker = requireNonNull(handshaker, "handshaker");
    return this;
  }

  /**
   * Runs handlers on {@code executor} instead of one virtual thread per call. A direct executor
   * ({@code Runnable::run}) runs them on the connection's I/O thread, which saves a thread hop per
   * call (about half the round-trip latency of a trivial call) but is only safe for unary handlers
   * that never block; streaming handlers wait for messages and must never run there.
   */
  public TtrpcServerBuilder executor(Executor executor) {
    this.executor = requireNonNull(executor, "executor");
    return this;
  }

  /**
   * The largest frame data accepted or sent, in bytes (default 4194304). Larger requests are
   * discarded and answered with {@code RESOURCE_EXHAUSTED}; a larger response is replaced by a
   * {@code RESOURCE_EXHAUSTED} error for that call only.
   */
  public TtrpcServerBuilder maxMessageSize(int maxMessageSize) {
    if (maxMessageSize < 64) {
      throw new IllegalArgumentException("maxMessageSize too small: " + maxMessageSize);
    }
    this.maxMessageSize = maxMessageSize;
    return this;
  }

  /** Adds interceptors; the first one added is the outermost (sees each call first). */
  public TtrpcServerBuilder intercept(ServerInterceptor... interceptors) {
    for (ServerInterceptor i : requireNonNull(interceptors, "interceptors")) {
      this.interceptors.add(requireNonNull(i, "interceptor"));
    }
    return this;
  }

  /** A server with these settings, not yet listening: call {@link TtrpcServer#start(String)}. */
  public TtrpcServer build() {
    return new ServerImpl(
        new ArrayList<>(services.values()),
        handshaker,
        executor != null ? executor : DefaultExecutors.blockingTasks(),
        maxMessageSize,
        interceptors);
  }
}
