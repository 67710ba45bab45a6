package dev.ttrpc.conformance.bench;

import java.lang.management.ManagementFactory;

/**
 * Reads how many bytes of heap this JVM has allocated since it started, over all threads (live
 * and ended; virtual threads count on the carrier threads that ran them). The difference of two
 * readings around a measured phase, divided by the calls made in it, is the allocation per call.
 *
 * <p>Thread-safe.
 */
public final class AllocationCounter {
  private static final com.sun.management.ThreadMXBean THREADS = threadBean();

  private AllocationCounter() {}

  /** Whether this JVM can count allocated bytes; without it every reading is -1. */
  public static boolean isSupported() {
    return THREADS != null;
  }

  /** Total heap bytes allocated so far, or -1 if this JVM cannot tell. */
  public static long totalAllocatedBytes() {
    return THREADS != null ? THREADS.getTotalThreadAllocatedBytes() : -1;
  }

  private static com.sun.management.ThreadMXBean threadBean() {
    if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean)
        || !bean.isThreadAllocatedMemorySupported()) {
      return null;
    }
    bean.setThreadAllocatedMemoryEnabled(true);
    return bean;
  }
}
