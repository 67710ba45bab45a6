package dev.ttrpc;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A ttRPC server: serves registered services on one or more Unix sockets.
 *
 * <p>Build one with {@link #builder()}, then {@link #start(String)} it on an address or {@link
 * #startOnInheritedFd(int)} on a listening socket handed down by a parent process (as containerd
 * shims do). Handlers run on virtual threads (or the executor given to the builder), never on the
 * I/O threads.
 *
 * <p>Thread-safe.
 */
public interface TtrpcServer extends AutoCloseable {

  /**
   * A builder for a server.
   *
   * @return a new builder with default settings
   */
  static TtrpcServerBuilder builder() {
    return new TtrpcServerBuilder();
  }

  /**
   * Listens on {@code address} ({@code unix:///path}, a plain path, or {@code unix://@name}) and
   * starts serving. May be called more than once to serve several addresses.
   *
   * @param address the address to listen on, not null
   * @return this server
   * @throws IOException if the socket cannot be bound
   * @throws IllegalStateException if the server is shut down
   */
  TtrpcServer start(String address) throws IOException;

  /**
   * Serves on an already listening Unix socket inherited as file descriptor {@code fd}.
   *
   * @param fd the descriptor of a bound, listening Unix stream socket; the server owns it after
   *     this call
   * @return this server
   * @throws IOException if the descriptor cannot be adopted
   * @throws IllegalStateException if the server is shut down
   */
  TtrpcServer startOnInheritedFd(int fd) throws IOException;

  /**
   * Stops accepting connections and requests, lets every call in flight finish and be answered,
   * then closes every connection. Calls arriving after this point are refused with {@code
   * UNAVAILABLE}. The future completes when everything is closed. Idempotent.
   *
   * @return a future completed on termination; the same one on every call
   */
  CompletableFuture<Void> shutdown();

  /**
   * Closes every listener and connection now; handlers still running are cancelled and their
   * results dropped. Idempotent; may follow {@link #shutdown()} to cut a graceful shutdown short.
   */
  void shutdownNow();

  /**
   * Waits for termination, which follows {@link #shutdown()} or {@link #shutdownNow()}.
   *
   * @param timeout the longest time to wait, not null
   * @return whether the server terminated in time
   * @throws InterruptedException if the waiting thread is interrupted
   */
  boolean awaitTermination(Duration timeout) throws InterruptedException;

  /**
   * Whether a shutdown has begun.
   *
   * @return true once {@link #shutdown()}, {@link #shutdownNow()} or {@link #close()} was called
   */
  boolean isShutdown();

  /**
   * Whether the server has terminated: every listener and connection closed.
   *
   * @return true once the future of {@link #shutdown()} has completed
   */
  boolean isTerminated();

  /** Graceful {@link #shutdown()}, then waits for it to complete. */
  @Override
  void close();
}
