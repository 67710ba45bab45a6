package dev.ttrpc.conformance.bench;

import java.util.Arrays;

/**
 * Latencies of one caller, in nanoseconds, in an array sized before the measured phase so that
 * recording allocates nothing (the benchmark counts allocated bytes per call). It grows by
 * doubling if the estimate was too small.
 *
 * <p>Not thread-safe: one recorder per caller thread.
 */
final class LatencyRecorder {
  private long[] nanos;
  private int count;

  LatencyRecorder(int expectedCalls) {
    nanos = new long[Math.max(16, expectedCalls)];
  }

  void record(long latencyNanos) {
    if (count == nanos.length) {
      nanos = Arrays.copyOf(nanos, nanos.length * 2);
    }
    nanos[count++] = latencyNanos;
  }

  int count() {
    return count;
  }

  /** Every recorded value of {@code recorders}, sorted ascending. */
  static long[] sortedUnion(Iterable<LatencyRecorder> recorders) {
    int total = 0;
    for (LatencyRecorder r : recorders) {
      total += r.count;
    }
    long[] all = new long[total];
    int at = 0;
    for (LatencyRecorder r : recorders) {
      System.arraycopy(r.nanos, 0, all, at, r.count);
      at += r.count;
    }
    Arrays.sort(all);
    return all;
  }

  /** The nearest-rank percentile of sorted values (the Go bench uses the same definition). */
  static long percentile(long[] sorted, int p) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    int rank = (int) (((long) p * sorted.length + 99) / 100);
    return sorted[Math.max(1, rank) - 1];
  }
}
