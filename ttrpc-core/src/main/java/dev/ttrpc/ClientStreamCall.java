package dev.ttrpc;

import java.util.concurrent.CompletableFuture;

/**
 * A client-streaming call in progress ({@code rpc M(stream Q) returns (R)}): send any number of
 * requests, then {@link #closeAndReceive()} the single response.
 *
 * <p>Thread-safe. Closing this object without finishing cancels the call locally.
 *
 * @param <Q> the request message type
 * @param <R> the response message type
 */
public interface ClientStreamCall<Q, R> extends StreamSender<Q>, AutoCloseable {

  /**
   * Half-closes the request stream and waits for the response.
   *
   * @return the response, never null
   * @throws StatusException if the call failed or was cancelled
   */
  R closeAndReceive();

  /**
   * Half-closes the request stream without waiting.
   *
   * @return a future completed with the response or failed with a {@link StatusException}
   */
  CompletableFuture<R> closeAndReceiveAsync();

  /** Abandons the call: nothing more is sent, pending receives fail with CANCELLED. */
  void cancel();

  /** Cancels the call if it has not finished. */
  @Override
  void close();
}
