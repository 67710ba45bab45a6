package dev.ttrpc;

import java.util.stream.Stream;

/**
 * A server-streaming call in progress ({@code rpc M(Q) returns (stream R)}): the request has been
 * sent; receive responses until {@link #receive()} returns null.
 *
 * <p>The responses can be read with {@link #receive()}, a {@code for} loop over the call, or
 * {@link #stream()}:
 *
 * <pre>{@code
 * try (ServerStreamCall<Point> points = stub.listPoints(request)) {
 *   for (Point point : points) {
 *     ...
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safe. Closing this object before the end of the stream cancels the call locally.
 *
 * @param <R> the response message type
 */
public interface ServerStreamCall<R> extends StreamReceiver<R>, AutoCloseable {

  /**
   * {@inheritDoc} Closing the returned stream (e.g. with try-with-resources) closes this call,
   * cancelling it if it has not finished.
   */
  @Override
  default Stream<R> stream() {
    return StreamReceiver.super.stream().onClose(this::close);
  }

  /** Abandons the call: later frames for it are dropped, pending receives fail with CANCELLED. */
  void cancel();

  /** Cancels the call if it has not finished. */
  @Override
  void close();
}
