package dev.ttrpc.internal;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * The inbound messages of one stream, in wire order, between the event loop (producer) and the
 * reading thread (consumer).
 *
 * <p>Back-pressure rule: ttRPC has no flow control, so a stream holds its connection's {@link
 * ReadGate} once {@link #CAPACITY} messages or {@link #BYTE_CAPACITY} bytes wait unread: the
 * connection stops reading from its socket, which makes a fast sender wait for the reader instead
 * of overrunning it. The gate is let go when the reader has taken the backlog down to {@link
 * #RESUME_AT} messages and half the bytes, or when the stream ends. A reader that takes nothing
 * for {@link #GRACE_NANOS} while the gate is held is stalled: the owner then fails the stream
 * ("stream buffer full", as Go main does after one second), which lets go of the gate, so an
 * abandoned stream holds up the other calls on its connection for about a second at most. Memory
 * per stream is bounded by {@link #BYTE_CAPACITY} plus one message (at most the connection's
 * message size limit) plus what one socket read already held.
 *
 * <p>Each message is queued with the bytes it stands for, and every change of the queued bytes is
 * reported to a callback under this queue's lock, so that a connection can keep a total over all
 * its streams that never goes below what is queued: {@code +bytes} when a message is queued,
 * {@code -bytes} when messages leave the queue (taken, or dropped when the stream is abandoned). Every byte counted in is counted out exactly once, at the latest when the stream
 * is abandoned.
 *
 * <p>Thread-safe: one producer, any number of consumers (each message goes to one of them).
 */
public final class InboundMessages<T> {
  public static final int CAPACITY = 64;
  public static final int RESUME_AT = CAPACITY / 2;
  /** Bytes of unread messages at which a stream pauses its connection's reads. */
  public static final long BYTE_CAPACITY = 4L << 20;
  public static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final Object END = new Object();
  private static final LongConsumer IGNORE_CHANGES = bytes -> { };

  /** Marks the failure that ends the queue, distinct from any message type. */
  private static final class Failure {
    final Status status;

    Failure(Status status) {
      this.status = status;
    }
  }

  /** A queued message and the bytes it stands for. */
  private static final class Sized {
    final Object message;
    final int bytes;

    Sized(Object message, int bytes) {
      this.message = message;
      this.bytes = bytes;
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
  /** Bytes of the messages in the queue. */
  private long queuedBytes;
  private final LongConsumer bytesChanged;

  /**
   * @param gate the connection's read gate, held while this stream's reader is behind; null for a
   *     stream whose producer needs no pacing (tests)
   */
  public InboundMessages(ReadGate gate) {
    this(gate, IGNORE_CHANGES);
  }

  /**
   * @param gate the connection's read gate, held while this stream's reader is behind; null for a
   *     stream whose producer needs no pacing (tests)
   * @param bytesChanged told each change of the queued bytes, under this queue's lock, on the
   *     thread that queued or removed the messages; it must be quick and must not block or call
   *     back into this queue
   */
  public InboundMessages(ReadGate gate, LongConsumer bytesChanged) {
    this.gate = gate;
    this.bytesChanged = requireNonNull(bytesChanged, "bytesChanged");
  }

  /**
   * Queues a message. Returns true when this message made the stream take its connection's read
   * gate: the owner must then check {@link #isStalled()} every {@link #GRACE_NANOS} while {@link
   * #isHoldingReads()}, and fail the stream once it is stalled.
   */
  public boolean offer(T message) {
    return offer(message, 0);
  }

  /**
   * Queues a message that stands for {@code bytes} bytes (its share of the connection's memory).
   * A message offered after the stream ended is dropped and its bytes are not counted. Returns
   * what {@link #offer(Object)} returns.
   */
  public boolean offer(T message, int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes < 0: " + bytes);
    }
    lock.lock();
    try {
      if (ended || abandoned != null) {
        return false;
      }
      if (bytes > 0) {
        bytesChanged.accept(bytes);
      }
      queue.add(bytes == 0 ? message : new Sized(message, bytes));
      queuedBytes += bytes;
      available.signal();
      if (!holding && gate != null && (queue.size() >= CAPACITY || queuedBytes >= BYTE_CAPACITY)) {
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
        if (queuedBytes > 0) {
          bytesChanged.accept(-queuedBytes);
          queuedBytes = 0;
        }
        ended = true;
        releaseReads();
        available.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Bytes of the messages waiting to be read. */
  public long queuedBytes() {
    lock.lock();
    try {
      return queuedBytes;
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
      Object message = head;
      if (head instanceof Sized) {
        Sized sized = (Sized) head;
        message = sized.message;
        queuedBytes -= sized.bytes;
        bytesChanged.accept(-sized.bytes);
      }
      if (holding) {
        lastProgress = System.nanoTime();
        if (queue.size() <= RESUME_AT && queuedBytes <= BYTE_CAPACITY / 2) {
          releaseReads();
        }
      }
      return (T) message;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.of(Status.Code.CANCELLED, "ttrpc: interrupted").asException(e);
    } finally {
      lock.unlock();
    }
  }
}
