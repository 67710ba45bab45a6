package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.internal.DefaultExecutors;
import dev.ttrpc.internal.client.ClientConfig;
import dev.ttrpc.internal.client.ClientConnection;
import dev.ttrpc.internal.wire.Wire;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Configures and opens a {@link TtrpcClient} connection.
 *
 * <p>Defaults: maximum message size 4 MiB (4194304 bytes of frame data, Go's limit), connect
 * timeout 10 s, no interceptors, asynchronous calls completed off the I/O threads (see {@link
 * #callbackExecutor(Executor)}), the shared event loop group.
 *
 * <p>Not thread-safe; a builder may be reused to open several connections.
 */
public final class TtrpcClientBuilder {
  private String address;
  private int maxMessageSize = Wire.DEFAULT_MAX_MESSAGE_SIZE;
  private final List<ClientInterceptor> interceptors = new ArrayList<>();
  private final List<Runnable> onClose = new ArrayList<>();
  private Duration connectTimeout = Duration.ofSeconds(10);
  private Executor callbackExecutor;
  private EventLoopGroup eventLoopGroup;

  TtrpcClientBuilder() {}

  /**
   * The server address: {@code unix:///path/to.sock}, a plain socket path, or {@code
   * unix://@name} for a Linux abstract socket. Required.
   *
   * @param address the address, not null; checked by {@link #connect()}
   * @return this builder
   */
  public TtrpcClientBuilder address(String address) {
    this.address = requireNonNull(address, "address");
    return this;
  }

  /**
   * The largest frame data this client sends or accepts, in bytes (default 4194304). Larger
   * requests fail locally with {@code RESOURCE_EXHAUSTED}; larger responses fail only their call.
   *
   * @param maxMessageSize the limit in bytes, at least 64
   * @return this builder
   * @throws IllegalArgumentException if the limit is below 64
   */
  public TtrpcClientBuilder maxMessageSize(int maxMessageSize) {
    if (maxMessageSize < 64) {
      throw new IllegalArgumentException("maxMessageSize too small: " + maxMessageSize);
    }
    this.maxMessageSize = maxMessageSize;
    return this;
  }

  /**
   * Adds interceptors; the first one added is the outermost (sees each call first).
   *
   * @param interceptors the interceptors to append, none null
   * @return this builder
   */
  public TtrpcClientBuilder intercept(ClientInterceptor... interceptors) {
    for (ClientInterceptor i : requireNonNull(interceptors, "interceptors")) {
      this.interceptors.add(requireNonNull(i, "interceptor"));
    }
    return this;
  }

  /**
   * Adds a callback run once when the connection closes, for whatever reason, after every pending
   * call has failed. Callbacks run in the order added, on a thread of their own; {@link
   * TtrpcClient#closeFuture()} completes after the last one.
   *
   * @param callback the callback, not null; an exception it throws is logged and ignored
   * @return this builder
   */
  public TtrpcClientBuilder onClose(Runnable callback) {
    onClose.add(requireNonNull(callback, "callback"));
    return this;
  }

  /**
   * Bound on establishing the connection (default 10 s).
   *
   * @param timeout a positive duration, not null
   * @return this builder
   * @throws IllegalArgumentException if the duration is zero or negative
   */
  public TtrpcClientBuilder connectTimeout(Duration timeout) {
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("connectTimeout must be positive: " + timeout);
    }
    this.connectTimeout = timeout;
    return this;
  }

  /**
   * The executor that completes the futures of asynchronous calls and {@link
   * TtrpcClient#closeFuture()}, and so runs the continuations attached to them. By default they
   * complete on the shared executor of virtual threads (a cached pool of daemon threads before Java
   * 21), never on the connection's I/O thread. A direct executor ({@code Runnable::run}) completes
   * them on the I/O thread, which saves a thread hand-off per call but is only safe for
   * continuations that never block: a blocked I/O thread stops every connection it serves. A
   * blocking {@link TtrpcClient#call} without interceptors never needs the executor: the caller's
   * thread is woken directly.
   *
   * @param executor completes futures, not null; the client does not shut it down
   * @return this builder
   */
  public TtrpcClientBuilder callbackExecutor(Executor executor) {
    this.callbackExecutor = requireNonNull(executor, "executor");
    return this;
  }

  /**
   * Runs the connection on {@code group}, which the application owns: the client never shuts it
   * down, and it must outlive the client. Should it stop first all the same, the client fails its
   * pending calls with {@code UNAVAILABLE} and closes; with the epoll handler it also closes the
   * socket the stopped loop left open. It must be a Netty {@code MultiThreadIoEventLoopGroup}
   * with the epoll I/O handler (or the NIO one, which has no peer credentials and no abstract
   * addresses). Without one, clients and servers share one group of daemon threads, created when
   * the first of them opens and shut down when the last one closes.
   *
   * @param group the application's event loop group, not null
   * @return this builder
   */
  public TtrpcClientBuilder eventLoopGroup(EventLoopGroup group) {
    this.eventLoopGroup = requireNonNull(group, "group");
    return this;
  }

  /**
   * Opens the connection.
   *
   * @return a connected client; the caller must close it
   * @throws IOException if it cannot be established
   * @throws IllegalStateException if no address was set
   */
  public TtrpcClient connect() throws IOException {
    if (address == null) {
      throw new IllegalStateException("address not set");
    }
    return ClientConnection.connect(
        new ClientConfig(
            address,
            maxMessageSize,
            interceptors,
            onClose,
            connectTimeout,
            callbackExecutor != null ? callbackExecutor : DefaultExecutors.blockingTasks(),
            eventLoopGroup));
  }
}
