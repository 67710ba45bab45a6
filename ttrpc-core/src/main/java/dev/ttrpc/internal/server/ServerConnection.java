package dev.ttrpc.internal.server;

import dev.ttrpc.MethodType;
import dev.ttrpc.PeerCredentials;
import dev.ttrpc.Status;
import dev.ttrpc.internal.InboundMessages;
import dev.ttrpc.internal.ReadGate;
import dev.ttrpc.internal.Writability;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.MalformedEnvelopeException;
import dev.ttrpc.internal.wire.Oversized;
import dev.ttrpc.internal.wire.RequestEnvelope;
import dev.ttrpc.internal.wire.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted connection: validates and routes frames, starts calls, writes their answers.
 *
 * <p>Threading: frames are handled on the channel's event loop, which owns the stream table and
 * the id and shutdown state. Handlers run on the server's executor and queue their encoded
 * answers; the event loop drains that queue, writes each answer (at most one terminal frame per
 * stream) and flushes once per batch. During a graceful shutdown the connection keeps serving
 * the calls it has, refuses new ones with UNAVAILABLE, and closes after the last answer is
 * flushed.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

  static final String ODD_IDS = "StreamID must be odd for client initiated streams";
  static final String INCREASING_IDS = "StreamID cannot be re-used and must increment";
  static final String SERVER_CLOSED = "ttrpc: server closed";
  static final String NO_LONGER_ACTIVE = "StreamID is no longer active";

  /**
   * What a call costs besides its Request, charged against the memory budget for as long as it
   * runs: a parked unary handler holds about 2.5 KiB of heap (its virtual thread and the call's
   * objects), so a stream of tiny Requests whose handlers wait cannot start calls without bound.
   */
  static final int CALL_BYTES = 2048;
  /** What a queued stream message costs besides its payload (the parsed message's objects). */
  static final int MESSAGE_BYTES = 128;

  private final ServerImpl server;
  private final Channel channel;
  private final PeerCredentials peer;
  private final int maxMessageSize;
  private final long memoryBudget;
  private final ReadGate readGate;
  private final Queue<Queued> completions = PlatformDependent.newMpscQueue();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drainCompletions;
  private final Writability writability;
  /** Set on the event loop when the channel closes, before the queue is emptied one last time. */
  private volatile boolean closed;
  /** Claimed by whichever ends the connection: channelInactive, or the loop's termination. */
  private final AtomicBoolean endHandled = new AtomicBoolean();
  private final GenericFutureListener<Future<Object>> onLoopTerminated = f -> onLoopGone();
  /** Bytes of the unread messages of this connection's streams; readers count theirs out. */
  private final AtomicLong streamBytes = new AtomicLong();
  /** Counts the times stream messages left their queues (taken or dropped): progress. */
  private final AtomicLong streamTakes = new AtomicLong();
  /**
   * Whether reads are paused for memory (either reason below): readers that free stream bytes then
   * ask the loop to check whether reads may resume. Set before the loop reads the stream bytes it
   * pauses for, so that a reader either sees it set or its freed bytes are seen by the loop.
   */
  private volatile boolean pausedForMemory;
  private final AtomicBoolean resumeCheckScheduled = new AtomicBoolean();
  private final Runnable resumeCheck = this::resumeCheck;

  // Confined to the event loop.
  private final IntObjectHashMap<ServerStream> streams = new IntObjectHashMap<>();
  /** Bytes of the Requests of calls not yet answered (see {@link #heldBytes()}). */
  private long requestBytesHeld;
  /** Reads are paused because the connection holds more than its budget. */
  private boolean pausedForBudget;
  /** Bytes of refusals written since the peer last took its answers (see {@link #admit}). */
  private long refusedWhileBlocked;
  /** Reads are paused because the peer keeps writing requests while reading nothing. */
  private boolean pausedForRefusals;
  /** Reads are paused because stream messages and running calls hold more than the budget. */
  private boolean pausedForStreams;
  /** A check of a memory pause is scheduled (see {@link #watchMemoryPause}). */
  private boolean memoryWatchScheduled;
  private long lastStreamId;
  private boolean draining;
  private boolean closing;
  private boolean needsFlush;

  ServerConnection(ServerImpl server, Channel channel, PeerCredentials peer, ReadGate readGate) {
    this.server = server;
    this.channel = channel;
    this.peer = peer;
    this.maxMessageSize = server.maxMessageSize();
    this.memoryBudget = server.connectionMemoryBudget();
    this.readGate = readGate;
    this.writability = new Writability(channel);
    // An application's group stopped with no quiet period can end a loop without closing the
    // channels it serves, so channelInactive never runs: the termination callback ends the
    // connection instead (the loop, the queue's only consumer, is gone by then).
    channel.eventLoop().terminationFuture().addListener(onLoopTerminated);
  }

  /** Pauses this connection's reads while a stream's reader is behind or the peer is not reading. */
  ReadGate readGate() {
    return readGate;
  }

  /**
   * Called on the event loop when {@code stream} has paused this connection's reads: fails the
   * stream if its reader stays stalled, so that the other calls go on.
   */
  void watchStall(StreamingServerCall stream) {
    channel
        .eventLoop()
        .schedule(
            () -> {
              if (streams.get(stream.streamId) != stream) {
                return;
              }
              if (stream.readerStalled()) {
                endStream(
                    stream,
                    Status.of(Status.Code.INVALID_ARGUMENT, StreamingServerCall.BUFFER_FULL));
              } else if (stream.holdingReads()) {
                watchStall(stream);
              }
            },
            InboundMessages.GRACE_NANOS,
            TimeUnit.NANOSECONDS);
  }

  ByteBufAllocator alloc() {
    return channel.alloc();
  }

  int maxMessageSize() {
    return maxMessageSize;
  }

  Channel channel() {
    return channel;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf) {
      onFrame((ByteBuf) msg);
    } else if (msg instanceof Oversized) {
      Oversized event = (Oversized) msg;
      ServerStream live = streams.get(event.streamId());
      Status status = Status.of(Status.Code.RESOURCE_EXHAUSTED, event.message());
      if (live != null) {
        // An oversized Data frame of a live stream ends that stream, with one terminal frame.
        endStream(live, status);
      } else {
        replyError(event.streamId(), status.code(), status.message());
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onFrame(ByteBuf frame) {
    boolean handedOff = false;
    try {
      int streamId = Wire.streamId(frame);
      int type = Wire.type(frame);
      if (type == Wire.TYPE_REQUEST) {
        handedOff = onRequest(frame, streamId);
      } else if ((streamId & 1) == 0) {
        // Go checks parity before looking at the type.
        replyError(streamId, Status.Code.INVALID_ARGUMENT, ODD_IDS);
      } else if (type == Wire.TYPE_DATA) {
        handedOff = onData(frame, streamId);
      }
      // Other types on odd ids are ignored, as Go servers do.
    } finally {
      if (!handedOff) {
        frame.release();
      }
    }
  }

  private boolean onRequest(ByteBuf frame, int streamId) {
    long arrival = System.nanoTime();
    if ((streamId & 1) == 0) {
      replyError(streamId, Status.Code.INVALID_ARGUMENT, ODD_IDS);
      return false;
    }
    long id = Wire.unsignedStreamId(streamId);
    if (id <= lastStreamId) {
      // A reused id of a live call: that call loses its answer, so the stream still ends once.
      ServerStream live = removeStream(streamId);
      if (live != null) {
        live.cancelTimer();
        live.onAbandoned();
      }
      replyError(streamId, Status.Code.INVALID_ARGUMENT, INCREASING_IDS);
      return false;
    }
    lastStreamId = id;
    if (!admit(streamId)) {
      return false;
    }
    RequestEnvelope request;
    try {
      request = EnvelopeReader.readRequest(frame, Wire.dataIndex(frame), Wire.dataLength(frame));
    } catch (MalformedEnvelopeException e) {
      replyError(
          streamId, Status.Code.INVALID_ARGUMENT, "unmarshal request error: " + e.getMessage());
      return false;
    }
    if (draining) {
      replyError(streamId, Status.Code.UNAVAILABLE, SERVER_CLOSED);
      return false;
    }
    java.util.Map<String, MethodEntry> service = server.service(request.service());
    if (service == null) {
      replyError(streamId, Status.Code.UNIMPLEMENTED, "service " + request.service());
      return false;
    }
    MethodEntry entry = service.get(request.method());
    if (entry == null) {
      replyError(streamId, Status.Code.UNIMPLEMENTED, "method " + request.method());
      return false;
    }
    CallContext context =
        new CallContext(
            entry.method.descriptor(),
            request.metadata(),
            CallContext.deadlineFor(request.timeoutNano(), arrival),
            peer,
            server.callbackExecutor());
    ServerStream call;
    boolean handedOff;
    if (entry.method.descriptor().type() == MethodType.UNARY) {
      call = new UnaryServerCall(this, streamId, context, entry, request, frame);
      handedOff = true;
    } else {
      // The streaming call parses its first message now; the frame is not kept.
      call =
          new StreamingServerCall(
              this,
              streamId,
              context,
              entry,
              frame,
              request,
              Wire.flags(frame));
      handedOff = false;
    }
    call.requestBytes = frame.readableBytes() + CALL_BYTES;
    requestBytesHeld += call.requestBytes;
    streams.put(streamId, call);
    long timeout = request.timeoutNano();
    if (timeout < 0) {
      context.cancel();
    } else if (timeout > 0) {
      call.deadlineTimer = channel.eventLoop().schedule(context::cancel, timeout, TimeUnit.NANOSECONDS);
    }
    try {
      call.start(server.executor());
    } catch (RejectedExecutionException e) {
      removeStream(streamId);
      call.cancelTimer();
      context.cancel();
      replyError(streamId, Status.Code.UNAVAILABLE, SERVER_CLOSED);
      // The call never ran, so the frame is still ours to release.
      return false;
    }
    return handedOff;
  }

  private boolean onData(ByteBuf frame, int streamId) {
    ServerStream stream = streams.get(streamId);
    if (stream == null) {
      replyError(streamId, Status.Code.INVALID_ARGUMENT, NO_LONGER_ACTIVE);
      return false;
    }
    String error = stream.onData(frame);
    if (error != null) {
      endStream(stream, Status.of(Status.Code.INVALID_ARGUMENT, error));
    } else {
      checkStreamMemory();
    }
    return true;
  }

  /**
   * Called by a stream's queue (see {@link InboundMessages}) under its lock when its unread bytes
   * change: {@code +bytes} on the event loop as a message is queued, {@code -bytes} on the thread
   * that removed messages. A reader that frees bytes while reads are paused for memory asks the
   * loop to look again (a queued task: nothing here blocks).
   */
  void streamBytesChanged(long delta) {
    streamBytes.addAndGet(delta);
    if (delta < 0) {
      streamTakes.incrementAndGet();
      if (pausedForMemory && resumeCheckScheduled.compareAndSet(false, true)) {
        try {
          channel.eventLoop().execute(resumeCheck);
        } catch (RejectedExecutionException e) {
          // The loop is gone, and with it the connection.
          resumeCheckScheduled.set(false);
        }
      }
    }
  }

  private void resumeCheck() {
    resumeCheckScheduled.set(false);
    maybeResumeReads();
  }

  /** What the calls and streams of this connection hold of its budget, answers not counted. */
  private long inboundBytes() {
    return requestBytesHeld + streamBytes.get();
  }

  /**
   * After a stream message was queued (event loop): past the budget, reads pause until the
   * connection holds half of it again. Unlike the pause for Requests this one does not end when
   * the peer stops reading its answers: only readers taking messages (or their streams ending)
   * free this memory, so reading on would let it grow without bound.
   */
  private void checkStreamMemory() {
    if (pausedForStreams || inboundBytes() <= memoryBudget) {
      return;
    }
    pausedForMemory = true;
    if (inboundBytes() > memoryBudget) {
      pausedForStreams = true;
      readGate.hold();
      watchMemoryPause();
    } else {
      pausedForMemory = pausedForBudget;
    }
  }

  /**
   * While reads are paused for memory, looks again every {@link InboundMessages#GRACE_NANOS}:
   * resumes reads if the memory is free, and if no reader has taken a stream message meanwhile,
   * fails the stream with the most unread bytes ("stream buffer full", as a stalled stream is
   * failed), so that streams whose handlers do not read cannot hold the connection forever. A
   * pause for stream messages always ends: readers either empty the queues or are failed one
   * stream per period (see {@link #maybeResumeReads}).
   */
  private void watchMemoryPause() {
    if (memoryWatchScheduled) {
      return;
    }
    memoryWatchScheduled = true;
    long takesBefore = streamTakes.get();
    channel
        .eventLoop()
        .schedule(
            () -> {
              memoryWatchScheduled = false;
              maybeResumeReads();
              if (!pausedForStreams && !pausedForBudget) {
                return;
              }
              if (pausedForStreams && streamTakes.get() == takesBefore && streamBytes.get() > 0) {
                StreamingServerCall fullest = fullestStream();
                if (fullest != null) {
                  endStream(
                      fullest,
                      Status.of(Status.Code.INVALID_ARGUMENT, StreamingServerCall.BUFFER_FULL));
                }
              }
              if ((pausedForStreams || pausedForBudget) && channel.isActive()) {
                watchMemoryPause();
              }
            },
            InboundMessages.GRACE_NANOS,
            TimeUnit.NANOSECONDS);
  }

  private StreamingServerCall fullestStream() {
    StreamingServerCall fullest = null;
    long most = 0;
    for (ServerStream s : streams.values()) {
      if (s instanceof StreamingServerCall) {
        long bytes = ((StreamingServerCall) s).queuedBytes();
        if (bytes > most) {
          most = bytes;
          fullest = (StreamingServerCall) s;
        }
      }
    }
    return fullest;
  }

  /** Ends {@code stream} with an error answer from the event loop (the handler's is dropped). */
  void endStream(ServerStream stream, Status status) {
    if (streams.get(stream.streamId) != stream) {
      return;
    }
    removeStream(stream.streamId);
    stream.cancelTimer();
    stream.onAbandoned();
    replyError(stream.streamId, status.code(), status.message());
    maybeResumeReads();
    maybeCloseDrained();
  }

  private void replyError(int streamId, Status.Code code, String message) {
    if (!channel.isActive()) {
      return;
    }
    channel.write(
        FrameEncoder.errorResponse(channel.alloc(), streamId, Status.of(code, message), maxMessageSize),
        channel.voidPromise());
    needsFlush = true;
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (needsFlush) {
      needsFlush = false;
      ctx.flush();
    }
  }

  /** Called from a handler thread: queues {@code frame}, the terminal answer of {@code stream}. */
  void complete(ServerStream stream, ByteBuf frame) {
    enqueue(new Queued(stream, frame, true));
  }

  /** Called from a handler thread: queues a non-terminal frame of {@code stream}. */
  void send(ServerStream stream, ByteBuf frame) {
    enqueue(new Queued(stream, frame, false));
  }

  /**
   * Queues an answer for the event loop, the queue's only consumer. The loop sets {@code closed}
   * before it empties the queue one last time, so an item queued before {@code closed} is seen set
   * is always taken; an item that may have come too late, or whose loop refused the drain task,
   * is released here by its own thread. Items are claimed once, so it never matters who gets
   * there first.
   */
  private void enqueue(Queued item) {
    if (closed) {
      item.drop();
      return;
    }
    completions.offer(item);
    if (closed) {
      item.drop();
      return;
    }
    if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
      try {
        channel.eventLoop().execute(drainTask);
      } catch (RejectedExecutionException e) {
        drainScheduled.set(false);
        item.drop();
      }
    }
  }

  private void drainCompletions() {
    drainScheduled.set(false);
    boolean wrote = false;
    Queued item;
    while ((item = completions.poll()) != null) {
      ByteBuf frame = item.take();
      if (frame == null) {
        continue;
      }
      ServerStream stream = item.stream;
      if (streams.get(stream.streamId) != stream || !channel.isActive()) {
        frame.release();
        continue;
      }
      if (item.terminal) {
        removeStream(stream.streamId);
        stream.cancelTimer();
      }
      channel.write(frame, channel.voidPromise());
      wrote = true;
    }
    if (wrote) {
      channel.flush();
      closeIfAnswersPileUp();
    }
    maybeResumeReads();
    maybeCloseDrained();
  }

  /**
   * Closes the connection once its client leaves twice the memory budget of answers unread: the
   * budget refuses new calls then, but the calls already running may still answer, and nothing
   * else bounds what they leave here.
   */
  private void closeIfAnswersPileUp() {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    long unread = out == null ? 0 : out.totalPendingWriteBytes();
    if (unread > 2 * memoryBudget && channel.isActive()) {
      log.warn(
          "ttrpc: closing a connection from pid {}: its client left {} bytes of answers unread,"
              + " twice the connection memory budget",
          peer == null ? "?" : peer.pid(),
          unread);
      channel.close();
    }
  }

  /** Event loop only, once {@code closed} is set. */
  private void releaseQueued() {
    Queued item;
    while ((item = completions.poll()) != null) {
      item.drop();
    }
  }

  /**
   * Waits (on a handler thread) until the connection's outbound buffer is below its high-water
   * mark, so that a fast sender cannot exhaust memory; fails if the connection closes or {@code
   * stop} becomes true meanwhile.
   */
  void awaitWritable(java.util.function.BooleanSupplier stop) {
    writability.await(null, () -> stop.getAsBoolean() ? STREAM_ENDED : null);
  }

  private static final Status STREAM_ENDED =
      Status.of(Status.Code.CANCELLED, "ttrpc: stream closed");

  /** Wakes handlers waiting in {@link #awaitWritable} so that they notice their stream ended. */
  void wakeWriters() {
    writability.signalAll();
  }

  private ServerStream removeStream(int streamId) {
    ServerStream stream = streams.remove(streamId);
    if (stream != null) {
      requestBytesHeld -= stream.requestBytes;
    }
    return stream;
  }

  /**
   * What this connection holds for its peer: the Requests of calls not yet answered and the
   * answers not yet taken by the socket.
   */
  long heldBytes() {
    ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
    return inboundBytes() + (out == null ? 0 : out.totalPendingWriteBytes());
  }

  /**
   * The memory budget rule, applied to each Request before it is started (event loop). Under the
   * budget every request is served. Over it, while the peer takes its answers (the channel is
   * writable), the request is served and reads pause until the connection holds half its budget
   * again: ordinary back-pressure. Over it while the peer takes nothing, reads go on (so that a
   * client which only reads once its own writes complete can never deadlock) but the request is
   * refused at once with RESOURCE_EXHAUSTED and its bytes dropped. Refusals cost a few dozen bytes
   * each; once they add up to an eighth of the budget without the peer reading anything (tens of
   * thousands of requests, far more than any client has in flight), reads pause until the peer
   * reads again. Returns whether the request may be served.
   */
  private boolean admit(int streamId) {
    long held = heldBytes();
    if (held <= memoryBudget) {
      return true;
    }
    if (channel.isWritable()) {
      if (!pausedForBudget) {
        pausedForBudget = true;
        pausedForMemory = true;
        readGate.hold();
        watchMemoryPause();
      }
      return true;
    }
    String message = budgetExceeded(memoryBudget);
    replyError(streamId, Status.Code.RESOURCE_EXHAUSTED, message);
    refusedWhileBlocked += Wire.HEADER_LENGTH + 8 + message.length();
    if (refusedWhileBlocked > memoryBudget / 8 && !pausedForRefusals) {
      pausedForRefusals = true;
      readGate.hold();
    }
    return false;
  }

  static String budgetExceeded(long budget) {
    return "ttrpc: connection memory budget of "
        + budget
        + " bytes exceeded: the client is not reading its responses";
  }

  /**
   * Resumes reads paused by the budget once half of it is free; reads paused for Requests also
   * resume once the peer stops reading (see {@link #admit}).
   */
  private void maybeResumeReads() {
    if (pausedForBudget && (!channel.isWritable() || heldBytes() <= memoryBudget / 2)) {
      pausedForBudget = false;
      readGate.release();
    }
    // Also once no stream message is left unread: what remains is running calls, which the
    // Request budget (admit) governs; waiting for them here could wait forever.
    if (pausedForStreams && (inboundBytes() <= memoryBudget / 2 || streamBytes.get() == 0)) {
      pausedForStreams = false;
      readGate.release();
    }
    pausedForMemory = pausedForBudget || pausedForStreams;
  }

  /** Graceful shutdown of this connection; called on the event loop. */
  void startDraining() {
    draining = true;
    maybeCloseDrained();
  }

  private void maybeCloseDrained() {
    if (draining && !closing && streams.isEmpty()) {
      closing = true;
      // Completes after every earlier write: nothing answered is lost by the close.
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * Reads are never paused because the peer is slow to take its answers: a Go ttrpc 1.2.0 to 1.2.3
   * client stops reading answers while one of its own writes is blocked, so pausing here would
   * deadlock it. Only the memory budget (see {@link #admit(int)}) limits what such a peer can make
   * this connection hold.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    writability.signalAll();
    if (channel.isWritable()) {
      refusedWhileBlocked = 0;
      if (pausedForRefusals) {
        pausedForRefusals = false;
        readGate.release();
      }
    }
    maybeResumeReads();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    // A long-lived loop must not keep a listener per connection it ever served.
    channel.eventLoop().terminationFuture().removeListener(onLoopTerminated);
    end();
  }

  /**
   * The connection's loop has terminated without channelInactive: ends the connection as
   * channelInactive would, and closes the socket, which the dead loop can no longer close, so
   * that the peer sees the end instead of waiting forever for answers.
   */
  private void onLoopGone() {
    if (!end()) {
      return;
    }
    if (channel instanceof EpollDomainSocketChannel) {
      try {
        ((EpollDomainSocketChannel) channel).fd().close();
      } catch (IOException e) {
        log.debug("ttrpc: closing the socket of a connection whose event loop ended", e);
      }
    }
    server.connectionGone(this);
  }

  /**
   * Fails what the connection still holds; once only, on the loop or after it has terminated.
   * Returns whether this call did it.
   */
  private boolean end() {
    if (!endHandled.compareAndSet(false, true)) {
      return false;
    }
    closed = true;
    writability.signalAll();
    List<ServerStream> live = new ArrayList<>(streams.values());
    streams.clear();
    requestBytesHeld = 0;
    for (ServerStream s : live) {
      s.cancelTimer();
      s.onAbandoned();
    }
    releaseQueued();
    return true;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("ttrpc: server connection error, closing", cause);
    ctx.close();
  }

  /**
   * A frame queued for the event loop: a stream's terminal answer or one of its messages. Its frame
   * is taken once, by the loop to write it or by whoever drops it.
   */
  private static final class Queued extends AtomicReference<ByteBuf> {
    private static final long serialVersionUID = 1L;

    final transient ServerStream stream;
    final boolean terminal;

    Queued(ServerStream stream, ByteBuf frame, boolean terminal) {
      super(frame);
      this.stream = stream;
      this.terminal = terminal;
    }

    ByteBuf take() {
      return getAndSet(null);
    }

    void drop() {
      ByteBuf frame = take();
      if (frame != null) {
        frame.release();
      }
    }
  }
}
