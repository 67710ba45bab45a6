package dev.ttrpc.internal;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.Deadline;
import dev.ttrpc.Status;
import io.netty.channel.Channel;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Lets callers and handlers wait until a connection can take more outbound bytes, woken by the
 * connection's writability events (and by anything that may end their wait) rather than by
 * polling.
 *
 * <p>Thread-safe. {@link #signalAll()} is called on the event loop when writability changes or the
 * connection closes, and by whoever ends a stream that may have a sender waiting; it costs one
 * volatile read when nobody waits.
 */
public final class Writability {
  private final Channel channel;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Threads inside {@link #await}; written under the lock, read without it by signallers. */
  private volatile int waiters;

  public Writability(Channel channel) {
    this.channel = requireNonNull(channel, "channel");
  }

  /** Wakes every waiter so that it checks writability and its stop condition again. */
  public void signalAll() {
    if (waiters == 0) {
      return;
    }
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns once the channel is writable. Before each wait, {@code stop} is asked whether to give
   * up: a non-null status is thrown as an exception. A closed channel ends the wait with {@code
   * UNAVAILABLE "ttrpc: closed"}, an expired {@code deadline} (null for none) with {@code
   * DEADLINE_EXCEEDED}, an interrupt with {@code CANCELLED}.
   */
  public void await(Deadline deadline, Supplier<Status> stop) {
    if (channel.isWritable()) {
      return;
    }
    lock.lock();
    waiters++;
    try {
      // The count is raised before writability is read; a signaller that changed writability
      // then either sees the count or this loop sees the change, so no wake-up is lost.
      while (!channel.isWritable()) {
        if (!channel.isActive()) {
          throw Status.of(Status.Code.UNAVAILABLE, "ttrpc: closed").asException();
        }
        Status done = stop.get();
        if (done != null) {
          throw done.asException();
        }
        if (deadline == null) {
          changed.await();
        } else {
          long left = deadline.remainingNanos();
          if (left <= 0) {
            throw Status.of(Status.Code.DEADLINE_EXCEEDED, "context deadline exceeded")
                .asException();
          }
          changed.awaitNanos(left);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.of(Status.Code.CANCELLED, "ttrpc: interrupted").asException(e);
    } finally {
      waiters--;
      lock.unlock();
    }
  }
}
