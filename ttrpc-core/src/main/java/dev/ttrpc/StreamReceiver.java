package dev.ttrpc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The receiving end of a stream of messages, on either side of a call.
 *
 * <p>Blocking methods suit virtual threads; {@link #receiveAsync()} suits event-driven code. A
 * receiver is meant for one consumer at a time: concurrent receives get the messages in order but
 * split between them. Messages are buffered up to a bound per stream; see the implementing side's
 * documentation for its back-pressure rule.
 */
public interface StreamReceiver<T> {

  /**
   * Waits for the next message. Returns null once the peer has finished the stream normally, and
   * keeps returning null after that.
   *
   * @throws StatusException if the stream failed (the peer's status, a local deadline, a
   *     cancellation or a lost connection)
   */
  T receive();

  /**
   * Like {@link #receive()}, but waits at most {@code timeout}.
   *
   * @throws StatusException with {@link Status.Code#DEADLINE_EXCEEDED} if nothing arrived in time;
   *     the stream stays usable
   */
  T receive(Duration timeout);

  /**
   * The next message as a future: completes with the message, with null at the normal end of the
   * stream, or exceptionally with a {@link StatusException}.
   */
  CompletableFuture<T> receiveAsync();
}
