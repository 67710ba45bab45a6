package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.ServerHandlers.BidiStreamingHandler;
import dev.ttrpc.ServerHandlers.ClientStreamingHandler;
import dev.ttrpc.ServerHandlers.ServerStreamingHandler;
import dev.ttrpc.ServerHandlers.UnaryHandler;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A service as the server registers it: its fully qualified proto name and its methods by proto
 * method name. Generated code builds one from a service implementation ({@code
 * FooTtrpc.bindService(impl)}); it can also be assembled by hand with {@link #builder(String)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ServiceDefinition {
  private final String name;
  private final Map<String, ServerMethod<?, ?>> methods;

  private ServiceDefinition(String name, Map<String, ServerMethod<?, ?>> methods) {
    this.name = name;
    this.methods = Collections.unmodifiableMap(new LinkedHashMap<>(methods));
  }

  public static Builder builder(String serviceName) {
    return new Builder(serviceName);
  }

  /** The fully qualified proto service name, e.g. {@code containerd.task.v2.Task}. */
  public String name() {
    return name;
  }

  /** The method with this proto name, or null. */
  public ServerMethod<?, ?> method(String methodName) {
    return methods.get(methodName);
  }

  /** Every method, in registration order. */
  public Collection<ServerMethod<?, ?>> methods() {
    return methods.values();
  }

  /**
   * The same methods and handlers served under another service name: for a service published
   * under several versioned names whose messages are identical on the wire (containerd's
   * {@code containerd.task.v2.Task} and {@code containerd.task.v3.Task}, for instance).
   */
  public ServiceDefinition withServiceName(String serviceName) {
    Builder renamed = builder(serviceName);
    for (ServerMethod<?, ?> method : methods.values()) {
      renamed.add(method.withServiceName(serviceName));
    }
    return renamed.build();
  }

  @Override
  public String toString() {
    return "ServiceDefinition[" + name + ", methods=" + methods.keySet() + "]";
  }

  /** Collects the methods of one service. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final Map<String, ServerMethod<?, ?>> methods = new LinkedHashMap<>();

    private Builder(String name) {
      requireNonNull(name, "serviceName");
      if (name.isEmpty() || name.indexOf('/') >= 0) {
        throw new IllegalArgumentException("invalid service name: " + name);
      }
      this.name = name;
    }

    /** Adds a method; its descriptor must name this service and a method not yet added. */
    public Builder add(ServerMethod<?, ?> method) {
      requireNonNull(method, "method");
      MethodDescriptor<?, ?> d = method.descriptor();
      if (!d.serviceName().equals(name)) {
        throw new IllegalArgumentException(
            d.fullMethodName() + " does not belong to service " + name);
      }
      if (methods.putIfAbsent(d.methodName(), method) != null) {
        throw new IllegalArgumentException("duplicate method " + d.fullMethodName());
      }
      return this;
    }

    public <Q, R> Builder unary(MethodDescriptor<Q, R> method, UnaryHandler<Q, R> handler) {
      return add(ServerMethod.unary(method, handler));
    }

    public <Q, R> Builder serverStreaming(
        MethodDescriptor<Q, R> method, ServerStreamingHandler<Q, R> handler) {
      return add(ServerMethod.serverStreaming(method, handler));
    }

    public <Q, R> Builder clientStreaming(
        MethodDescriptor<Q, R> method, ClientStreamingHandler<Q, R> handler) {
      return add(ServerMethod.clientStreaming(method, handler));
    }

    public <Q, R> Builder bidiStreaming(
        MethodDescriptor<Q, R> method, BidiStreamingHandler<Q, R> handler) {
      return add(ServerMethod.bidiStreaming(method, handler));
    }

    public ServiceDefinition build() {
      return new ServiceDefinition(name, methods);
    }
  }
}
