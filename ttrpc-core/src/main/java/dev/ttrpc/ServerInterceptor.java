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
}
