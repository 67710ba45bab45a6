package dev.ttrpc;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** Future plumbing for the stub layer; every failure surfaces as a {@link StatusException}. */
final class Futures {
  private Futures() {}

  /** Waits for {@code future}, rethrowing its failure as a status on the caller's stack. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    } catch (CancellationException e) {
      throw Status.CANCELLED.withMessage("ttrpc: call cancelled").asException(e);
    } catch (InterruptedException e) {
      future.cancel(false);
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withMessage("ttrpc: interrupted").asException(e);
    }
  }

  /** Like {@link #await(CompletableFuture)}, failing with DEADLINE_EXCEEDED after {@code timeout}. */
  static <T> T await(CompletableFuture<T> future, Duration timeout) {
    try {
      return future.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw Status.DEADLINE_EXCEEDED.withMessage("ttrpc: nothing received in " + timeout).asException(e);
    } catch (ExecutionException e) {
      throw failure(e.getCause());
    } catch (CancellationException e) {
      throw Status.CANCELLED.withMessage("ttrpc: call cancelled").asException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withMessage("ttrpc: interrupted").asException(e);
    }
  }

  private static StatusException failure(Throwable cause) {
    return new StatusException(Status.fromThrowable(cause), cause);
  }

  /**
   * {@code source} transformed by {@code function}; a {@link StatusException} thrown by the
   * function fails the result with that very exception. Cancelling the result cancels {@code
   * source}.
   */
  static <T, U> CompletableFuture<U> map(CompletableFuture<T> source, Function<T, U> function) {
    CompletableFuture<U> result = new CompletableFuture<>();
    source.whenComplete(
        (value, error) -> {
          if (error != null) {
            result.completeExceptionally(unwrap(error));
            return;
          }
          try {
            result.complete(function.apply(value));
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    propagateCancel(result, source);
    return result;
  }

  /**
   * A future completed on {@code executor} with the outcome of {@code source}. If the executor
   * rejects the completion, the result fails with CANCELLED. Cancelling the result cancels {@code
   * source}.
   */
  static <T> CompletableFuture<T> completeOn(CompletableFuture<T> source, Executor executor) {
    CompletableFuture<T> result = new CompletableFuture<>();
    source.whenComplete(
        (value, error) -> {
          try {
            executor.execute(
                () -> {
                  if (error != null) {
                    result.completeExceptionally(unwrap(error));
                  } else {
                    result.complete(value);
                  }
                });
          } catch (RejectedExecutionException e) {
            result.completeExceptionally(
                Status.CANCELLED.withMessage("ttrpc: the stub's executor rejected the completion")
                    .asException(e));
          }
        });
    propagateCancel(result, source);
    return result;
  }

  private static void propagateCancel(CompletableFuture<?> result, CompletableFuture<?> source) {
    result.whenComplete(
        (ignored, error) -> {
          if (result.isCancelled()) {
            source.cancel(false);
          }
        });
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }
}
