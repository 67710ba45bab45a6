package dev.ttrpc;

/**
 * A bidirectional streaming call in progress ({@code rpc M(stream Q) returns (stream R)}). Sending
 * and receiving are independent and may happen on different threads.
 *
 * <p>Thread-safe. Closing this object before the end of the stream cancels the call locally.
 *
 * @param <Q> the request message type
 * @param <R> the response message type
 */
public interface BidiStreamCall<Q, R> extends StreamSender<Q>, StreamReceiver<R>, AutoCloseable {

  /** Half-closes the request stream: the server sees the end of its input. */
  void closeSend();

  /** Abandons the call: nothing more is sent, pending receives fail with CANCELLED. */
  void cancel();

  /** Cancels the call if it has not finished. */
  @Override
  void close();
}
