package dev.ttrpc;

import dev.ttrpc.ServerHandlers.UnaryHandler;

/**
 * Intercepts calls a {@link TtrpcServer} serves: to authorize, log, trace or translate errors.
 * Interceptors are chained in the order given to the server builder: the first one added sees
 * the call first and the result last.
 *
 * <p>Implementations must be thread-safe; they run on the handler's thread.
 */
public interface ServerInterceptor {

  /**
   * Intercepts one unary call. Call {@code next.handle(request, context)} to continue, or return a
   * response or throw a {@link StatusException} without calling it.
   */
  <Q, R> R interceptUnary(Q request, ServerCallContext context, UnaryHandler<Q, R> next)
      throws Exception;

  /**
   * Intercepts one streaming call of any shape. Call {@code next.handle(requests, responses,
   * context)} to continue (possibly with wrapped receiver or sender), or throw a {@link
   * StatusException} without calling it. For a server-streaming method {@code requests} yields the
   * one request and then null; for a client-streaming method the one message sent on {@code
   * responses} is the response. The default passes the call on unchanged.
   */
  default <Q, R> void interceptStream(
      StreamReceiver<Q> requests,
      StreamSender<R> responses,
      ServerCallContext context,
      StreamHandler<Q, R> next)
      throws Exception {
    next.handle(requests, responses, context);
  }

  /** The rest of a streaming call's chain, ending in the method's handler. */
  @FunctionalInterface
  interface StreamHandler<Q, R> {
    void handle(StreamReceiver<Q> requests, StreamSender<R> responses, ServerCallContext context)
        throws Exception;
  }
}
