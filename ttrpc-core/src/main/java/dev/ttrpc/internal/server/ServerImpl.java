package dev.ttrpc.internal.server;

import dev.ttrpc.Handshaker;
import dev.ttrpc.PeerCredentials;
import dev.ttrpc.ServerInterceptor;
import dev.ttrpc.ServerMethod;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.internal.ReadGate;
import dev.ttrpc.internal.transport.Transport;
import dev.ttrpc.internal.wire.FrameDecoder;
import dev.ttrpc.internal.wire.UnfinishedFrames;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ttRPC server: listeners, the service registry, and the set of live connections.
 *
 * <p>The handshaker runs on the I/O thread when a connection is accepted, before anything is
 * read. Termination is reached when every listener and every connection is closed after {@link
 * #shutdown()} or {@link #shutdownNow()}.
 */
public final class ServerImpl implements TtrpcServer {
  private static final Logger log = LoggerFactory.getLogger(ServerImpl.class);

  private static final int RUNNING = 0;
  private static final int DRAINING = 1;
  private static final int STOPPED = 2;

  private final Map<String, Map<String, MethodEntry>> services;
  private final Handshaker handshaker;
  private final Executor executor;
  private final Executor callbackExecutor;
  private final int maxMessageSize;
  private final long connectionMemoryBudget;
  private final UnfinishedFrames unfinishedFrames;
  private final EventLoopGroup eventLoopGroup;
  /** Taken by the first start, given back at termination. */
  private Transport.Loops loops;
  private final AtomicInteger state = new AtomicInteger(RUNNING);
  private final Set<Channel> listeners = ConcurrentHashMap.newKeySet();
  private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> termination = new CompletableFuture<>();

  public ServerImpl(ServerConfig config) {
    ServerInterceptor[] chain = config.interceptors().toArray(new ServerInterceptor[0]);
    Map<String, Map<String, MethodEntry>> registry = new HashMap<>();
    for (ServiceDefinition service : config.services()) {
      Map<String, MethodEntry> methods = new HashMap<>();
      for (ServerMethod<?, ?> m : service.methods()) {
        methods.put(m.descriptor().methodName(), new MethodEntry(m, chain));
      }
      registry.put(service.name(), Map.copyOf(methods));
    }
    this.services = Map.copyOf(registry);
    this.handshaker = config.handshaker();
    this.executor = config.executor();
    this.callbackExecutor = config.callbackExecutor();
    this.maxMessageSize = config.maxMessageSize();
    this.connectionMemoryBudget = config.connectionMemoryBudget();
    this.unfinishedFrames = new UnfinishedFrames(config.unfinishedFrameBytes());
    this.eventLoopGroup = config.eventLoopGroup();
  }

  Map<String, MethodEntry> service(String name) {
    return services.get(name);
  }

  Executor executor() {
    return executor;
  }

  Executor callbackExecutor() {
    return callbackExecutor;
  }

  int maxMessageSize() {
    return maxMessageSize;
  }

  long connectionMemoryBudget() {
    return connectionMemoryBudget;
  }

  /** The server-wide account of frames still arriving. */
  UnfinishedFrames unfinishedFrames() {
    return unfinishedFrames;
  }

  @Override
  public TtrpcServer start(String address) throws IOException {
    Transport.Loops loops = loops();
    try {
      ChannelFuture bound =
          bootstrap(loops.serverBootstrap(), address).bind(loops.address(address));
      adoptListener(bound, address);
    } catch (IOException | RuntimeException | Error e) {
      releaseLoopsIfUnused();
      throw e;
    }
    return this;
  }

  @Override
  public TtrpcServer startOnInheritedFd(int fd) throws IOException {
    Transport.Loops loops = loops();
    try {
      ChannelFuture registered =
          bootstrap(loops.inheritedServerBootstrap(fd), "fd " + fd).register();
      adoptListener(registered, "fd " + fd);
    } catch (IOException | RuntimeException | Error e) {
      releaseLoopsIfUnused();
      throw e;
    }
    return this;
  }

  /** A start failed: a server that serves nothing holds no event loops. */
  private void releaseLoopsIfUnused() {
    Transport.Loops unused = null;
    synchronized (this) {
      if (listeners.isEmpty() && connections.isEmpty()) {
        unused = loops;
        loops = null;
      }
    }
    if (unused != null) {
      unused.release();
    }
  }

  /** The event loops, leased by the first start; fails once the server is shut down. */
  private synchronized Transport.Loops loops() {
    checkRunning();
    if (loops == null) {
      loops = eventLoopGroup == null ? Transport.acquireShared() : Transport.of(eventLoopGroup);
    }
    return loops;
  }

  private void adoptListener(ChannelFuture future, String what) throws IOException {
    future.awaitUninterruptibly();
    if (!future.isSuccess()) {
      Throwable cause = future.cause();
      throw cause instanceof IOException
          ? (IOException) cause
          : new IOException("cannot serve on " + what + ": " + cause, cause);
    }
    Channel listener = future.channel();
    listeners.add(listener);
    // An application's group stopped with no quiet period can end the loop without closing the
    // listening socket: then the close listener never runs, and the socket is closed here, since
    // the dead loop cannot.
    GenericFutureListener<Future<Object>> onLoopTerminated =
        f -> {
          if (listeners.remove(listener)) {
            if (listener instanceof EpollServerDomainSocketChannel) {
              try {
                ((EpollServerDomainSocketChannel) listener).fd().close();
              } catch (IOException e) {
                log.debug("ttrpc: closing a listening socket whose event loop ended", e);
              }
            }
            maybeTerminate();
          }
        };
    listener.eventLoop().terminationFuture().addListener(onLoopTerminated);
    listener
        .closeFuture()
        .addListener(
            f -> {
              // A long-lived loop must not keep a listener per socket it ever served.
              listener.eventLoop().terminationFuture().removeListener(onLoopTerminated);
              listeners.remove(listener);
              maybeTerminate();
            });
    if (state.get() != RUNNING) {
      // Shutdown raced with this start: it may not have seen the new listener.
      listener.close();
      throw new IllegalStateException("server is shut down");
    }
  }

  private ServerBootstrap bootstrap(ServerBootstrap bootstrap, String what) {
    return bootstrap
        .handler(new AcceptBackoff(what))
        .childHandler(
        new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            accept(ch);
          }
        });
  }

  private void accept(Channel ch) {
    if (state.get() != RUNNING) {
      ch.close();
      return;
    }
    PeerCredentials peer = Transport.peerCredentials(ch);
    if (handshaker != null) {
      try {
        handshaker.handshake(peer);
      } catch (RuntimeException e) {
        log.warn("ttrpc: refusing connection after handshake: {} (peer {})", e.getMessage(), peer);
        ch.close();
        return;
      }
    }
    ReadGate gate = new ReadGate(ch);
    ServerConnection connection = new ServerConnection(this, ch, peer, gate);
    connections.add(connection);
    ch.closeFuture()
        .addListener(
            f -> {
              connections.remove(connection);
              maybeTerminate();
            });
    ch.pipeline().addLast(new FrameDecoder(maxMessageSize, unfinishedFrames, gate), connection);
    if (state.get() != RUNNING) {
      connection.startDraining();
    }
  }

  private void checkRunning() {
    if (state.get() != RUNNING) {
      throw new IllegalStateException("server is shut down");
    }
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    if (state.compareAndSet(RUNNING, DRAINING)) {
      listeners.forEach(Channel::close);
      for (ServerConnection c : connections) {
        try {
          c.channel().eventLoop().execute(c::startDraining);
        } catch (RejectedExecutionException e) {
          // Its channel closed meanwhile and the last lease on the shared group went with it (the
          // server terminated from the closed listener): the loop is gone, nothing is left to drain.
        }
      }
      maybeTerminate();
    }
    return termination;
  }

  @Override
  public void shutdownNow() {
    int previous = state.getAndSet(STOPPED);
    if (previous == STOPPED) {
      return;
    }
    listeners.forEach(Channel::close);
    for (ServerConnection c : connections) {
      c.channel().close();
    }
    maybeTerminate();
  }

  /**
   * Called when {@code connection}'s event loop ended without closing its channel (so the close
   * listener never runs): the server stops waiting for it.
   */
  void connectionGone(ServerConnection connection) {
    connections.remove(connection);
    maybeTerminate();
  }

  private void maybeTerminate() {
    if (state.get() != RUNNING && listeners.isEmpty() && connections.isEmpty()) {
      Transport.Loops leased;
      synchronized (this) {
        leased = loops;
        loops = null;
      }
      if (leased != null) {
        leased.release();
      }
      termination.complete(null);
    }
  }

  @Override
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    try {
      termination.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  @Override
  public boolean isShutdown() {
    return state.get() != RUNNING;
  }

  @Override
  public boolean isTerminated() {
    return termination.isDone();
  }

  @Override
  public void close() {
    shutdown().join();
  }

  @Override
  public String toString() {
    return "TtrpcServer[services=" + services.keySet() + ", connections=" + connections.size() + "]";
  }
}
