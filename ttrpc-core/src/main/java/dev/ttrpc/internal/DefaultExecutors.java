package dev.ttrpc.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor that runs server handlers and client callbacks by default: one virtual thread per
 * task when the runtime has virtual threads (Java 21+; looked up reflectively because the library
 * targets Java 17), otherwise a cached pool of daemon threads. Shared, never shut down.
 *
 * <p>The virtual threads are started from a plain thread factory rather than through {@code
 * Executors.newVirtualThreadPerTaskExecutor()}: that executor records every thread it starts in
 * a concurrent set so that it can be shut down and awaited, bookkeeping a shared executor that is
 * never shut down does not need (the server tracks its own calls for a graceful shutdown), and
 * which showed up as several percent of a busy server's CPU.
 */
public final class DefaultExecutors {
  private DefaultExecutors() {}

  private static final Executor BLOCKING_TASKS = create();

  /** The shared executor for blocking work (handlers, callbacks). */
  public static Executor blockingTasks() {
    return BLOCKING_TASKS;
  }

  private static Executor create() {
    ThreadFactory virtualThreads = virtualThreadFactory();
    if (virtualThreads == null) {
      return Executors.newCachedThreadPool(new DaemonThreadFactory());
    }
    return task -> virtualThreads.newThread(task).start();
  }

  /** {@code Thread.ofVirtual().name("ttrpc-handler").factory()}, or null before Java 21. */
  private static ThreadFactory virtualThreadFactory() {
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    Class<?> builder;
    try {
      builder = Class.forName("java.lang.Thread$Builder");
    } catch (ClassNotFoundException e) {
      return null;
    }
    try {
      Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
      MethodHandle start = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual));
      MethodHandle name =
          lookup.findVirtual(ofVirtual, "name", MethodType.methodType(ofVirtual, String.class));
      MethodHandle factory =
          lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
      Object b = start.invoke();
      b = name.invoke(b, "ttrpc-handler");
      return (ThreadFactory) factory.invoke(b);
    } catch (Throwable t) {
      throw new ExceptionInInitializerError(t);
    }
  }

  private static final class DaemonThreadFactory implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "ttrpc-handler-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }
}
