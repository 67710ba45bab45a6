package dev.ttrpc.internal.server;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.Handshaker;
import dev.ttrpc.ServerInterceptor;
import dev.ttrpc.ServiceDefinition;
import io.netty.channel.EventLoopGroup;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Settings of a server, as collected by {@code TtrpcServerBuilder}.
 *
 * @param services the registered services
 * @param handshaker the check for new connections, or null to accept every local peer
 * @param executor runs handlers
 * @param callbackExecutor runs cancellation listeners
 * @param maxMessageSize the largest frame data accepted and sent
 * @param interceptors outermost first
 * @param connectionMemoryBudget bytes one connection may hold in unanswered requests and unsent
 *     answers before its reads pause or its requests are refused
 * @param unfinishedFrameBytes bytes all connections together may hold in frames still arriving
 * @param eventLoopGroup the application's event loop group, or null for the shared one
 */
public record ServerConfig(
    List<ServiceDefinition> services,
    Handshaker handshaker,
    Executor executor,
    Executor callbackExecutor,
    int maxMessageSize,
    List<ServerInterceptor> interceptors,
    long connectionMemoryBudget,
    long unfinishedFrameBytes,
    EventLoopGroup eventLoopGroup) {

  public ServerConfig {
    services = List.copyOf(services);
    interceptors = List.copyOf(interceptors);
    requireNonNull(executor, "executor");
    requireNonNull(callbackExecutor, "callbackExecutor");
  }
}
