package dev.ttrpc.internal.server;

import dev.ttrpc.Status;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.MessageTooLargeException;
import dev.ttrpc.internal.wire.RequestEnvelope;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.Executor;

/**
 * One unary call on the server: parses the request from the retained frame, runs the intercepted
 * handler, encodes the Response on the handler thread, then hands it to the connection to write.
 */
final class UnaryServerCall extends ServerStream implements Runnable {
  private final ServerConnection connection;
  private final MethodEntry entry;
  private final RequestEnvelope request;
  private ByteBuf requestFrame;

  UnaryServerCall(
      ServerConnection connection,
      int streamId,
      CallContext context,
      MethodEntry entry,
      RequestEnvelope request,
      ByteBuf requestFrame) {
    super(streamId, context);
    this.connection = connection;
    this.entry = entry;
    this.request = request;
    this.requestFrame = requestFrame;
  }

  @Override
  void start(Executor executor) {
    executor.execute(this);
  }

  @Override
  public void run() {
    Object message;
    ByteBuf frame = requestFrame;
    requestFrame = null;
    try {
      message = request.parsePayload(frame, entry.method.descriptor().requestMarshaller());
    } catch (Exception | LinkageError e) {
      context.cancel();
      finish(Status.of(Status.Code.INTERNAL, "ttrpc: error unmarshalling payload: " + e.getMessage()));
      return;
    } finally {
      frame.release();
    }
    Object response;
    try {
      response = entry.unary.handle(message, context);
    } catch (Throwable t) {
      context.cancel();
      finish(Status.fromThrowable(t));
      return;
    }
    context.cancel();
    if (response == null) {
      finish(Status.of(Status.Code.UNKNOWN, "ttrpc: marshal called with nil"));
      return;
    }
    ByteBuf out;
    try {
      out =
          FrameEncoder.response(
              connection.alloc(),
              streamId,
              entry.method.descriptor().responseMarshaller(),
              response,
              connection.maxMessageSize());
    } catch (MessageTooLargeException e) {
      finish(Status.of(Status.Code.RESOURCE_EXHAUSTED, e.getMessage()));
      return;
    } catch (Exception e) {
      finish(Status.of(Status.Code.INTERNAL, "ttrpc: error marshaling payload: " + e.getMessage()));
      return;
    }
    connection.complete(this, out);
  }

  private void finish(Status status) {
    connection.complete(
        this,
        FrameEncoder.errorResponse(connection.alloc(), streamId, status, connection.maxMessageSize()));
  }

  @Override
  String onData(ByteBuf frame) {
    // The client side of a unary call is complete with its Request.
    frame.release();
    return StreamingServerCall.STREAM_CLOSED;
  }

  @Override
  void onAbandoned() {
    context.cancel();
  }
}
