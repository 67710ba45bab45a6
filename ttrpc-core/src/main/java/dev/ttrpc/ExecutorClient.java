package dev.ttrpc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A client whose asynchronous results complete on an executor: unary futures, {@code
 * receiveAsync} and {@code closeAndReceiveAsync}. Blocking calls and receives go straight through,
 * so they never wait for the executor.
 */
final class ExecutorClient implements TtrpcClient {
  private final TtrpcClient next;
  private final Executor executor;

  ExecutorClient(TtrpcClient next, Executor executor) {
    this.next = next;
    this.executor = executor;
  }

  @Override
  public <Q, R> R call(MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    return next.call(method, request, options);
  }

  @Override
  public <Q, R> CompletableFuture<R> callAsync(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    return Futures.completeOn(next.callAsync(method, request, options), executor);
  }

  @Override
  public <Q, R> ServerStreamCall<R> serverStream(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    ServerStreamCall<R> call = next.serverStream(method, request, options);
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
        return Futures.completeOn(call.receiveAsync(), executor);
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

  @Override
  public <Q, R> ClientStreamCall<Q, R> clientStream(
      MethodDescriptor<Q, R> method, CallOptions options) {
    ClientStreamCall<Q, R> call = next.clientStream(method, options);
    return new ClientStreamCall<>() {
      @Override
      public void send(Q message) {
        call.send(message);
      }

      @Override
      public R closeAndReceive() {
        return call.closeAndReceive();
      }

      @Override
      public CompletableFuture<R> closeAndReceiveAsync() {
        return Futures.completeOn(call.closeAndReceiveAsync(), executor);
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

  @Override
  public <Q, R> BidiStreamCall<Q, R> bidiStream(
      MethodDescriptor<Q, R> method, CallOptions options) {
    BidiStreamCall<Q, R> call = next.bidiStream(method, options);
    return new StubInterceptors.ForwardingCall<>(call) {
      @Override
      public CompletableFuture<R> receiveAsync() {
        return Futures.completeOn(call.receiveAsync(), executor);
      }
    };
  }

  @Override
  public boolean isClosed() {
    return next.isClosed();
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    return next.closeFuture();
  }

  @Override
  public void close() {
    next.close();
  }
}
