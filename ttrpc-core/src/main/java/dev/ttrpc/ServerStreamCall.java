package dev.ttrpc;

/**
 * A server-streaming call in progress ({@code rpc M(Q) returns (stream R)}): the request has been
 * sent; receive responses until {@link #receive()} returns null.
 *
 * <p>Thread-safe. Closing this object before the end of the stream cancels the call locally.
 */
public interface ServerStreamCall<R> extends StreamReceiver<R>, AutoCloseable {

  /** Abandons the call: later frames for it are dropped, pending receives fail with CANCELLED. */
  void cancel();

  /** Cancels the call if it has not finished. */
  @Override
  void close();
}
