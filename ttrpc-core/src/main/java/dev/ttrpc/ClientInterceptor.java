package dev.ttrpc;

import java.util.concurrent.CompletableFuture;

/**
 * Intercepts calls made by a {@link TtrpcClient}: to add metadata, log, trace, retry or fail fast.
 * Interceptors are chained in the order they are given to the client builder: the first one added
 * sees the call first and the response last.
 *
 * <p>Implementations must be thread-safe: they run on the calling thread, concurrently for
 * concurrent calls.
 */
public interface ClientInterceptor {

  /**
   * Intercepts one unary call. Call {@code next.invoke(request, options)} (possibly with changed
   * arguments, possibly more than once) or answer without calling it.
   */
  <Q, R> CompletableFuture<R> interceptUnary(
      MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker<Q, R> next);

  /** The rest of the chain, ending in the transport. */
  @FunctionalInterface
  interface UnaryInvoker<Q, R> {
    CompletableFuture<R> invoke(Q request, CallOptions options);
  }
}
