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

  /**
   * A builder for a service assembled by hand.
   *
   * @param serviceName the fully qualified proto service name; not null or empty, no {@code /}
   * @return a new builder
   * @throws IllegalArgumentException if the name is empty or contains {@code /}
   */
  public static Builder builder(String serviceName) {
    return new Builder(serviceName);
  }

  /**
   * The fully qualified proto service name, e.g. {@code containerd.task.v2.Task}.
   *
   * @return the name requests address
   */
  public String name() {
    return name;
  }

  /**
   * The method with this proto name.
   *
   * @param methodName the proto method name as declared, e.g. {@code Create}
   * @return the method, or null if the service has none of that name
   */
  public ServerMethod<?, ?> method(String methodName) {
    return methods.get(methodName);
  }

  /**
   * Every method, in registration order.
   *
   * @return an unmodifiable collection
   */
  public Collection<ServerMethod<?, ?>> methods() {
    return methods.values();
  }

  /**
   * The same methods and handlers served under another service name: for a service published
   * under several versioned names whose messages are identical on the wire (containerd's
   * {@code containerd.task.v2.Task} and {@code containerd.task.v3.Task}, for instance).
   *
   * @param serviceName the other fully qualified name; not null or empty, no {@code /}
   * @return a new definition; this one is unchanged
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

    /**
     * Adds a method; its descriptor must name this service and a method not yet added.
     *
     * @param method the method and its handler, not null
     * @return this builder
     * @throws IllegalArgumentException if the method belongs to another service or was added
     */
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

    /**
     * Adds a unary method.
     *
     * @param <Q> the request message type
     * @param <R> the response message type
     * @param method the method's descriptor, of this service
     * @param handler answers each request
     * @return this builder
     */
    public <Q, R> Builder unary(MethodDescriptor<Q, R> method, UnaryHandler<Q, R> handler) {
      return add(ServerMethod.unary(method, handler));
    }

    /**
     * Adds a server-streaming method.
     *
     * @param <Q> the request message type
     * @param <R> the response message type
     * @param method the method's descriptor, of this service
     * @param handler sends the responses to each request
     * @return this builder
     */
    public <Q, R> Builder serverStreaming(
        MethodDescriptor<Q, R> method, ServerStreamingHandler<Q, R> handler) {
      return add(ServerMethod.serverStreaming(method, handler));
    }

    /**
     * Adds a client-streaming method.
     *
     * @param <Q> the request message type
     * @param <R> the response message type
     * @param method the method's descriptor, of this service
     * @param handler receives the requests of a call and returns its response
     * @return this builder
     */
    public <Q, R> Builder clientStreaming(
        MethodDescriptor<Q, R> method, ClientStreamingHandler<Q, R> handler) {
      return add(ServerMethod.clientStreaming(method, handler));
    }

    /**
     * Adds a bidirectional streaming method.
     *
     * @param <Q> the request message type
     * @param <R> the response message type
     * @param method the method's descriptor, of this service
     * @param handler exchanges messages with the client
     * @return this builder
     */
    public <Q, R> Builder bidiStreaming(
        MethodDescriptor<Q, R> method, BidiStreamingHandler<Q, R> handler) {
      return add(ServerMethod.bidiStreaming(method, handler));
    }

    /**
     * The definition of the methods added so far.
     *
     * @return an immutable definition; later additions to this builder do not change it
     */
    public ServiceDefinition build() {
      return new ServiceDefinition(name, methods);
    }
  }
}
