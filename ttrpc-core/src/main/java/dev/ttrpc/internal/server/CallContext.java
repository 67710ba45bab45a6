package dev.ttrpc.internal.server;

import dev.ttrpc.Deadline;
import dev.ttrpc.Metadata;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.PeerCredentials;
import dev.ttrpc.ServerCallContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The context of one server call. Cancelled (once) when the handler returns, when the deadline
 * passes, when the connection is lost or the server forcibly closed. Listeners run on the server's
 * callback executor, never on the thread that cancels (often an I/O thread) unless that executor
 * is a direct one.
 */
final class CallContext implements ServerCallContext {
  private static final Logger log = LoggerFactory.getLogger(CallContext.class);

  private final MethodDescriptor<?, ?> method;
  private final Metadata metadata;
  private final Optional<Deadline> deadline;
  private final PeerCredentials peer;
  private final Executor listenerExecutor;
  private volatile boolean cancelled;
  private List<Runnable> listeners;

  CallContext(
      MethodDescriptor<?, ?> method,
      Metadata metadata,
      Deadline deadline,
      PeerCredentials peer,
      Executor listenerExecutor) {
    this.method = method;
    this.metadata = metadata;
    this.deadline = Optional.ofNullable(deadline);
    this.peer = peer;
    this.listenerExecutor = listenerExecutor;
  }

  /**
   * The deadline for {@code timeoutNano} counted from {@code arrivalNanos}, or null for none. Every
   * negative value, down to {@code Long.MIN_VALUE}, gives a deadline that has already passed (as
   * Go's context.WithTimeout does).
   */
  static Deadline deadlineFor(long timeoutNano, long arrivalNanos) {
    if (timeoutNano == 0) {
      return null;
    }
    long elapsed = System.nanoTime() - arrivalNanos;
    // Saturate instead of wrapping around to a far-future deadline.
    long remaining =
        timeoutNano < Long.MIN_VALUE / 2 ? Long.MIN_VALUE / 2 : timeoutNano - elapsed;
    return Deadline.afterNanos(remaining);
  }

  @Override
  public MethodDescriptor<?, ?> method() {
    return method;
  }

  @Override
  public Metadata metadata() {
    return metadata;
  }

  @Override
  public Optional<Deadline> deadline() {
    return deadline;
  }

  @Override
  public PeerCredentials peer() {
    return peer;
  }

  @Override
  public boolean isCancelled() {
    if (cancelled) {
      return true;
    }
    if (deadline.isPresent() && deadline.get().isExpired()) {
      cancel();
      return true;
    }
    return false;
  }

  @Override
  public void addCancellationListener(Runnable listener) {
    synchronized (this) {
      if (!cancelled) {
        if (listeners == null) {
          listeners = new ArrayList<>(2);
        }
        listeners.add(listener);
        return;
      }
    }
    runListeners(List.of(listener));
  }

  /** Cancels the context and runs its listeners; idempotent. */
  void cancel() {
    List<Runnable> toRun;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      toRun = listeners;
      listeners = null;
    }
    if (toRun != null) {
      runListeners(toRun);
    }
  }

  private void runListeners(List<Runnable> toRun) {
    Runnable all =
        () -> {
          for (Runnable r : toRun) {
            try {
              r.run();
            } catch (RuntimeException e) {
              log.warn("ttrpc: cancellation listener failed", e);
            }
          }
        };
    try {
      listenerExecutor.execute(all);
    } catch (RejectedExecutionException e) {
      // An executor that is shut down still owes the listeners their one run.
      all.run();
    }
  }
}
