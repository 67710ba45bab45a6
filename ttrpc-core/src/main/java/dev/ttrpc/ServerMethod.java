package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.ServerHandlers.BidiStreamingHandler;
import dev.ttrpc.ServerHandlers.ClientStreamingHandler;
import dev.ttrpc.ServerHandlers.ServerStreamingHandler;
import dev.ttrpc.ServerHandlers.UnaryHandler;

/**
 * One method of a {@link ServiceDefinition}: its descriptor and the handler of the matching shape.
 * Exactly one of the four handler accessors returns non-null, the one for {@link
 * MethodDescriptor#type()}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <Q> the request message type
 * @param <R> the response message type
 */
public final class ServerMethod<Q, R> {
  private final MethodDescriptor<Q, R> descriptor;
  private final Object handler;

  private ServerMethod(MethodDescriptor<Q, R> descriptor, Object handler, MethodType expected) {
    this.descriptor = requireNonNull(descriptor, "descriptor");
    this.handler = requireNonNull(handler, "handler");
    if (descriptor.type() != expected) {
      throw new IllegalArgumentException(
          descriptor.fullMethodName() + " is " + descriptor.type() + ", not " + expected);
    }
  }

  /**
   * A unary method.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param descriptor the method's descriptor; its type must be {@link MethodType#UNARY}
   * @param handler answers each request, not null
   * @return a new server method
   * @throws IllegalArgumentException if the descriptor is of another type
   */
  public static <Q, R> ServerMethod<Q, R> unary(
      MethodDescriptor<Q, R> descriptor, UnaryHandler<Q, R> handler) {
    return new ServerMethod<>(descriptor, handler, MethodType.UNARY);
  }

  /**
   * A server-streaming method.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param descriptor the method's descriptor; its type must be {@link MethodType#SERVER_STREAMING}
   * @param handler sends the responses to each request, not null
   * @return a new server method
   * @throws IllegalArgumentException if the descriptor is of another type
   */
  public static <Q, R> ServerMethod<Q, R> serverStreaming(
      MethodDescriptor<Q, R> descriptor, ServerStreamingHandler<Q, R> handler) {
    return new ServerMethod<>(descriptor, handler, MethodType.SERVER_STREAMING);
  }

  /**
   * A client-streaming method.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param descriptor the method's descriptor; its type must be {@link MethodType#CLIENT_STREAMING}
   * @param handler answers the requests of each call, not null
   * @return a new server method
   * @throws IllegalArgumentException if the descriptor is of another type
   */
  public static <Q, R> ServerMethod<Q, R> clientStreaming(
      MethodDescriptor<Q, R> descriptor, ClientStreamingHandler<Q, R> handler) {
    return new ServerMethod<>(descriptor, handler, MethodType.CLIENT_STREAMING);
  }

  /**
   * A bidirectional streaming method.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param descriptor the method's descriptor; its type must be {@link MethodType#BIDI_STREAMING}
   * @param handler exchanges messages with each client, not null
   * @return a new server method
   * @throws IllegalArgumentException if the descriptor is of another type
   */
  public static <Q, R> ServerMethod<Q, R> bidiStreaming(
      MethodDescriptor<Q, R> descriptor, BidiStreamingHandler<Q, R> handler) {
    return new ServerMethod<>(descriptor, handler, MethodType.BIDI_STREAMING);
  }

  /** This method with its handler, described under another service name. */
  ServerMethod<Q, R> withServiceName(String serviceName) {
    MethodDescriptor<Q, R> renamed =
        MethodDescriptor.of(
            descriptor.type(),
            serviceName,
            descriptor.methodName(),
            descriptor.requestMarshaller(),
            descriptor.responseMarshaller());
    return new ServerMethod<>(renamed, handler, renamed.type());
  }

  /**
   * The method's descriptor.
   *
   * @return the descriptor, never null
   */
  public MethodDescriptor<Q, R> descriptor() {
    return descriptor;
  }

  /**
   * The handler, if this is a unary method.
   *
   * @return the handler, or null for a method of another type
   */
  @SuppressWarnings("unchecked")
  public UnaryHandler<Q, R> unaryHandler() {
    return descriptor.type() == MethodType.UNARY ? (UnaryHandler<Q, R>) handler : null;
  }

  /**
   * The handler, if this is a server-streaming method.
   *
   * @return the handler, or null for a method of another type
   */
  @SuppressWarnings("unchecked")
  public ServerStreamingHandler<Q, R> serverStreamingHandler() {
    return descriptor.type() == MethodType.SERVER_STREAMING
        ? (ServerStreamingHandler<Q, R>) handler
        : null;
  }

  /**
   * The handler, if this is a client-streaming method.
   *
   * @return the handler, or null for a method of another type
   */
  @SuppressWarnings("unchecked")
  public ClientStreamingHandler<Q, R> clientStreamingHandler() {
    return descriptor.type() == MethodType.CLIENT_STREAMING
        ? (ClientStreamingHandler<Q, R>) handler
        : null;
  }

  /**
   * The handler, if this is a bidirectional streaming method.
   *
   * @return the handler, or null for a method of another type
   */
  @SuppressWarnings("unchecked")
  public BidiStreamingHandler<Q, R> bidiStreamingHandler() {
    return descriptor.type() == MethodType.BIDI_STREAMING
        ? (BidiStreamingHandler<Q, R>) handler
        : null;
  }

  @Override
  public String toString() {
    return "ServerMethod[" + descriptor + "]";
  }
}
