package dev.ttrpc.internal.server;

import dev.ttrpc.ServerHandlers.BidiStreamingHandler;
import dev.ttrpc.ServerHandlers.ClientStreamingHandler;
import dev.ttrpc.ServerHandlers.ServerStreamingHandler;
import dev.ttrpc.ServerHandlers.UnaryHandler;
import dev.ttrpc.ServerInterceptor;
import dev.ttrpc.ServerInterceptor.StreamHandler;
import dev.ttrpc.ServerMethod;

/**
 * A registered method with its interceptor chain built once, at server construction. Every
 * streaming shape is reduced to one {@link StreamHandler}: a server-streaming handler takes the
 * one request from the receiver, a client-streaming handler's result is sent as the one response.
 */
final class MethodEntry {
  final ServerMethod<Object, Object> method;
  /** The unary handler wrapped in every interceptor, outermost first; null for stream methods. */
  final UnaryHandler<Object, Object> unary;
  /** The stream handler wrapped in every interceptor, outermost first; null for unary methods. */
  final StreamHandler<Object, Object> stream;

  @SuppressWarnings("unchecked")
  MethodEntry(ServerMethod<?, ?> method, ServerInterceptor[] interceptors) {
    this.method = (ServerMethod<Object, Object>) method;
    UnaryHandler<Object, Object> base = this.method.unaryHandler();
    this.unary = base == null ? null : chain(base, interceptors);
    StreamHandler<Object, Object> streamBase = streamHandler(this.method);
    this.stream = streamBase == null ? null : chain(streamBase, interceptors);
  }

  private static StreamHandler<Object, Object> streamHandler(ServerMethod<Object, Object> m) {
    ServerStreamingHandler<Object, Object> serverStreaming = m.serverStreamingHandler();
    if (serverStreaming != null) {
      return (requests, responses, context) ->
          serverStreaming.handle(requests.receive(), responses, context);
    }
    ClientStreamingHandler<Object, Object> clientStreaming = m.clientStreamingHandler();
    if (clientStreaming != null) {
      return (requests, responses, context) -> {
        Object response = clientStreaming.handle(requests, context);
        if (response != null) {
          responses.send(response);
        }
      };
    }
    BidiStreamingHandler<Object, Object> bidi = m.bidiStreamingHandler();
    if (bidi != null) {
      return bidi::handle;
    }
    return null;
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

  private static StreamHandler<Object, Object> chain(
      StreamHandler<Object, Object> handler, ServerInterceptor[] interceptors) {
    StreamHandler<Object, Object> chained = handler;
    for (int i = interceptors.length - 1; i >= 0; i--) {
      ServerInterceptor interceptor = interceptors[i];
      StreamHandler<Object, Object> next = chained;
      chained =
          (requests, responses, context) ->
              interceptor.interceptStream(requests, responses, context, next);
    }
    return chained;
  }
}
