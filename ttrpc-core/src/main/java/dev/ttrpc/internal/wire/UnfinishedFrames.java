package dev.ttrpc.internal.wire;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-wide limit on bytes held in frames that are still arriving. A {@link FrameDecoder}
 * must reserve a large frame's whole length here before it reads more than the first piece of it;
 * when the limit is taken, the decoder pauses its connection's reads and waits in line (first come,
 * first served) until frames complete or connections close. A reservation, once granted, is enough
 * for the frame to complete, so connections that got one never wait on each other: the limit can
 * slow large frames down but cannot deadlock them. Memory is still allocated only as bytes arrive;
 * a reservation is a promise, not an allocation.
 *
 * <p>Thread-safe: decoders of many event loops share one instance.
 */
public final class UnfinishedFrames {
  /** A decoder waiting for a reservation. */
  interface Waiter {
    /**
     * The reservation of {@code bytes} asked for with {@code ticket} was granted; called on any
     * thread, without locks held.
     */
    void granted(long ticket, long bytes);
  }

  private static final class Entry {
    final Waiter waiter;
    final long ticket;
    final long bytes;

    Entry(Waiter waiter, long ticket, long bytes) {
      this.waiter = waiter;
      this.ticket = ticket;
      this.bytes = bytes;
    }
  }

  private final long limit;
  private final ArrayDeque<Entry> waiting = new ArrayDeque<>();
  private final AtomicLong held = new AtomicLong();
  private long reserved;

  /** @param limit the bytes all reservations together may reach; at least one maximum frame */
  public UnfinishedFrames(long limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    this.limit = limit;
  }

  public long limit() {
    return limit;
  }

  /**
   * Reserves {@code bytes} for {@code waiter}'s frame: true if granted now; otherwise the waiter is
   * queued and {@link Waiter#granted(long, long)} is called with {@code ticket} once its turn
   * comes (unless cancelled).
   */
  synchronized boolean reserve(Waiter waiter, long ticket, long bytes) {
    if (waiting.isEmpty() && fits(bytes)) {
      reserved += bytes;
      return true;
    }
    waiting.add(new Entry(waiter, ticket, bytes));
    return false;
  }

  /** Whether a reservation can be granted now; one frame is always let through alone. */
  private boolean fits(long bytes) {
    return reserved == 0 || reserved + bytes <= limit;
  }

  /**
   * Withdraws {@code waiter}'s queued request; false if it was already granted (its {@link
   * Waiter#granted(long, long)} call is then under way and the waiter must give the bytes back).
   */
  synchronized boolean cancel(Waiter waiter) {
    return waiting.removeIf(e -> e.waiter == waiter);
  }

  /** Gives back a granted reservation and grants waiting ones that now fit, in order. */
  void release(long bytes) {
    List<Entry> granted = null;
    synchronized (this) {
      reserved -= bytes;
      while (!waiting.isEmpty() && fits(waiting.peek().bytes)) {
        Entry next = waiting.poll();
        reserved += next.bytes;
        if (granted == null) {
          granted = new ArrayList<>(2);
        }
        granted.add(next);
      }
    }
    if (granted != null) {
      for (Entry e : granted) {
        e.waiter.granted(e.ticket, e.bytes);
      }
    }
  }

  /** Bytes currently reserved by frames being received. */
  public synchronized long reservedBytes() {
    return reserved;
  }

  /** How many decoders wait for a reservation. */
  public synchronized int waitingCount() {
    return waiting.size();
  }

  /**
   * Bytes of buffer memory the decoders sharing this instance hold right now for unfinished
   * frames (capacity of the pieces allocated so far, whether reserved or not).
   */
  public long heldBytes() {
    return held.get();
  }

  void addHeld(long delta) {
    held.addAndGet(delta);
  }
}
