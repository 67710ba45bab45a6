package dev.ttrpc;

import java.util.concurrent.CompletableFuture;

/**
 * A client-streaming call in progress ({@code rpc M(stream Q) returns (R)}): send any number of
 * requests, then {@link #closeAndReceive()} the single response.
 *
 * <p>Thread-safe. Closing this object without finishing cancels the call locally.
 */
public interface ClientStreamCall<Q, R> extends StreamSender<Q>, AutoCloseable {

  /** Half-closes the request stream and waits for the response. */
  R closeAndReceive();

  /** Half-closes the request stream; the future completes with the response. */
  CompletableFuture<R> closeAndReceiveAsync();

  /** Abandons the call: nothing more is sent, pending receives fail with CANCELLED. */
  void cancel();

  /** Cancels the call if it has not finished. */
  @Override
  void close();
}
