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

  /** The method being served. */
  MethodDescriptor<?, ?> method();

  /** The request metadata (read-only), looked up ignoring case. */
  Metadata metadata();

  /**
   * The deadline from the request's {@code timeout_nano}, counted from when the request arrived;
   * empty when the client sent none (or 0). A negative {@code timeout_nano} gives a deadline that
   * has already expired. The server does not abort handlers at the deadline (as in Go); handlers
   * that may run long should check it.
   */
  Optional<Deadline> deadline();

  /** Who is calling. */
  PeerCredentials peer();

  /** Whether the call is no longer wanted (deadline passed, connection lost, server closing). */
  boolean isCancelled();

  /**
   * Runs {@code listener} once when the call is cancelled or finished (at once if it already
   * is), on the server's callback executor (see {@code TtrpcServerBuilder.callbackExecutor}):
   * by default a thread of its own, never an I/O thread.
   */
  void addCancellationListener(Runnable listener);
}
