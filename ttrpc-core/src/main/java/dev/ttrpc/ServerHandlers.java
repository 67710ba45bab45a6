package dev.ttrpc;

/**
 * The four handler shapes a service method can have. Handlers are blocking: the server runs each
 * call on its own (virtual, where the JVM has them) thread, never on an I/O thread. A handler
 * answers by returning (or, for streams, by sending and returning) and fails by throwing: a
 * {@link StatusException} is sent as is, anything else as {@code UNKNOWN} with its message.
 */
public final class ServerHandlers {
  private ServerHandlers() {}

  /** {@code rpc M(Q) returns (R)}. */
  @FunctionalInterface
  public interface UnaryHandler<Q, R> {
    R handle(Q request, ServerCallContext context) throws Exception;
  }

  /**
   * {@code rpc M(Q) returns (stream R)}: send any number of responses; returning ends the stream
   * successfully.
   */
  @FunctionalInterface
  public interface ServerStreamingHandler<Q, R> {
    void handle(Q request, StreamSender<R> responses, ServerCallContext context) throws Exception;
  }

  /** {@code rpc M(stream Q) returns (R)}: read requests until null, then return the response. */
  @FunctionalInterface
  public interface ClientStreamingHandler<Q, R> {
    R handle(StreamReceiver<Q> requests, ServerCallContext context) throws Exception;
  }

  /**
   * {@code rpc M(stream Q) returns (stream R)}: read and send in any order; returning ends the
   * response stream successfully.
   */
  @FunctionalInterface
  public interface BidiStreamingHandler<Q, R> {
    void handle(StreamReceiver<Q> requests, StreamSender<R> responses, ServerCallContext context)
        throws Exception;
  }
}
