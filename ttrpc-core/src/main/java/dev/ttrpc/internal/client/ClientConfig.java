package dev.ttrpc.internal.client;

import dev.ttrpc.ClientInterceptor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Settings of one client connection, as collected by {@code TtrpcClientBuilder}.
 *
 * @param address the server address ({@code unix:///path}, a path, or {@code unix://@name})
 * @param maxMessageSize the largest frame data accepted and sent
 * @param interceptors outermost first
 * @param onClose callbacks run once the connection is closed
 * @param connectTimeout bound on establishing the connection
 * @param callbackExecutor completes asynchronous calls, or null to complete them on the I/O
 *     thread
 * @param firstStreamId the first stream id to use (odd; 1 except in tests of id exhaustion)
 */
public record ClientConfig(
    String address,
    int maxMessageSize,
    List<ClientInterceptor> interceptors,
    List<Runnable> onClose,
    Duration connectTimeout,
    Executor callbackExecutor,
    long firstStreamId) {

  public ClientConfig {
    interceptors = List.copyOf(interceptors);
    onClose = List.copyOf(onClose);
    if ((firstStreamId & 1) == 0 || firstStreamId < 1) {
      throw new IllegalArgumentException("firstStreamId must be odd and positive: " + firstStreamId);
    }
  }
}
