package dev.ttrpc.internal.client;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.CallOptions;
import dev.ttrpc.ClientInterceptor;
import dev.ttrpc.ClientStreamCall;
import dev.ttrpc.Deadline;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.MethodType;
import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.internal.DefaultExecutors;
import dev.ttrpc.internal.ReadGate;
import dev.ttrpc.internal.Writability;
import dev.ttrpc.internal.transport.Transport;
import dev.ttrpc.internal.wire.FrameDecoder;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.MessageTooLargeException;
import dev.ttrpc.internal.wire.Oversized;
import dev.ttrpc.internal.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ttRPC client connection.
 *
 * <p>Threading: callers serialize their request into a pooled direct buffer on their own thread
 * and queue it; the connection's event loop drains the queue, gives each new call the next odd
 * stream id, writes every queued frame and flushes once per batch. The stream table, the id
 * counter and all frame handling are confined to the event loop, so reading never waits for
 * writing and no lock is held anywhere across I/O. Responses are decoded on the event loop.
 */
public final class ClientConnection implements TtrpcClient {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

  static final Status CLOSED = Status.of(Status.Code.UNAVAILABLE, "ttrpc: closed");
  static final Status STREAM_IDS_EXHAUSTED =
      Status.of(
          Status.Code.RESOURCE_EXHAUSTED,
          "ttrpc: stream ids exhausted on this connection (0xFFFFFFFF used), open a new one");

  private final ClientConfig config;
  private final int maxMessageSize;
  private final ClientInterceptor[] interceptors;
  private final Map<MethodDescriptor<?, ?>, byte[]> routes = new ConcurrentHashMap<>();
  private final Queue<Outbound> outbound = PlatformDependent.newMpscQueue();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drain;
  private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
  private final AtomicBoolean closeHandled = new AtomicBoolean();
  private final GenericFutureListener<Future<Object>> onLoopTerminated = f -> onLoopGone();
  private volatile boolean closed;
  private Channel channel;
  private EventLoop eventLoop;
  private ReadGate readGate;
  private Writability writability;
  private Transport.Loops loops;

  // Confined to the event loop.
  private final IntObjectHashMap<ClientStream> streams = new IntObjectHashMap<>();
  private long nextStreamId;

  private ClientConnection(ClientConfig config, long firstStreamId) {
    this.config = config;
    this.maxMessageSize = config.maxMessageSize();
    this.interceptors = config.interceptors().toArray(new ClientInterceptor[0]);
    this.nextStreamId = firstStreamId;
  }

  /** Connects to the configured address. */
  public static ClientConnection connect(ClientConfig config) throws IOException {
    return connect(config, 1);
  }

  /**
   * Connects, numbering streams from {@code firstStreamId} (odd) instead of 1: lets tests reach
   * the end of the id space.
   */
  static ClientConnection connect(ClientConfig config, long firstStreamId) throws IOException {
    if ((firstStreamId & 1) == 0 || firstStreamId < 1) {
      throw new IllegalArgumentException("firstStreamId must be odd and positive: " + firstStreamId);
    }
    ClientConnection connection = new ClientConnection(config, firstStreamId);
    Transport.Loops loops =
        config.eventLoopGroup() == null
            ? Transport.acquireShared()
            : Transport.of(config.eventLoopGroup());
    connection.loops = loops;
    try {
      connection.open();
    } catch (IOException | RuntimeException | Error e) {
      loops.release();
      throw e;
    }
    return connection;
  }

  private void open() throws IOException {
    ClientConnection connection = this;
    ClientConfig config = this.config;
    ChannelFuture connected =
        loops.clientBootstrap()
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(new FrameDecoder(connection.maxMessageSize), connection.new Handler());
                  }
                })
            .connect(loops.address(config.address()));
    connected.awaitUninterruptibly();
    if (!connected.isSuccess()) {
      Throwable cause = connected.cause();
      throw cause instanceof IOException
          ? (IOException) cause
          : new IOException("cannot connect to " + config.address() + ": " + cause, cause);
    }
    connection.channel = connected.channel();
    connection.eventLoop = connection.channel.eventLoop();
    connection.readGate = new ReadGate(connection.channel);
    connection.writability = new Writability(connection.channel);
    // Normally channelInactive runs onClosed on the loop. Should the loop end without running it
    // (an application group stopped under a live client can drop the task that would), the
    // termination callback does it: the loop, the queue's only consumer, is gone by then.
    eventLoop.terminationFuture().addListener(onLoopTerminated);
  }

  @Override
  public <Q, R> R call(MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    if (eventLoop.inEventLoop()) {
      throw new IllegalStateException("blocking call on the connection's own I/O thread");
    }
    // Blocking callers wait while the server is not reading, so they cannot pile up requests.
    awaitWritable(requireNonNull(options, "options").deadline(), () -> null);
    // Without interceptors no continuation can be attached to the future: completing it on the
    // I/O thread only wakes this caller, so the callback executor's hand-off is skipped.
    CompletableFuture<R> future =
        interceptors.length == 0
            ? startUnary(requireNonNull(method, "method"), request, options, null)
            : callAsync(method, request, options);
    try {
      return future.get();
    } catch (ExecutionException e) {
      // The future failed on an I/O or callback thread; a fresh exception here gives the caller a
      // stack trace through its own code, with the original (and its thread's stack) as cause.
      StatusException failure = asStatusException(e.getCause());
      throw new StatusException(failure.status(), failure);
    } catch (CancellationException e) {
      throw Status.CANCELLED.withMessage("ttrpc: call cancelled").asException(e);
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withMessage("ttrpc: interrupted").asException(e);
    }
  }

  @Override
  public <Q, R> CompletableFuture<R> callAsync(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    requireNonNull(method, "method");
    requireNonNull(request, "request");
    requireNonNull(options, "options");
    if (method.type() != MethodType.UNARY) {
      throw new IllegalArgumentException(method + " is not a unary method");
    }
    return interceptors.length == 0
        ? startUnary(method, request, options, config.callbackExecutor())
        : intercept(0, method, request, options);
  }

  private <Q, R> CompletableFuture<R> intercept(
      int index, MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    if (index == interceptors.length) {
      return startUnary(method, request, options, config.callbackExecutor());
    }
    try {
      return interceptors[index].interceptUnary(
          method, request, options, (q, o) -> intercept(index + 1, method, q, o));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Starts a unary call whose future completes on {@code completer} (null: where it ends). */
  private <Q, R> CompletableFuture<R> startUnary(
      MethodDescriptor<Q, R> method, Q request, CallOptions options, Executor completer) {
    requireNonNull(request, "request");
    if (method.type() != MethodType.UNARY) {
      throw new IllegalArgumentException(method + " is not a unary method");
    }
    Deadline deadline = options.deadline();
    UnaryCall<R> call = new UnaryCall<>(this, method, deadline, completer);
    if (closed) {
      call.completeExceptionally(CLOSED.asException());
      return call;
    }
    long timeoutNano = 0;
    if (deadline != null) {
      timeoutNano = deadline.remainingNanos();
      if (timeoutNano <= 0) {
        call.completeExceptionally(
            Status.of(Status.Code.DEADLINE_EXCEEDED, "context deadline exceeded").asException());
        return call;
      }
    }
    ByteBuf frame;
    try {
      frame =
          FrameEncoder.request(
              channel.alloc(),
              0,
              0,
              route(method),
              method.requestMarshaller(),
              request,
              timeoutNano,
              options.metadata(),
              maxMessageSize);
    } catch (MessageTooLargeException e) {
      call.completeExceptionally(
          Status.of(Status.Code.RESOURCE_EXHAUSTED, e.getMessage()).asException());
      return call;
    } catch (IOException | RuntimeException e) {
      call.completeExceptionally(
          Status.of(Status.Code.INTERNAL, "ttrpc: error marshaling payload: " + e.getMessage())
              .asException(e));
      return call;
    }
    call.send(frame);
    return call;
  }

  @Override
  public <Q, R> ClientStreamCall<Q, R> clientStream(
      MethodDescriptor<Q, R> method, CallOptions options) {
    checkType(method, MethodType.CLIENT_STREAMING);
    BidiStreamCall<Q, R> call = startStream(method, null, options);
    return new ClientStreamAdapter<>(call);
  }

  @Override
  public <Q, R> ServerStreamCall<R> serverStream(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    checkType(method, MethodType.SERVER_STREAMING);
    requireNonNull(request, "request");
    return new ServerStreamAdapter<>(startStream(method, request, options));
  }

  @Override
  public <Q, R> BidiStreamCall<Q, R> bidiStream(MethodDescriptor<Q, R> method, CallOptions options) {
    checkType(method, MethodType.BIDI_STREAMING);
    return startStream(method, null, options);
  }

  private static void checkType(MethodDescriptor<?, ?> method, MethodType expected) {
    if (requireNonNull(method, "method").type() != expected) {
      throw new IllegalArgumentException(method + " is not " + expected);
    }
  }

  private <Q, R> BidiStreamCall<Q, R> startStream(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    requireNonNull(options, "options");
    ClientInterceptor.StreamStarter<Q, R> transport =
        o -> StreamingCall.start(this, method, request, o);
    return interceptStream(0, method, options, transport);
  }

  private <Q, R> BidiStreamCall<Q, R> interceptStream(
      int index,
      MethodDescriptor<Q, R> method,
      CallOptions options,
      ClientInterceptor.StreamStarter<Q, R> transport) {
    if (index == interceptors.length) {
      return transport.start(options);
    }
    return interceptors[index].interceptStream(
        method, options, o -> interceptStream(index + 1, method, o, transport));
  }

  @Override
  public boolean isClosed() {
    return closed || !channel.isActive();
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    return closeFuture;
  }

  @Override
  public void close() {
    ChannelFuture f = channel.close();
    if (!eventLoop.inEventLoop()) {
      f.awaitUninterruptibly();
    }
  }

  @Override
  public String toString() {
    return "TtrpcClient[" + config.address() + (closed ? ", closed" : "") + "]";
  }

  // ---- event-loop plumbing -------------------------------------------------------------------

  EventLoop eventLoop() {
    return eventLoop;
  }

  /** Pauses this connection's reads while a stream's reader is behind. */
  ReadGate readGate() {
    return readGate;
  }

  /** Runs {@code task} on the event loop; dropped if the loop is gone (nothing left to do). */
  void execute(Runnable task) {
    try {
      eventLoop.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("ttrpc: event loop gone, dropping task", e);
    }
  }

  /**
   * Hands {@code op} to the event loop, which writes queued frames in order and flushes once.
   *
   * <p>Only the event loop takes ops off the queue. It sets {@code closed} before it fails what is
   * left there, so an op queued before {@code closed} is seen set is always taken; an op that may
   * have come too late, or whose loop refused the drain task, is failed here by its own thread.
   * Ops are claimed once (see {@link Outbound}), so it never matters who gets there first.
   */
  void enqueue(Outbound op) {
    if (closed) {
      op.abort(CLOSED);
      return;
    }
    outbound.offer(op);
    if (closed) {
      op.abort(CLOSED);
      return;
    }
    if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
      try {
        eventLoop.execute(drainTask);
      } catch (RejectedExecutionException e) {
        // The loop is gone (its channel closed with it): nothing will drain the queue again.
        closed = true;
        drainScheduled.set(false);
        op.abort(CLOSED);
      }
    }
  }

  /** Wakes threads waiting in {@link #awaitWritable} so that they notice their stream ended. */
  void wakeWriters() {
    Writability w = writability;
    if (w != null) {
      w.signalAll();
    }
  }

  private void drain() {
    drainScheduled.set(false);
    boolean wrote = false;
    Outbound op;
    while ((op = outbound.poll()) != null) {
      if (closed) {
        op.abort(CLOSED);
      } else {
        try {
          wrote |= op.writeTo(this);
        } catch (RuntimeException e) {
          log.warn("ttrpc: failed to write a frame", e);
          op.abort(Status.of(Status.Code.INTERNAL, "ttrpc: " + e));
        }
      }
    }
    if (wrote) {
      channel.flush();
    }
  }

  private void abortQueued() {
    Outbound op;
    while ((op = outbound.poll()) != null) {
      op.abort(CLOSED);
    }
  }

  /** Gives {@code stream} the next id and enters it in the table; false once ids run out. */
  boolean register(ClientStream stream) {
    long id = nextStreamId;
    if (id > Wire.MAX_STREAM_ID) {
      return false;
    }
    nextStreamId = id + 2;
    stream.streamId = (int) id;
    streams.put(stream.streamId, stream);
    return true;
  }

  void unregister(ClientStream stream) {
    if (stream.streamId != 0 && streams.get(stream.streamId) == stream) {
      streams.remove(stream.streamId);
    }
  }

  /**
   * Schedules {@code task} on the event loop; null if the loop is shutting down (the connection
   * closes with it, which fails the call instead).
   */
  java.util.concurrent.ScheduledFuture<?> scheduleOnLoop(Runnable task, long delayNanos) {
    try {
      return eventLoop.schedule(task, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  /** Writes a whole frame without flushing; the drain flushes once per batch. */
  void write(ByteBuf frame) {
    channel.write(frame, channel.voidPromise());
  }

  boolean isRegistered(ClientStream stream) {
    return stream.streamId != 0 && streams.get(stream.streamId) == stream;
  }

  boolean isClosedFlag() {
    return closed;
  }

  io.netty.buffer.ByteBufAllocator alloc() {
    return channel.alloc();
  }

  int maxMessageSize() {
    return maxMessageSize;
  }

  /**
   * Waits (on a caller thread) until the outbound buffer is below its high-water mark, so that a
   * fast stream sender cannot exhaust memory; bounded by {@code deadline}, and abandoned when the
   * connection closes or {@code finished} reports a status.
   */
  void awaitWritable(Deadline deadline, java.util.function.Supplier<Status> finished) {
    if (closed) {
      throw CLOSED.asException();
    }
    writability.await(deadline, () -> closed ? CLOSED : finished.get());
  }

  private static StatusException asStatusException(Throwable t) {
    if (t instanceof StatusException) {
      return (StatusException) t;
    }
    return Status.fromThrowable(t).asException(t);
  }

  /**
   * The loop has terminated without channelInactive: fails what the connection holds, as
   * channelInactive would, and closes the socket, which the dead loop can no longer close: else
   * the descriptor leaks and the server keeps a connection that nobody will use again.
   */
  private void onLoopGone() {
    onClosed();
    if (channel instanceof EpollDomainSocketChannel) {
      try {
        // Idempotent: a socket the loop did close is not closed twice.
        ((EpollDomainSocketChannel) channel).fd().close();
      } catch (IOException e) {
        log.debug("ttrpc: closing the socket of a client whose event loop ended", e);
      }
    }
  }

  /** Fails everything pending; on the event loop, or after it has terminated. Runs once. */
  private void onClosed() {
    if (!closeHandled.compareAndSet(false, true)) {
      return;
    }
    closed = true;
    // A long-lived loop must not keep a listener per connection it ever served.
    eventLoop.terminationFuture().removeListener(onLoopTerminated);
    List<ClientStream> pending = new ArrayList<>(streams.values());
    streams.clear();
    for (ClientStream s : pending) {
      s.fail(CLOSED);
    }
    abortQueued();
    writability.signalAll();
    List<Runnable> callbacks = config.onClose();
    if (callbacks.isEmpty()) {
      Executor completer = config.callbackExecutor();
      if (completer == null) {
        closeFuture.complete(null);
        return;
      }
      try {
        completer.execute(() -> closeFuture.complete(null));
      } catch (RejectedExecutionException e) {
        closeFuture.complete(null);
      }
      return;
    }
    DefaultExecutors.blockingTasks()
        .execute(
            () -> {
              for (Runnable r : callbacks) {
                try {
                  r.run();
                } catch (RuntimeException e) {
                  log.warn("ttrpc: on-close callback failed", e);
                }
              }
              closeFuture.complete(null);
            });
  }

  /** Inbound side: frames to their streams, connection loss to everyone. */
  private final class Handler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf) {
        ByteBuf frame = (ByteBuf) msg;
        ClientStream stream = streams.get(Wire.streamId(frame));
        if (stream == null) {
          if (log.isDebugEnabled()) {
            log.debug(
                "ttrpc: received message on inactive stream {} (type {}), dropped",
                Wire.unsignedStreamId(Wire.streamId(frame)),
                Wire.type(frame));
          }
          frame.release();
          return;
        }
        stream.onFrame(frame);
      } else if (msg instanceof Oversized) {
        Oversized event = (Oversized) msg;
        ClientStream stream = streams.get(event.streamId());
        if (stream != null) {
          stream.onOversized(event);
        } else {
          log.debug("ttrpc: oversized message on inactive stream {} dropped", event.streamId());
        }
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      writability.signalAll();
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      try {
        onClosed();
      } finally {
        loops.release();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("ttrpc: client connection error, closing", cause);
      ctx.close();
    }
  }

  byte[] route(MethodDescriptor<?, ?> method) {
    byte[] route = routes.get(method);
    if (route == null) {
      route = FrameEncoder.route(method.serviceName(), method.methodName());
      routes.put(method, route);
    }
    return route;
  }
}
