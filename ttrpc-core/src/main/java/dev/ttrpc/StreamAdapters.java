package dev.ttrpc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Converts calls of each streaming shape to and from the general {@link BidiStreamCall}. */
final class StreamAdapters {
  private static final Status CANCELLED = Status.CANCELLED.withMessage("ttrpc: call cancelled");

  private StreamAdapters() {}

  /** A server-streaming call seen as a bidi call whose request was given at the start. */
  static <Q, R> BidiStreamCall<Q, R> asBidi(ServerStreamCall<R> call) {
    return new BidiStreamCall<>() {
      @Override
      public void send(Q message) {
        throw new IllegalStateException("a server-streaming call takes its one request at the start");
      }

      @Override
      public void closeSend() {}

      @Override
      public R receive() {
        return call.receive();
      }

      @Override
      public R receive(Duration timeout) {
        return call.receive(timeout);
      }

      @Override
      public CompletableFuture<R> receiveAsync() {
        return call.receiveAsync();
      }

      @Override
      public void cancel() {
        call.cancel();
      }

      @Override
      public void close() {
        call.close();
      }
    };
  }

  /**
   * A client-streaming call seen as a bidi call: closing the send side asks for the response,
   * which is then the one message received, followed by the end of the stream.
   */
  static <Q, R> BidiStreamCall<Q, R> asBidi(ClientStreamCall<Q, R> call) {
    return new BidiStreamCall<>() {
      private final CompletableFuture<Void> sendClosed = new CompletableFuture<>();
      private final CompletableFuture<R> response =
          sendClosed.thenCompose(ignored -> call.closeAndReceiveAsync());
      private boolean received;

      @Override
      public void send(Q message) {
        call.send(message);
      }

      @Override
      public void closeSend() {
        sendClosed.complete(null);
      }

      @Override
      public R receive() {
        return Futures.await(receiveAsync());
      }

      @Override
      public R receive(Duration timeout) {
        return Futures.await(receiveAsync(), timeout);
      }

      @Override
      public synchronized CompletableFuture<R> receiveAsync() {
        if (received) {
          return CompletableFuture.completedFuture(null);
        }
        received = true;
        return response.copy();
      }

      @Override
      public void cancel() {
        sendClosed.completeExceptionally(CANCELLED.asException());
        call.cancel();
      }

      @Override
      public void close() {
        sendClosed.completeExceptionally(CANCELLED.asException());
        call.close();
      }
    };
  }

  static <Q, R> ServerStreamCall<R> asServerStream(BidiStreamCall<Q, R> call) {
    return new ServerStreamCall<>() {
      @Override
      public R receive() {
        return call.receive();
      }

      @Override
      public R receive(Duration timeout) {
        return call.receive(timeout);
      }

      @Override
      public CompletableFuture<R> receiveAsync() {
        return call.receiveAsync();
      }

      @Override
      public void cancel() {
        call.cancel();
      }

      @Override
      public void close() {
        call.close();
      }
    };
  }

  static <Q, R> ClientStreamCall<Q, R> asClientStream(BidiStreamCall<Q, R> call) {
    return new ClientStreamCall<>() {
      @Override
      public void send(Q message) {
        call.send(message);
      }

      @Override
      public R closeAndReceive() {
        call.closeSend();
        return requireResponse(call.receive());
      }

      @Override
      public CompletableFuture<R> closeAndReceiveAsync() {
        call.closeSend();
        return Futures.map(call.receiveAsync(), StreamAdapters::requireResponse);
      }

      @Override
      public void cancel() {
        call.cancel();
      }

      @Override
      public void close() {
        call.close();
      }
    };
  }

  private static <R> R requireResponse(R response) {
    if (response == null) {
      throw Status.of(Status.Code.INTERNAL, "ttrpc: stream ended without a response").asException();
    }
    return response;
  }
}
