package dev.ttrpc.internal;

import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The inbound messages of one stream, in wire order, between the event loop (producer) and the
 * reading thread (consumer).
 *
 * <p>Back-pressure rule: ttRPC has no flow control, and one stream must never stall the other
 * calls on its connection, so the event loop never waits here. A stream holds up to {@link
 * #CAPACITY} unread messages freely. Beyond that it keeps accepting for a grace period of {@link
 * #GRACE_NANOS} (a reader that is merely slow catches up), but if a message arrives while the
 * backlog has stayed at or above {@link #CAPACITY} for longer than the grace period, or the
 * backlog reaches {@link #HARD_LIMIT}, {@link #offer} refuses it and the owner fails the stream
 * ("stream buffer full", as Go main does after one second). Memory per stream is therefore bounded
 * by {@link #HARD_LIMIT} messages.
 *
 * <p>Thread-safe: one producer, any number of consumers (each message goes to one of them).
 */
public final class InboundMessages<T> {
  public static final int CAPACITY = 64;
  public static final int HARD_LIMIT = 4 * CAPACITY;
  public static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final Object END = new Object();

  /** Marks the failure that ends the queue, distinct from any message type. */
  private static final class Failure {
    final Status status;

    Failure(Status status) {
      this.status = status;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition available = lock.newCondition();
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  private long fullSince;
  private boolean ended;
  /** Once set, every receive fails with it (queued messages were discarded). */
  private Status abandoned;

  /** Queues a message; false if the back-pressure rule refuses it (the stream must fail). */
  public boolean offer(T message) {
    lock.lock();
    try {
      if (ended || abandoned != null) {
        return true;
      }
      int backlog = queue.size();
      if (backlog >= CAPACITY) {
        long now = System.nanoTime();
        if (fullSince == 0) {
          fullSince = now;
        } else if (now - fullSince > GRACE_NANOS) {
          return false;
        }
        if (backlog >= HARD_LIMIT) {
          return false;
        }
      } else {
        fullSince = 0;
      }
      queue.add(message);
      available.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The peer finished the stream normally: readers get the queued messages, then null. */
  public void end() {
    append(END);
  }

  /** The stream failed: readers get the queued messages, then {@code status} as an exception. */
  public void fail(Status status) {
    append(new Failure(status));
  }

  /** The stream is gone: queued messages are dropped and every receive fails with {@code status}. */
  public void abandon(Status status) {
    lock.lock();
    try {
      if (abandoned == null) {
        abandoned = status;
        queue.clear();
        ended = true;
        available.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  private void append(Object marker) {
    lock.lock();
    try {
      if (!ended && abandoned == null) {
        ended = true;
        queue.add(marker);
        available.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether the stream has ended (normally, by failure or by abandonment) on the producer side. */
  public boolean isEnded() {
    lock.lock();
    try {
      return ended;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next message; null once the stream has ended normally (and again on every later call).
   *
   * @param timeoutNanos how long to wait, or a negative value to wait indefinitely
   * @throws StatusException the stream's failure, or DEADLINE_EXCEEDED if the wait timed out (the
   *     stream stays usable), or CANCELLED if the thread was interrupted
   */
  @SuppressWarnings("unchecked")
  public T take(long timeoutNanos) {
    lock.lock();
    try {
      long remaining = timeoutNanos;
      while (queue.isEmpty() && abandoned == null) {
        if (timeoutNanos < 0) {
          available.await();
        } else {
          if (remaining <= 0) {
            throw Status.of(Status.Code.DEADLINE_EXCEEDED, "ttrpc: no message within the timeout")
                .asException();
          }
          remaining = available.awaitNanos(remaining);
        }
      }
      if (abandoned != null) {
        throw abandoned.asException();
      }
      Object head = queue.peek();
      if (head == END) {
        return null;
      }
      if (head instanceof Failure) {
        throw ((Failure) head).status.asException();
      }
      queue.poll();
      return (T) head;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.of(Status.Code.CANCELLED, "ttrpc: interrupted").asException(e);
    } finally {
      lock.unlock();
    }
  }
}
