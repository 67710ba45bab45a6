package dev.ttrpc.internal.server;

import dev.ttrpc.ServerHandlers.UnaryHandler;
import dev.ttrpc.ServerInterceptor;
import dev.ttrpc.ServerMethod;

/** A registered method with its interceptor chain built once, at server construction. */
final class MethodEntry {
  final ServerMethod<Object, Object> method;
  /** The unary handler wrapped in every interceptor, outermost first; null for stream methods. */
  final UnaryHandler<Object, Object> unary;

  @SuppressWarnings("unchecked")
  MethodEntry(ServerMethod<?, ?> method, ServerInterceptor[] interceptors) {
    this.method = (ServerMethod<Object, Object>) method;
    UnaryHandler<Object, Object> base = this.method.unaryHandler();
    this.unary = base == null ? null : chain(base, interceptors);
  }

  private static UnaryHandler<Object, Object> chain(
      UnaryHandler<Object, Object> handler, ServerInterceptor[] interceptors) {
    UnaryHandler<Object, Object> chained = handler;
    for (int i = interceptors.length - 1; i >= 0; i--) {
      ServerInterceptor interceptor = interceptors[i];
      UnaryHandler<Object, Object> next = chained;
      chained = (request, context) -> interceptor.interceptUnary(request, context, next);
    }
    return chained;
  }
}
