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
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method being called
   * @param request the request the caller gave
   * @param options the call's options; derive changed ones with its {@code with...} methods
   * @param next the rest of the chain
   * @return the future response; fail it with a {@link StatusException} to fail the call
   */
  <Q, R> CompletableFuture<R> interceptUnary(
      MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker<Q, R> next);

  /**
   * Intercepts the start of one streaming call of any shape. Call {@code next.start(options)}
   * (possibly with changed options) and return its call, possibly wrapped, or throw a {@link
   * StatusException} without calling it. Every shape is seen as a {@link BidiStreamCall}: for a
   * server-streaming method the request has already been given and {@code send} is refused; for a
   * client-streaming method the response is the one message received. The default passes the call
   * on unchanged.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method being called
   * @param options the call's options; derive changed ones with its {@code with...} methods
   * @param next the rest of the chain
   * @return the call the caller gets
   */
  default <Q, R> BidiStreamCall<Q, R> interceptStream(
      MethodDescriptor<Q, R> method, CallOptions options, StreamStarter<Q, R> next) {
    return next.start(options);
  }

  /**
   * The rest of a streaming call's chain, ending in the transport.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   */
  @FunctionalInterface
  interface StreamStarter<Q, R> {
    /**
     * Starts the call through the remaining interceptors.
     *
     * @param options the options to start it with
     * @return the started call
     */
    BidiStreamCall<Q, R> start(CallOptions options);
  }

  /**
   * The rest of a unary call's chain, ending in the transport.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   */
  @FunctionalInterface
  interface UnaryInvoker<Q, R> {
    /**
     * Sends the call through the remaining interceptors.
     *
     * @param request the request to send
     * @param options the options to send it with
     * @return the future response
     */
    CompletableFuture<R> invoke(Q request, CallOptions options);
  }
}
