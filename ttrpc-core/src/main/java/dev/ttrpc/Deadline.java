package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A point in time by which a call must finish, measured on {@link System#nanoTime()}. ttRPC sends
 * deadlines as a relative {@code timeout_nano}; the server turns that back into a {@code Deadline}
 * counted from when the request arrived.
 *
 * <p>Immutable and thread-safe.
 */
public final class Deadline implements Comparable<Deadline> {
  private final long deadlineNanos;

  private Deadline(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  /**
   * A deadline {@code timeout} from now; a zero or negative timeout is already expired.
   *
   * @param timeout the time from now, not null; very long timeouts saturate instead of
   *     overflowing
   * @return a new deadline
   */
  public static Deadline after(Duration timeout) {
    requireNonNull(timeout, "timeout");
    return afterNanos(saturatedNanos(timeout));
  }

  /**
   * A deadline {@code amount unit} from now.
   *
   * @param amount the time from now, in {@code unit}
   * @param unit the unit of {@code amount}, not null
   * @return a new deadline
   */
  public static Deadline after(long amount, TimeUnit unit) {
    return afterNanos(requireNonNull(unit, "unit").toNanos(amount));
  }

  /**
   * A deadline {@code nanos} from now, saturating instead of overflowing.
   *
   * @param nanos the time from now in nanoseconds; negative is already expired
   * @return a new deadline
   */
  public static Deadline afterNanos(long nanos) {
    long now = System.nanoTime();
    long at = now + nanos;
    // Overflow-safe: clamp to the farthest representable point in either direction.
    if (nanos > 0 && at - now < 0) {
      at = now + Long.MAX_VALUE / 2;
    } else if (nanos < 0 && at - now > 0) {
      at = now - Long.MAX_VALUE / 2;
    }
    return new Deadline(at);
  }

  /**
   * The time left, read from the clock on each call.
   *
   * @return nanoseconds left; zero or negative once expired
   */
  public long remainingNanos() {
    return deadlineNanos - System.nanoTime();
  }

  /**
   * The time left, read from the clock on each call.
   *
   * @return the time left; zero or negative once expired
   */
  public Duration remaining() {
    return Duration.ofNanos(remainingNanos());
  }

  /**
   * Whether the deadline has passed.
   *
   * @return true once no time is left
   */
  public boolean isExpired() {
    return remainingNanos() <= 0;
  }

  /**
   * The earlier of this deadline and {@code other}.
   *
   * @param other another deadline, not null
   * @return whichever expires first; this one if both are equal
   */
  public Deadline minimum(Deadline other) {
    return compareTo(requireNonNull(other, "other")) <= 0 ? this : other;
  }

  /**
   * The {@link System#nanoTime()} value at which this deadline expires.
   *
   * @return the expiry, comparable only with other {@code nanoTime} values of this JVM
   */
  public long nanoTime() {
    return deadlineNanos;
  }

  @Override
  public int compareTo(Deadline o) {
    return Long.compare(deadlineNanos - o.deadlineNanos, 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Deadline && ((Deadline) o).deadlineNanos == deadlineNanos;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(deadlineNanos);
  }

  @Override
  public String toString() {
    return "Deadline[remaining=" + remaining() + "]";
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
    }
  }
}
