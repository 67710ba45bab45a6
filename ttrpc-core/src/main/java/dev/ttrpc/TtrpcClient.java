package dev.ttrpc;

import java.util.concurrent.CompletableFuture;

/**
 * A ttRPC client: one connection to one server, on which any number of calls run concurrently.
 *
 * <p>Create one with {@link #builder()} or {@link #connect(String)}.
 * Generated stubs wrap a {@code TtrpcClient}; most code never calls it directly.
 *
 * <p>Thread-safe. Blocking methods may be called from any thread except the client's own I/O
 * threads; they suit virtual threads well. Every failure surfaces as a {@link StatusException}:
 * the server's status, {@code DEADLINE_EXCEEDED} for an expired deadline, {@code CANCELLED} for a
 * cancelled call, {@code RESOURCE_EXHAUSTED} for an oversized request, and {@code UNAVAILABLE}
 * with the message {@code ttrpc: closed} once the connection is lost. A lost connection is never
 * re-established: create a new client.
 */
public interface TtrpcClient extends AutoCloseable {

  /**
   * A builder for a client connection.
   *
   * @return a new builder with default settings
   */
  static TtrpcClientBuilder builder() {
    return new TtrpcClientBuilder();
  }

  /**
   * Connects with default settings to {@code address}: {@code unix:///path/to.sock}, a plain
   * socket path, or {@code unix://@name} for a Linux abstract socket.
   *
   * @param address the server's address, not null
   * @return a connected client; the caller must close it
   * @throws java.io.IOException if the connection cannot be made
   */
  static TtrpcClient connect(String address) throws java.io.IOException {
    return builder().address(address).connect();
  }

  /**
   * Makes a unary call and waits for its response.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method to call, not null
   * @param request the request message, not null
   * @param options deadline, metadata and other per-call settings, not null
   * @return the response, never null
   * @throws StatusException if the call fails for any reason
   */
  <Q, R> R call(MethodDescriptor<Q, R> method, Q request, CallOptions options);

  /**
   * Starts a unary call. The future completes with the response or with a {@link
   * StatusException}; cancelling the future cancels the call locally (ttRPC has no cancel frame,
   * so the server is not told, and a late response is dropped).
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method to call, not null
   * @param request the request message, not null
   * @param options deadline, metadata and other per-call settings, not null
   * @return a future completed with the response or failed with a {@link StatusException}
   */
  <Q, R> CompletableFuture<R> callAsync(
      MethodDescriptor<Q, R> method, Q request, CallOptions options);

  /**
   * Starts a client-streaming call; send requests, then half-close to get the response.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method to call, not null
   * @param options deadline, metadata and other per-call settings, not null
   * @return the call, for the caller's thread to drive
   */
  <Q, R> ClientStreamCall<Q, R> clientStream(MethodDescriptor<Q, R> method, CallOptions options);

  /**
   * Starts a server-streaming call with its one request.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method to call, not null
   * @param request the one request message, not null
   * @param options deadline, metadata and other per-call settings, not null
   * @return the call, from which the responses are received
   */
  <Q, R> ServerStreamCall<R> serverStream(
      MethodDescriptor<Q, R> method, Q request, CallOptions options);

  /**
   * Starts a bidirectional streaming call.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param method the method to call, not null
   * @param options deadline, metadata and other per-call settings, not null
   * @return the call, to send requests on and receive responses from
   */
  <Q, R> BidiStreamCall<Q, R> bidiStream(MethodDescriptor<Q, R> method, CallOptions options);

  /**
   * Whether the connection is closed (locally or by the peer).
   *
   * @return true once no new call can succeed on this client
   */
  boolean isClosed();

  /**
   * Completes once the connection is closed, after every pending call has failed and every
   * on-close callback has run.
   *
   * @return a future that never completes exceptionally
   */
  CompletableFuture<Void> closeFuture();

  /**
   * Closes the connection at once: pending calls fail with {@code UNAVAILABLE "ttrpc: closed"}.
   * Idempotent.
   */
  @Override
  void close();
}
