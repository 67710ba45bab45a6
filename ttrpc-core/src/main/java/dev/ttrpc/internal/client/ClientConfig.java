package dev.ttrpc.internal.client;

import dev.ttrpc.ClientInterceptor;
import io.netty.channel.EventLoopGroup;
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
 * @param callbackExecutor completes asynchronous calls and the close future, or null to
 *     complete them on the I/O thread
 * @param eventLoopGroup the application's event loop group, or null for the shared one
 */
public record ClientConfig(
    String address,
    int maxMessageSize,
    List<ClientInterceptor> interceptors,
    List<Runnable> onClose,
    Duration connectTimeout,
    Executor callbackExecutor,
    EventLoopGroup eventLoopGroup) {

  public ClientConfig {
    interceptors = List.copyOf(interceptors);
    onClose = List.copyOf(onClose);
  }
}
