package dev.ttrpc.internal.client;

import dev.ttrpc.Deadline;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.Status;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.MalformedEnvelopeException;
import dev.ttrpc.internal.wire.Oversized;
import dev.ttrpc.internal.wire.ResponseEnvelope;
import dev.ttrpc.internal.wire.Wire;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * One unary call: its request frame until written, then its entry in the stream table until the
 * Response, the deadline or the connection's end. The call is also the future handed to the
 * caller; cancelling it removes the call locally (ttRPC has no cancel frame).
 */
final class UnaryCall<R> extends CompletableFuture<R> {
  private final ClientConnection connection;
  private final MethodDescriptor<?, R> method;
  private final Deadline deadline;
  private final Executor callbackExecutor;
  /** Until written or aborted; taken once, by whichever comes first (see {@link Outbound}). */
  private volatile ByteBuf requestFrame;
  private ScheduledFuture<?> deadlineTimer;
  private final Stream stream = new Stream();

  UnaryCall(
      ClientConnection connection,
      MethodDescriptor<?, R> method,
      Deadline deadline,
      Executor callbackExecutor) {
    this.connection = connection;
    this.method = method;
    this.deadline = deadline;
    this.callbackExecutor = callbackExecutor;
  }

  @SuppressWarnings("unchecked")
  private static final AtomicReferenceFieldUpdater<UnaryCall<?>, ByteBuf> REQUEST_FRAME =
      AtomicReferenceFieldUpdater.newUpdater(
          (Class<UnaryCall<?>>) (Class<?>) UnaryCall.class, ByteBuf.class, "requestFrame");

  private ByteBuf takeRequestFrame() {
    return REQUEST_FRAME.getAndSet(this, null);
  }

  /** Queues the request frame (stream id to be assigned) for writing. */
  void send(ByteBuf frame) {
    this.requestFrame = frame;
    connection.enqueue(stream);
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      connection.execute(stream::forget);
    }
    return cancelled;
  }

  private void succeed(R value) {
    if (callbackExecutor == null || !completeOn(() -> complete(value))) {
      complete(value);
    }
  }

  private void failWith(Status status) {
    if (callbackExecutor == null || !completeOn(() -> completeExceptionally(status.asException()))) {
      completeExceptionally(status.asException());
    }
  }

  /** Hands a completion to the callback executor; false if it refused (complete here then). */
  private boolean completeOn(Runnable completion) {
    try {
      callbackExecutor.execute(completion);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** The event-loop side of the call. */
  private final class Stream extends ClientStream implements Outbound {

    @Override
    public boolean writeTo(ClientConnection c) {
      ByteBuf frame = takeRequestFrame();
      if (frame == null) {
        return false;
      }
      if (isDone()) {
        frame.release();
        return false;
      }
      if (!c.register(this)) {
        frame.release();
        failWith(ClientConnection.STREAM_IDS_EXHAUSTED);
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
      ByteBuf frame = takeRequestFrame();
      if (frame != null) {
        frame.release();
        failWith(status);
      }
    }

    @Override
    void onFrame(ByteBuf frame) {
      forget();
      try {
        if (Wire.type(frame) != Wire.TYPE_RESPONSE) {
          failWith(
              Status.of(
                  Status.Code.INTERNAL,
                  "ttrpc: unexpected message type " + Wire.type(frame) + " on a unary call"));
          return;
        }
        ResponseEnvelope response =
            EnvelopeReader.readResponse(frame, Wire.dataIndex(frame), Wire.dataLength(frame));
        Status status = response.status();
        if (!status.isOk()) {
          failWith(status);
          return;
        }
        R value;
        try {
          value = response.parsePayload(frame, method.responseMarshaller());
        } catch (Exception e) {
          failWith(
              Status.of(
                  Status.Code.INTERNAL, "ttrpc: error unmarshalling payload: " + e.getMessage()));
          return;
        }
        succeed(value);
      } catch (MalformedEnvelopeException e) {
        failWith(
            Status.of(Status.Code.INTERNAL, "ttrpc: invalid response envelope: " + e.getMessage()));
      } finally {
        frame.release();
      }
    }

    @Override
    void onOversized(Oversized event) {
      forget();
      failWith(Status.of(Status.Code.RESOURCE_EXHAUSTED, event.message()));
    }

    @Override
    void fail(Status status) {
      forget();
      failWith(status);
    }

    private void expire() {
      deadlineTimer = null;
      forget();
      failWith(Status.of(Status.Code.DEADLINE_EXCEEDED, "context deadline exceeded"));
    }

    /** Leaves the stream table; later frames for this id are dropped as unknown. */
    void forget() {
      if (deadlineTimer != null) {
        deadlineTimer.cancel(false);
        deadlineTimer = null;
      }
      connection.unregister(this);
    }
  }
}
