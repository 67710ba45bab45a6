package dev.ttrpc;

/**
 * The four handler shapes a service method can have. Handlers are blocking: the server runs each
 * call on its own (virtual, where the JVM has them) thread, never on an I/O thread. A handler
 * answers by returning (or, for streams, by sending and returning) and fails by throwing: a
 * {@link StatusException} is sent as is, anything else as {@code UNKNOWN} with its message.
 */
public final class ServerHandlers {
  private ServerHandlers() {}

  /**
   * {@code rpc M(Q) returns (R)}.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   */
  @FunctionalInterface
  public interface UnaryHandler<Q, R> {
    /**
     * Answers one request.
     *
     * @param request the decoded request, never null
     * @param context the call's metadata, deadline, peer and cancellation
     * @return the response; null fails the call with {@code UNKNOWN}
     * @throws Exception to fail the call; a {@link StatusException} keeps its status
     */
    R handle(Q request, ServerCallContext context) throws Exception;
  }

  /**
   * {@code rpc M(Q) returns (stream R)}: send any number of responses; returning ends the stream
   * successfully.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   */
  @FunctionalInterface
  public interface ServerStreamingHandler<Q, R> {
    /**
     * Sends the responses to one request.
     *
     * @param request the decoded request, never null
     * @param responses where the responses go; ends when the method returns
     * @param context the call's metadata, deadline, peer and cancellation
     * @throws Exception to fail the call; a {@link StatusException} keeps its status
     */
    void handle(Q request, StreamSender<R> responses, ServerCallContext context) throws Exception;
  }

  /**
   * {@code rpc M(stream Q) returns (R)}: read requests until null, then return the response.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   */
  @FunctionalInterface
  public interface ClientStreamingHandler<Q, R> {
    /**
     * Reads the requests of one call and answers them.
     *
     * @param requests the client's requests; null once the client has half-closed
     * @param context the call's metadata, deadline, peer and cancellation
     * @return the response; null fails the call with {@code UNKNOWN}
     * @throws Exception to fail the call; a {@link StatusException} keeps its status
     */
    R handle(StreamReceiver<Q> requests, ServerCallContext context) throws Exception;
  }

  /**
   * {@code rpc M(stream Q) returns (stream R)}: read and send in any order; returning ends the
   * response stream successfully.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   */
  @FunctionalInterface
  public interface BidiStreamingHandler<Q, R> {
    /**
     * Exchanges messages with the client for one call.
     *
     * @param requests the client's requests; null once the client has half-closed
     * @param responses where the responses go; ends when the method returns
     * @param context the call's metadata, deadline, peer and cancellation
     * @throws Exception to fail the call; a {@link StatusException} keeps its status
     */
    void handle(StreamReceiver<Q> requests, StreamSender<R> responses, ServerCallContext context)
        throws Exception;
  }
}
