package dev.ttrpc.internal.server;

import dev.ttrpc.Marshaller;
import dev.ttrpc.MethodType;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.StreamReceiver;
import dev.ttrpc.StreamSender;
import dev.ttrpc.internal.DefaultExecutors;
import dev.ttrpc.internal.InboundMessages;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.MessageTooLargeException;
import dev.ttrpc.internal.wire.RequestEnvelope;
import dev.ttrpc.internal.wire.Wire;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One streaming call on the server (client, server or bidi streaming), with Go 1.2's frame
 * sequences: inbound messages arrive as Data frames (a Data frame with RC|ND half-closes), the
 * handler's messages leave as Data frames, success ends with an empty Data RC|ND (a
 * client-streaming call ends with a Response carrying its one response), failure ends with a
 * Response carrying the status.
 *
 * <p>Inbound messages are parsed on the event loop and queued in an {@link InboundMessages} (see
 * its back-pressure rule); the handler reads them on its own thread.
 */
final class StreamingServerCall extends ServerStream implements Runnable {
  static final String STREAM_CLOSED = "data handling error: ttrpc: stream closed";
  static final String CLOSE_WITH_DATA = "data close message cannot include data";
  static final String BUFFER_FULL = "data handling error: ttrpc: stream buffer full";

  private static final Status HANDLER_DONE =
      Status.of(Status.Code.FAILED_PRECONDITION, "ttrpc: stream already finished");

  private final ServerConnection connection;
  private final MethodEntry entry;
  private final MethodType type;
  private final Marshaller<Object> requestMarshaller;
  private final InboundMessages<Object> inbound;
  private final Receiver receiver = new Receiver();
  private final Sender sender = new Sender();
  /** Why sends fail, once the stream is over for the handler; null while it is live. */
  private volatile Status finished;
  /** The response of a client-streaming call, sent with the final Response. */
  private volatile Object clientStreamingResponse;
  /** Event loop only: the client has sent its last message. */
  private boolean remoteClosed;
  /** Set when the first message could not be parsed: answered without running the handler. */
  private Status startFailure;

  StreamingServerCall(
      ServerConnection connection,
      int streamId,
      CallContext context,
      MethodEntry entry,
      ByteBuf requestFrame,
      RequestEnvelope request,
      int requestFlags) {
    super(streamId, context);
    this.connection = connection;
    this.inbound = new InboundMessages<>(connection.readGate(), connection::streamBytesChanged);
    this.entry = entry;
    this.type = entry.method.descriptor().type();
    this.requestMarshaller = entry.method.descriptor().requestMarshaller();
    // First-message rule (Go): a server-streaming call always has its request (absent = default
    // message); client-streaming and bidi calls deliver the Request payload only if non-empty.
    if (!type.clientStreams() || request.payloadLength() > 0) {
      try {
        offer(request.parsePayload(requestFrame, requestMarshaller), 0);
      } catch (IOException | RuntimeException e) {
        startFailure =
            Status.of(
                Status.Code.INTERNAL, "ttrpc: error unmarshalling payload: " + e.getMessage());
      }
    }
    if (!type.clientStreams() || (requestFlags & Wire.FLAG_REMOTE_CLOSED) != 0) {
      remoteClosed = true;
      inbound.end();
    }
  }

  @Override
  void start(Executor executor) {
    executor.execute(this);
  }

  @Override
  public void run() {
    Status status = startFailure;
    if (status == null) {
      try {
        entry.stream.handle(receiver, sender, context);
        status = Status.OK;
      } catch (Throwable t) {
        status = Status.fromThrowable(t);
      }
    }
    finished = HANDLER_DONE;
    context.cancel();
    inbound.abandon(HANDLER_DONE);
    connection.complete(this, terminalFrame(status));
  }

  private ByteBuf terminalFrame(Status status) {
    int max = connection.maxMessageSize();
    if (status.isOk() && type == MethodType.CLIENT_STREAMING) {
      Object response = clientStreamingResponse;
      if (response == null) {
        status = Status.of(Status.Code.UNKNOWN, "ttrpc: marshal called with nil");
      } else {
        try {
          return FrameEncoder.response(
              connection.alloc(),
              streamId,
              entry.method.descriptor().responseMarshaller(),
              response,
              max);
        } catch (MessageTooLargeException e) {
          status = Status.of(Status.Code.RESOURCE_EXHAUSTED, e.getMessage());
        } catch (Exception e) {
          status =
              Status.of(Status.Code.INTERNAL, "ttrpc: error marshaling payload: " + e.getMessage());
        }
      }
    }
    if (status.isOk()) {
      return FrameEncoder.empty(
          connection.alloc(),
          streamId,
          Wire.TYPE_DATA,
          Wire.FLAG_REMOTE_CLOSED | Wire.FLAG_NO_DATA);
    }
    return FrameEncoder.errorResponse(connection.alloc(), streamId, status, max);
  }

  @Override
  String onData(ByteBuf frame) {
    try {
      if (remoteClosed) {
        return STREAM_CLOSED;
      }
      int flags = Wire.flags(frame);
      int length = Wire.dataLength(frame);
      if ((flags & Wire.FLAG_REMOTE_CLOSED) != 0) {
        if (length > 0) {
          return CLOSE_WITH_DATA;
        }
        remoteClosed = true;
        inbound.end();
        return null;
      }
      if ((flags & Wire.FLAG_NO_DATA) != 0) {
        return null;
      }
      Object message;
      try {
        message = Wire.parse(requestMarshaller, frame, Wire.dataIndex(frame), length);
      } catch (IOException | RuntimeException e) {
        remoteClosed = true;
        inbound.fail(
            Status.of(
                Status.Code.INTERNAL, "ttrpc: error unmarshalling payload: " + e.getMessage()));
        return null;
      }
      offer(message, length + ServerConnection.MESSAGE_BYTES);
      return null;
    } finally {
      frame.release();
    }
  }

  /**
   * Queues a message for the handler, counted against the connection's memory budget with {@code
   * bytes} (the first message, parsed from the Request, is already counted with the call).
   */
  private void offer(Object message, int bytes) {
    if (inbound.offer(message, bytes)) {
      connection.watchStall(this);
    }
  }

  /** Bytes of the messages the handler has not read yet. */
  long queuedBytes() {
    return inbound.queuedBytes();
  }

  /** Whether this stream pauses its connection's reads while its handler catches up. */
  boolean holdingReads() {
    return inbound.isHoldingReads();
  }

  /** Whether the handler has read nothing for the grace time while reads were paused for it. */
  boolean readerStalled() {
    return inbound.isStalled();
  }

  @Override
  void onAbandoned() {
    finished = Status.of(Status.Code.CANCELLED, "ttrpc: stream closed");
    context.cancel();
    inbound.abandon(finished);
    connection.wakeWriters();
  }

  /** The handler's view of the inbound messages. */
  private final class Receiver implements StreamReceiver<Object> {
    @Override
    public Object receive() {
      return inbound.take(-1);
    }

    @Override
    public Object receive(Duration timeout) {
      return inbound.take(Math.max(0, timeout.toNanos()));
    }

    @Override
    public CompletableFuture<Object> receiveAsync() {
      return CompletableFuture.supplyAsync(this::receive, DefaultExecutors.blockingTasks());
    }
  }

  /** The handler's sending side. */
  private final class Sender implements StreamSender<Object> {
    @Override
    public void send(Object message) {
      java.util.Objects.requireNonNull(message, "message");
      Status done = finished;
      if (done != null) {
        throw done.asException();
      }
      if (type == MethodType.CLIENT_STREAMING) {
        if (clientStreamingResponse != null) {
          throw new IllegalStateException("a client-streaming call has exactly one response");
        }
        clientStreamingResponse = message;
        return;
      }
      ByteBuf frame;
      try {
        frame =
            FrameEncoder.data(
                connection.alloc(),
                streamId,
                0,
                entry.method.descriptor().responseMarshaller(),
                message,
                connection.maxMessageSize());
      } catch (MessageTooLargeException e) {
        throw Status.of(Status.Code.RESOURCE_EXHAUSTED, e.getMessage()).asException();
      } catch (IOException | RuntimeException e) {
        throw Status.of(
                Status.Code.INTERNAL, "ttrpc: error marshaling payload: " + e.getMessage())
            .asException(e);
      }
      try {
        connection.awaitWritable(() -> finished != null);
      } catch (StatusException e) {
        frame.release();
        throw e;
      }
      connection.send(StreamingServerCall.this, frame);
    }
  }
}
