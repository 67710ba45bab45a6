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
 * <p>Back-pressure rule: ttRPC has no flow control, so a stream holds its connection's {@link
 * ReadGate} once {@link #CAPACITY} messages wait unread: the connection stops reading from its
 * socket, which makes a fast sender wait for the reader instead of overrunning it. The gate is let
 * go when the reader has taken the backlog down to {@link #RESUME_AT}, or when the stream ends.
 * A reader that takes nothing for {@link #GRACE_NANOS} while the gate is held is stalled: the
 * owner then fails the stream ("stream buffer full", as Go main does after one second), which lets
 * go of the gate, so an abandoned stream holds up the other calls on its connection for about a
 * second at most. Memory per stream is bounded by {@link #CAPACITY} messages plus what one socket
 * read already held.
 *
 * <p>Thread-safe: one producer, any number of consumers (each message goes to one of them).
 */
public final class InboundMessages<T> {
  public static final int CAPACITY = 64;
  public static final int RESUME_AT = CAPACITY / 2;
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
  private final ReadGate gate;
  /** Whether this stream holds the gate. */
  private boolean holding;
  /** When the reader last made progress (took a message) or the gate was taken. */
  private long lastProgress;
  private boolean ended;
  /** Once set, every receive fails with it (queued messages were discarded). */
  private Status abandoned;

  /**
   * @param gate the connection's read gate, held while this stream's reader is behind; null for a
   *     stream whose producer needs no pacing (tests)
   */
  public InboundMessages(ReadGate gate) {
    this.gate = gate;
  }

  /**
   * Queues a message. Returns true when this message made the stream take its connection's read
   * gate: the owner must then check {@link #isStalled()} every {@link #GRACE_NANOS} while {@link
   * #isHoldingReads()}, and fail the stream once it is stalled.
   */
  public boolean offer(T message) {
    lock.lock();
    try {
      if (ended || abandoned != null) {
        return false;
      }
      queue.add(message);
      available.signal();
      if (!holding && gate != null && queue.size() >= CAPACITY) {
        holding = true;
        lastProgress = System.nanoTime();
        gate.hold();
        return true;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Whether this stream holds its connection's reads paused. */
  public boolean isHoldingReads() {
    lock.lock();
    try {
      return holding;
    } finally {
      lock.unlock();
    }
  }

  /** Whether reads are held for this stream and its reader has taken nothing for the grace time. */
  public boolean isStalled() {
    lock.lock();
    try {
      return holding && System.nanoTime() - lastProgress > GRACE_NANOS;
    } finally {
      lock.unlock();
    }
  }

  /** Must run under the lock. */
  private void releaseReads() {
    if (holding) {
      holding = false;
      gate.release();
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
        releaseReads();
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
        // Nothing more arrives for this stream: what waits is bounded, so other calls go on.
        releaseReads();
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
      if (holding) {
        lastProgress = System.nanoTime();
        if (queue.size() <= RESUME_AT) {
          releaseReads();
        }
      }
      return (T) head;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.of(Status.Code.CANCELLED, "ttrpc: interrupted").asException(e);
    } finally {
      lock.unlock();
    }
  }
}
