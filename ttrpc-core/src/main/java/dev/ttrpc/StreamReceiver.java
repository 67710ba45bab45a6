package dev.ttrpc;

import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The receiving end of a stream of messages, on either side of a call.
 *
 * <p>Blocking methods suit virtual threads; {@link #receiveAsync()} suits event-driven code. A
 * receiver is meant for one consumer at a time: concurrent receives get the messages in order but
 * split between them. Messages are buffered up to a bound per stream; see the implementing side's
 * documentation for its back-pressure rule.
 *
 * <p>A receiver is also an {@link Iterable} over the messages still to come, so a {@code for} loop
 * or {@link #stream()} reads the stream to its end. Iterating consumes: each message is seen by
 * one iterator, and a second iteration continues where the first stopped.
 *
 * @param <T> the message type
 */
public interface StreamReceiver<T> extends Iterable<T> {

  /**
   * Waits for the next message. Returns null once the peer has finished the stream normally, and
   * keeps returning null after that.
   *
   * @return the next message, or null at the end of the stream
   * @throws StatusException if the stream failed (the peer's status, a local deadline, a
   *     cancellation or a lost connection)
   */
  T receive();

  /**
   * Like {@link #receive()}, but waits at most {@code timeout}.
   *
   * @param timeout how long to wait for the next message
   * @return the next message, or null at the end of the stream
   * @throws StatusException with {@link Status.Code#DEADLINE_EXCEEDED} if nothing arrived in time;
   *     the stream stays usable
   */
  T receive(Duration timeout);

  /**
   * The next message as a future: completes with the message, with null at the normal end of the
   * stream, or exceptionally with a {@link StatusException}.
   *
   * @return the future of the next message
   */
  CompletableFuture<T> receiveAsync();

  /**
   * The messages still to come, in order. {@code hasNext()} blocks like {@link #receive()} until
   * the next message or the end of the stream; a failed stream makes {@code hasNext()} throw the
   * {@link StatusException}.
   *
   * @return a single-consumer iterator that reads from this receiver
   */
  @Override
  default Iterator<T> iterator() {
    return new Iterator<>() {
      private T next;
      private boolean ended;

      @Override
      public boolean hasNext() {
        if (next == null && !ended) {
          next = receive();
          ended = next == null;
        }
        return next != null;
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException("end of stream");
        }
        T message = next;
        next = null;
        return message;
      }
    };
  }

  /**
   * The messages still to come as a sequential {@link Stream}, read lazily as the stream pipeline
   * pulls them; failures surface as {@link StatusException} from the terminal operation.
   *
   * @return a sequential, ordered stream of the remaining messages
   */
  default Stream<T> stream() {
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(
            iterator(), Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }
}
