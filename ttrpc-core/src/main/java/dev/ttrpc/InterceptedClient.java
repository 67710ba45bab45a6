package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A client that runs a stub's interceptors in front of another client. Streaming calls of every
 * shape pass the interceptors as {@link BidiStreamCall}s, as {@link ClientInterceptor} documents,
 * and are turned back into their own shape afterwards.
 */
final class InterceptedClient implements TtrpcClient {
  private final TtrpcClient next;
  private final ClientInterceptor[] interceptors;

  InterceptedClient(TtrpcClient next, List<ClientInterceptor> interceptors) {
    this.next = requireNonNull(next, "next");
    this.interceptors = interceptors.toArray(new ClientInterceptor[0]);
  }

  @Override
  public <Q, R> R call(MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    return Futures.await(callAsync(method, request, options));
  }

  @Override
  public <Q, R> CompletableFuture<R> callAsync(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    requireNonNull(method, "method");
    requireNonNull(request, "request");
    requireNonNull(options, "options");
    return unary(0, method, request, options);
  }

  private <Q, R> CompletableFuture<R> unary(
      int index, MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    if (index == interceptors.length) {
      return next.callAsync(method, request, options);
    }
    try {
      return interceptors[index].interceptUnary(
          method, request, options, (q, o) -> unary(index + 1, method, q, o));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public <Q, R> ServerStreamCall<R> serverStream(
      MethodDescriptor<Q, R> method, Q request, CallOptions options) {
    requireNonNull(method, "method");
    requireNonNull(request, "request");
    requireNonNull(options, "options");
    return StreamAdapters.asServerStream(
        stream(0, method, options, o -> StreamAdapters.<Q, R>asBidi(next.serverStream(method, request, o))));
  }

  @Override
  public <Q, R> ClientStreamCall<Q, R> clientStream(
      MethodDescriptor<Q, R> method, CallOptions options) {
    requireNonNull(method, "method");
    requireNonNull(options, "options");
    return StreamAdapters.asClientStream(
        stream(0, method, options, o -> StreamAdapters.asBidi(next.clientStream(method, o))));
  }

  @Override
  public <Q, R> BidiStreamCall<Q, R> bidiStream(
      MethodDescriptor<Q, R> method, CallOptions options) {
    requireNonNull(method, "method");
    requireNonNull(options, "options");
    return stream(0, method, options, o -> next.bidiStream(method, o));
  }

  private <Q, R> BidiStreamCall<Q, R> stream(
      int index,
      MethodDescriptor<Q, R> method,
      CallOptions options,
      ClientInterceptor.StreamStarter<Q, R> transport) {
    if (index == interceptors.length) {
      return transport.start(options);
    }
    return interceptors[index].interceptStream(
        method, options, o -> stream(index + 1, method, o, transport));
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
