package dev.ttrpc.internal.client;

import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.CallOptions;
import dev.ttrpc.Deadline;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.MethodType;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.internal.DefaultExecutors;
import dev.ttrpc.internal.InboundMessages;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.MalformedEnvelopeException;
import dev.ttrpc.internal.wire.MessageTooLargeException;
import dev.ttrpc.internal.wire.Oversized;
import dev.ttrpc.internal.wire.ResponseEnvelope;
import dev.ttrpc.internal.wire.Wire;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client side of one streaming call of any shape, with Go 1.2's frame sequences: the Request
 * carries RC and the one request for server streaming, RO and no payload otherwise; requests go
 * out as Data frames; the half-close is an empty Data frame with RC|ND. The server's messages
 * arrive as Data frames, ended by an empty Data RC|ND (success) or a Response (a status, or the
 * one response of a client-streaming call).
 *
 * <p>Inbound messages are parsed on the event loop and buffered per {@link InboundMessages}'s
 * rule: while the caller is behind, the connection stops reading; a stream the caller stops
 * reading altogether fails alone after about a second ({@code RESOURCE_EXHAUSTED "ttrpc: stream
 * buffer full"}), and the other calls go on. Thread-safe.
 */
final class StreamingCall<Q, R> implements BidiStreamCall<Q, R> {
  private static final Status DONE =
      Status.of(Status.Code.FAILED_PRECONDITION, "ttrpc: stream already finished");
  private static final Status BUFFER_FULL =
      Status.of(Status.Code.RESOURCE_EXHAUSTED, "ttrpc: stream buffer full");

  private final ClientConnection connection;
  private final MethodDescriptor<Q, R> method;
  private final Deadline deadline;
  private final InboundMessages<R> inbound;
  private final AtomicBoolean sendClosed = new AtomicBoolean();
  private final Stream stream = new Stream();
  /** Why sends fail once the call is over; null while it is live. */
  private volatile Status finished;
  /** Until written or aborted; taken once, by whichever comes first (see {@link Outbound}). */
  private final AtomicReference<ByteBuf> requestFrame = new AtomicReference<>();
  private ScheduledFuture<?> deadlineTimer;

  private StreamingCall(ClientConnection connection, MethodDescriptor<Q, R> method, Deadline deadline) {
    this.connection = connection;
    this.method = method;
    this.deadline = deadline;
    this.inbound = new InboundMessages<>(connection.readGate());
  }

  /**
   * Starts a call: {@code request} is the one request of a server-streaming call, null for the
   * other shapes.
   */
  static <Q, R> StreamingCall<Q, R> start(
      ClientConnection connection, MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    if (connection.isClosedFlag()) {
      throw ClientConnection.CLOSED.asException();
    }
    Deadline deadline = options.deadline();
    long timeoutNano = 0;
    if (deadline != null) {
      timeoutNano = deadline.remainingNanos();
      if (timeoutNano <= 0) {
        throw Status.of(Status.Code.DEADLINE_EXCEEDED, "context deadline exceeded").asException();
      }
    }
    boolean serverStreamingOnly = !method.type().clientStreams();
    StreamingCall<Q, R> call = new StreamingCall<>(connection, method, deadline);
    try {
      call.requestFrame.set(
          FrameEncoder.request(
              connection.alloc(),
              0,
              serverStreamingOnly ? Wire.FLAG_REMOTE_CLOSED : Wire.FLAG_REMOTE_OPEN,
              connection.route(method),
              method.requestMarshaller(),
              serverStreamingOnly ? request : null,
              timeoutNano,
              options.metadata(),
              connection.maxMessageSize()));
    } catch (MessageTooLargeException e) {
      throw Status.of(Status.Code.RESOURCE_EXHAUSTED, e.getMessage()).asException();
    } catch (IOException | RuntimeException e) {
      throw Status.of(Status.Code.INTERNAL, "ttrpc: error marshaling payload: " + e.getMessage())
          .asException(e);
    }
    if (serverStreamingOnly) {
      call.sendClosed.set(true);
    }
    connection.enqueue(call.stream);
    return call;
  }

  @Override
  public void send(Q message) {
    Objects.requireNonNull(message, "message");
    if (!method.type().clientStreams()) {
      throw new IllegalStateException(method + " takes its one request when the call starts");
    }
    if (sendClosed.get()) {
      throw new IllegalStateException("send after closeSend");
    }
    Status done = finished;
    if (done != null) {
      throw done.asException();
    }
    ByteBuf frame;
    try {
      frame =
          FrameEncoder.data(
              connection.alloc(), 0, 0, method.requestMarshaller(), message,
              connection.maxMessageSize());
    } catch (MessageTooLargeException e) {
      throw Status.of(Status.Code.RESOURCE_EXHAUSTED, e.getMessage()).asException();
    } catch (IOException | RuntimeException e) {
      throw Status.of(Status.Code.INTERNAL, "ttrpc: error marshaling payload: " + e.getMessage())
          .asException(e);
    }
    try {
      connection.awaitWritable(deadline, () -> finished);
    } catch (StatusException e) {
      frame.release();
      throw e;
    }
    connection.enqueue(new StreamWrite(frame));
  }

  @Override
  public void closeSend() {
    if (sendClosed.compareAndSet(false, true) && finished == null) {
      connection.enqueue(
          new StreamWrite(
              FrameEncoder.empty(
                  connection.alloc(),
                  0,
                  Wire.TYPE_DATA,
                  Wire.FLAG_REMOTE_CLOSED | Wire.FLAG_NO_DATA)));
    }
  }

  @Override
  public R receive() {
    return inbound.take(-1);
  }

  @Override
  public R receive(Duration timeout) {
    return inbound.take(Math.max(0, timeout.toNanos()));
  }

  @Override
  public CompletableFuture<R> receiveAsync() {
    return CompletableFuture.supplyAsync(this::receive, DefaultExecutors.blockingTasks());
  }

  @Override
  public void cancel() {
    Status cancelled = Status.of(Status.Code.CANCELLED, "ttrpc: call cancelled");
    if (finished == null) {
      finished = cancelled;
    }
    inbound.abandon(cancelled);
    connection.wakeWriters();
    connection.execute(stream::forget);
  }

  @Override
  public void close() {
    if (!inbound.isEnded()) {
      cancel();
    }
  }

  /** A later frame of this call (a message or the half-close), written with the call's id. */
  private final class StreamWrite implements Outbound {
    private final AtomicReference<ByteBuf> pending;

    StreamWrite(ByteBuf frame) {
      this.pending = new AtomicReference<>(frame);
    }

    @Override
    public boolean writeTo(ClientConnection c) {
      ByteBuf frame = pending.getAndSet(null);
      if (frame == null) {
        return false;
      }
      if (!c.isRegistered(stream)) {
        frame.release();
        return false;
      }
      FrameEncoder.setStreamId(frame, stream.streamId);
      c.write(frame);
      return true;
    }

    @Override
    public void abort(Status status) {
      ByteBuf frame = pending.getAndSet(null);
      if (frame != null) {
        frame.release();
      }
    }
  }

  /** The event-loop side of the call. */
  private final class Stream extends ClientStream implements Outbound {
    @Override
    public boolean writeTo(ClientConnection c) {
      ByteBuf frame = requestFrame.getAndSet(null);
      if (frame == null) {
        return false;
      }
      if (finished != null) {
        frame.release();
        return false;
      }
      if (!c.register(this)) {
        frame.release();
        end(ClientConnection.STREAM_IDS_EXHAUSTED, true);
        return false;
      }
      FrameEncoder.setStreamId(frame, streamId);
      // Written first: the frame is Netty's from here on, whatever happens to the timer.
      c.write(frame);
      if (deadline != null) {
        deadlineTimer = c.scheduleOnLoop(this::expire, deadline.remainingNanos());
      }
      return true;
    }

    @Override
    public void abort(Status status) {
      ByteBuf frame = requestFrame.getAndSet(null);
      if (frame != null) {
        frame.release();
        end(status, true);
      }
    }

    @Override
    void onFrame(ByteBuf frame) {
      try {
        int type = Wire.type(frame);
        if (type == Wire.TYPE_DATA) {
          onData(frame);
        } else if (type == Wire.TYPE_RESPONSE) {
          onResponse(frame);
        } else {
          end(Status.of(Status.Code.INTERNAL, "ttrpc: unknown message type " + type + " received"), true);
        }
      } finally {
        frame.release();
      }
    }

    private void onData(ByteBuf frame) {
      if (!method.type().serverStreams()) {
        end(Status.of(Status.Code.INTERNAL, "ttrpc: unexpected data message received: protocol error"), true);
        return;
      }
      int flags = Wire.flags(frame);
      boolean last = (flags & Wire.FLAG_REMOTE_CLOSED) != 0;
      if ((flags & Wire.FLAG_NO_DATA) == 0) {
        if (!deliver(frame, Wire.dataIndex(frame), Wire.dataLength(frame))) {
          return;
        }
      }
      if (last) {
        end(null, false);
      }
    }

    private void onResponse(ByteBuf frame) {
      ResponseEnvelope response;
      try {
        response = EnvelopeReader.readResponse(frame, Wire.dataIndex(frame), Wire.dataLength(frame));
      } catch (MalformedEnvelopeException e) {
        end(Status.of(Status.Code.INTERNAL, "ttrpc: invalid response envelope: " + e.getMessage()), false);
        return;
      }
      Status status = response.status();
      if (!status.isOk()) {
        end(status, false);
        return;
      }
      if (method.type() == MethodType.CLIENT_STREAMING || response.payloadLength() > 0) {
        if (!deliver(frame, response.payloadIndex(), response.payloadLength())) {
          return;
        }
      }
      end(null, false);
    }

    /** Parses and queues one message; false if that ended the stream. */
    private boolean deliver(ByteBuf frame, int index, int length) {
      R message;
      try {
        message = Wire.parse(method.responseMarshaller(), frame, index, length);
      } catch (IOException | RuntimeException e) {
        end(Status.of(Status.Code.INTERNAL, "ttrpc: error unmarshalling payload: " + e.getMessage()), false);
        return false;
      }
      // Counted by size too, so that a server's large messages pause reads at the byte capacity.
      if (inbound.offer(message, length)) {
        watchStall();
      }
      return true;
    }

    /** While this stream pauses the connection's reads: fails it once its reader stalls. */
    private void watchStall() {
      connection
          .eventLoop()
          .schedule(
              () -> {
                if (finished != null) {
                  return;
                }
                if (inbound.isStalled()) {
                  end(BUFFER_FULL, true);
                } else if (inbound.isHoldingReads()) {
                  watchStall();
                }
              },
              InboundMessages.GRACE_NANOS,
              TimeUnit.NANOSECONDS);
    }

    @Override
    void onOversized(Oversized event) {
      end(Status.of(Status.Code.RESOURCE_EXHAUSTED, event.message()), false);
    }

    @Override
    void fail(Status status) {
      end(status, false);
    }

    private void expire() {
      deadlineTimer = null;
      end(Status.of(Status.Code.DEADLINE_EXCEEDED, "context deadline exceeded"), true);
    }

    /**
     * Ends the call on the event loop: {@code status} null is the normal end. With {@code drop},
     * queued messages are discarded; otherwise readers get them first.
     */
    private void end(Status status, boolean drop) {
      forget();
      if (finished == null) {
        finished = status == null ? DONE : status;
      }
      if (status == null) {
        inbound.end();
      } else if (drop) {
        inbound.abandon(status);
      } else {
        inbound.fail(status);
      }
      connection.wakeWriters();
    }

    void forget() {
      if (deadlineTimer != null) {
        deadlineTimer.cancel(false);
        deadlineTimer = null;
      }
      connection.unregister(this);
    }
  }
}
