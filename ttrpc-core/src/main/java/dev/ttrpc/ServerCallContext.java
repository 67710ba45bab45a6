package dev.ttrpc;

import java.util.Optional;

/**
 * What a server handler knows about the call it serves: the method, the request metadata, the
 * deadline the client sent, the peer, and whether the call is still wanted.
 *
 * <p>Thread-safe. Valid for the duration of the handler; the context is {@linkplain #isCancelled()
 * cancelled} as soon as the handler returns, when the deadline passes, when the connection is
 * lost, or when the server is forcibly closed.
 */
public interface ServerCallContext {

  /**
   * The method being served.
   *
   * @return its descriptor, never null
   */
  MethodDescriptor<?, ?> method();

  /**
   * The request metadata, looked up ignoring case.
   *
   * @return a read-only instance, empty if the client sent none; never null
   */
  Metadata metadata();

  /**
   * The deadline from the request's {@code timeout_nano}, counted from when the request arrived;
   * empty when the client sent none (or 0). A negative {@code timeout_nano} gives a deadline that
   * has already expired. The server does not abort handlers at the deadline (as in Go); handlers
   * that may run long should check it.
   *
   * @return the deadline, or empty for none
   */
  Optional<Deadline> deadline();

  /**
   * Who is calling.
   *
   * @return the peer's credentials; fields are {@link PeerCredentials#UNKNOWN} where the
   *     transport cannot tell
   */
  PeerCredentials peer();

  /**
   * Whether the call is no longer wanted (deadline passed, connection lost, server closing).
   *
   * @return true once cancelled; never goes back to false
   */
  boolean isCancelled();

  /**
   * Runs {@code listener} once when the call is cancelled or finished (at once if it already
   * is), on the server's callback executor (see {@code TtrpcServerBuilder.callbackExecutor}):
   * by default a thread of its own, never an I/O thread.
   *
   * @param listener the listener, not null; must not block if the callback executor is direct
   */
  void addCancellationListener(Runnable listener);
}
