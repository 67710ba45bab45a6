package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.internal.DefaultExecutors;
import dev.ttrpc.internal.server.ServerConfig;
import dev.ttrpc.internal.server.ServerImpl;
import dev.ttrpc.internal.wire.Wire;
import io.netty.channel.EventLoopGroup;
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
 * MiB (Go's limit), no interceptors, a memory budget of 64 MiB per connection and 64 MiB for
 * frames still arriving on all connections together (see "Flow control and limits" in the
 * project's README).
 *
 * <p>Not thread-safe.
 */
public final class TtrpcServerBuilder {
  private final Map<String, ServiceDefinition> services = new LinkedHashMap<>();
  private final List<ServerInterceptor> interceptors = new ArrayList<>();
  private Handshaker handshaker;
  private Executor executor;
  private Executor callbackExecutor;
  private int maxMessageSize = Wire.DEFAULT_MAX_MESSAGE_SIZE;
  private long connectionMemoryBudget = DEFAULT_CONNECTION_MEMORY_BUDGET;
  private long unfinishedFrameBytes = DEFAULT_UNFINISHED_FRAME_BYTES;
  private EventLoopGroup eventLoopGroup;

  /** The default {@link #connectionMemoryBudget(long)}: 64 MiB. */
  public static final long DEFAULT_CONNECTION_MEMORY_BUDGET = 64L << 20;

  /** The default {@link #unfinishedFrameBytes(long)}: 64 MiB. */
  public static final long DEFAULT_UNFINISHED_FRAME_BYTES = 64L << 20;

  TtrpcServerBuilder() {}

  /**
   * Registers a service under its full proto name.
   *
   * @param service the service's methods and handlers, not null
   * @return this builder
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

  /**
   * The check every new connection must pass before anything is read from it.
   *
   * @param handshaker accepts or rejects a peer, typically by its credentials; not null
   * @return this builder
   */
  public TtrpcServerBuilder handshaker(Handshaker handshaker) {
    this.handshaker = requireNonNull(handshaker, "handshaker");
    return this;
  }

  /**
   * Runs handlers on {@code executor} instead of one virtual thread per call. A direct executor
   * ({@code Runnable::run}) runs them on the connection's I/O thread, which saves a thread hop per
   * call (about half the round-trip latency of a trivial call) but is only safe for unary handlers
   * that never block; streaming handlers wait for messages and must never run there.
   *
   * @param executor runs one task per call, not null; the server does not shut it down
   * @return this builder
   */
  public TtrpcServerBuilder executor(Executor executor) {
    this.executor = requireNonNull(executor, "executor");
    return this;
  }

  /**
   * Runs the listeners handlers register with {@link ServerCallContext#addCancellationListener}.
   * By default they run on the shared executor of virtual threads (a cached pool of daemon
   * threads before Java 21), never on an I/O thread, although calls are often cancelled there (by
   * their deadline or by the loss of their connection). A direct executor ({@code Runnable::run})
   * runs them on the cancelling thread, saving a hand-off, and is only safe for listeners that
   * never block.
   *
   * @param executor runs cancellation listeners, not null; the server does not shut it down
   * @return this builder
   */
  public TtrpcServerBuilder callbackExecutor(Executor executor) {
    this.callbackExecutor = requireNonNull(executor, "executor");
    return this;
  }

  /**
   * The largest frame data accepted or sent, in bytes (default 4194304). Larger requests are
   * discarded and answered with {@code RESOURCE_EXHAUSTED}; a larger response is replaced by a
   * {@code RESOURCE_EXHAUSTED} error for that call only.
   *
   * @param maxMessageSize the limit in bytes, at least 64
   * @return this builder
   * @throws IllegalArgumentException if the limit is below 64
   */
  public TtrpcServerBuilder maxMessageSize(int maxMessageSize) {
    if (maxMessageSize < 64) {
      throw new IllegalArgumentException("maxMessageSize too small: " + maxMessageSize);
    }
    this.maxMessageSize = maxMessageSize;
    return this;
  }

  /**
   * How many bytes one connection may hold for its client (default 64 MiB): the requests of calls
   * not yet answered, each charged 2 KiB more for the running call (about what a waiting handler
   * holds), the messages of its streams not yet read by their handlers, and the answers the client
   * has not yet read off the socket.
   *
   * <p>A connection keeps reading requests while its answers wait to be written: clients that only
   * read once their own writes have gone through (Go ttrpc 1.2.0 to 1.2.3 does, with many large
   * concurrent calls) would otherwise deadlock. Past the budget:
   *
   * <ul>
   *   <li>if the client is taking its answers, the connection stops reading until it holds half
   *       the budget again (the client's writes simply wait);
   *   <li>if the client is not taking its answers, reading goes on, but each new request is
   *       answered at once with {@code RESOURCE_EXHAUSTED} and not run;
   *   <li>a client that holds twice the budget in unread answers is disconnected;
   *   <li>a stream message that takes the connection past the budget pauses reading until the
   *       connection holds half the budget again or no stream message is left unread, whether or
   *       not the client takes its answers
   *       (only handlers reading their streams free that memory); if no handler takes a stream
   *       message for a second meanwhile, the stream with the most unread bytes fails with {@code
   *       ttrpc: stream buffer full}.
   * </ul>
   *
   * Each stream also pauses reading on its own once 64 of its messages or 4 MiB wait unread.
   *
   * @param bytes the budget, at least 64 KiB
   * @return this builder
   * @throws IllegalArgumentException if the budget is below 64 KiB
   */
  public TtrpcServerBuilder connectionMemoryBudget(long bytes) {
    if (bytes < 64 * 1024) {
      throw new IllegalArgumentException("connectionMemoryBudget below 64 KiB: " + bytes);
    }
    this.connectionMemoryBudget = bytes;
    return this;
  }

  /**
   * How many bytes all connections together may hold in frames that are still arriving (default
   * 64 MiB; at least {@link #maxMessageSize(int)} plus the 10-byte header). Bytes are buffered as
   * they arrive, never sized from the length a header announces. A frame larger than 64 KiB that
   * spans socket reads first reserves its announced length from this amount; while the amount is
   * taken, its connection stops reading (holding at most 64 KiB of the frame plus one socket
   * read) until earlier frames complete or their connections close, first come, first served.
   * Small frames are never held up, so clients with small calls are served meanwhile.
   *
   * @param bytes the limit, at least 64 KiB; checked against the message size by {@link #build()}
   * @return this builder
   * @throws IllegalArgumentException if the limit is below 64 KiB
   */
  public TtrpcServerBuilder unfinishedFrameBytes(long bytes) {
    if (bytes < 64 * 1024) {
      throw new IllegalArgumentException("unfinishedFrameBytes below 64 KiB: " + bytes);
    }
    this.unfinishedFrameBytes = bytes;
    return this;
  }

  /**
   * Runs listeners and connections on {@code group}, which the application owns: the server never
   * shuts it down, and it must outlive the server. Should it stop first all the same, the server
   * ends the calls of its connections and terminates; with the epoll handler it also closes the
   * sockets the stopped loops left open, so that clients see the connection end. It must be a
   * Netty {@code MultiThreadIoEventLoopGroup} with the epoll I/O handler (or the NIO one, which
   * cannot serve inherited descriptors or abstract addresses and knows no peer credentials).
   * Without one, clients and servers share one group of daemon threads, created when the first of
   * them starts and shut down when the last one has terminated.
   *
   * @param group the application's event loop group, not null
   * @return this builder
   */
  public TtrpcServerBuilder eventLoopGroup(EventLoopGroup group) {
    this.eventLoopGroup = requireNonNull(group, "group");
    return this;
  }

  /**
   * Adds interceptors; the first one added is the outermost (sees each call first).
   *
   * @param interceptors the interceptors to append, none null
   * @return this builder
   */
  public TtrpcServerBuilder intercept(ServerInterceptor... interceptors) {
    for (ServerInterceptor i : requireNonNull(interceptors, "interceptors")) {
      this.interceptors.add(requireNonNull(i, "interceptor"));
    }
    return this;
  }

  /**
   * A server with these settings, not yet listening: call {@link TtrpcServer#start(String)}.
   *
   * @return a new server; the builder may be reused
   * @throws IllegalStateException if {@link #unfinishedFrameBytes(long)} cannot hold one frame of
   *     {@link #maxMessageSize(int)}
   */
  public TtrpcServer build() {
    if (unfinishedFrameBytes < (long) maxMessageSize + Wire.HEADER_LENGTH) {
      throw new IllegalStateException(
          "unfinishedFrameBytes ("
              + unfinishedFrameBytes
              + ") must hold one frame of maxMessageSize ("
              + maxMessageSize
              + ")");
    }
    return new ServerImpl(
        new ServerConfig(
            new ArrayList<>(services.values()),
            handshaker,
            executor != null ? executor : DefaultExecutors.blockingTasks(),
            callbackExecutor != null ? callbackExecutor : DefaultExecutors.blockingTasks(),
            maxMessageSize,
            interceptors,
            connectionMemoryBudget,
            unfinishedFrameBytes,
            eventLoopGroup));
  }
}
