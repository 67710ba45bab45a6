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
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param request the decoded request
   * @param context the call's metadata, deadline, peer and cancellation
   * @param next the rest of the chain, ending in the method's handler
   * @return the response to send
   * @throws Exception to fail the call; mapped to a status by {@link Status#fromThrowable}
   */
  <Q, R> R interceptUnary(Q request, ServerCallContext context, UnaryHandler<Q, R> next)
      throws Exception;

  /**
   * Intercepts one streaming call of any shape. Call {@code next.handle(requests, responses,
   * context)} to continue (possibly with wrapped receiver or sender), or throw a {@link
   * StatusException} without calling it. For a server-streaming method {@code requests} yields the
   * one request and then null; for a client-streaming method the one message sent on {@code
   * responses} is the response. The default passes the call on unchanged.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param requests the requests from the client
   * @param responses where the responses go
   * @param context the call's metadata, deadline, peer and cancellation
   * @param next the rest of the chain, ending in the method's handler
   * @throws Exception to fail the call; mapped to a status by {@link Status#fromThrowable}
   */
  default <Q, R> void interceptStream(
      StreamReceiver<Q> requests,
      StreamSender<R> responses,
      ServerCallContext context,
      StreamHandler<Q, R> next)
      throws Exception {
    next.handle(requests, responses, context);
  }

  /**
   * The rest of a streaming call's chain, ending in the method's handler.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   */
  @FunctionalInterface
  interface StreamHandler<Q, R> {
    /**
     * Continues the call through the remaining interceptors and the handler.
     *
     * @param requests the requests from the client
     * @param responses where the responses go
     * @param context the call's context
     * @throws Exception what the handler or a later interceptor threw
     */
    void handle(StreamReceiver<Q> requests, StreamSender<R> responses, ServerCallContext context)
        throws Exception;
  }
}
