package dev.ttrpc.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor that runs server handlers and client callbacks by default: one virtual thread per
 * task when the runtime has virtual threads (Java 21+; looked up reflectively because the library
 * targets Java 17), otherwise a cached pool of daemon threads. Shared, never shut down.
 */
public final class DefaultExecutors {
  private DefaultExecutors() {}

  private static final ExecutorService BLOCKING_TASKS = create();

  /** The shared executor for blocking work (handlers, callbacks). */
  public static ExecutorService blockingTasks() {
    return BLOCKING_TASKS;
  }

  private static ExecutorService create() {
    try {
      MethodHandle factory =
          MethodHandles.publicLookup()
              .findStatic(
                  Executors.class,
                  "newVirtualThreadPerTaskExecutor",
                  MethodType.methodType(ExecutorService.class));
      return (ExecutorService) factory.invokeExact();
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return Executors.newCachedThreadPool(new DaemonThreadFactory());
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
