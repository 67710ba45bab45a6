package dev.ttrpc;

import static java.util.Objects.requireNonNull;

/**
 * Describes one ttRPC method: the fully qualified proto service name, the proto method name (both
 * exactly as declared, for they are what goes on the wire), its {@link MethodType} and the
 * marshallers of its request and response types.
 *
 * <p>Immutable and thread-safe; generated code holds one per method as a constant.
 *
 * @param <Q> the request message type
 * @param <R> the response message type
 */
public final class MethodDescriptor<Q, R> {
  private final MethodType type;
  private final String serviceName;
  private final String methodName;
  private final String fullMethodName;
  private final Marshaller<Q> requestMarshaller;
  private final Marshaller<R> responseMarshaller;

  private MethodDescriptor(
      MethodType type,
      String serviceName,
      String methodName,
      Marshaller<Q> requestMarshaller,
      Marshaller<R> responseMarshaller) {
    this.type = requireNonNull(type, "type");
    this.serviceName = checkName(serviceName, "serviceName");
    this.methodName = checkName(methodName, "methodName");
    this.fullMethodName = "/" + serviceName + "/" + methodName;
    this.requestMarshaller = requireNonNull(requestMarshaller, "requestMarshaller");
    this.responseMarshaller = requireNonNull(responseMarshaller, "responseMarshaller");
  }

  /**
   * A descriptor of any type.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param type the shape of the method, not null
   * @param serviceName the fully qualified proto service name; not null or empty, no {@code /}
   * @param methodName the proto method name as declared; not null or empty, no {@code /}
   * @param requestMarshaller converts requests to and from bytes, not null
   * @param responseMarshaller converts responses to and from bytes, not null
   * @return a new descriptor
   * @throws IllegalArgumentException if a name is empty or contains {@code /}
   */
  public static <Q, R> MethodDescriptor<Q, R> of(
      MethodType type,
      String serviceName,
      String methodName,
      Marshaller<Q> requestMarshaller,
      Marshaller<R> responseMarshaller) {
    return new MethodDescriptor<>(
        type, serviceName, methodName, requestMarshaller, responseMarshaller);
  }

  /**
   * A unary method descriptor.
   *
   * @param <Q> the request message type
   * @param <R> the response message type
   * @param serviceName the fully qualified proto service name; not null or empty, no {@code /}
   * @param methodName the proto method name as declared; not null or empty, no {@code /}
   * @param requestMarshaller converts requests to and from bytes, not null
   * @param responseMarshaller converts responses to and from bytes, not null
   * @return a new descriptor
   * @throws IllegalArgumentException if a name is empty or contains {@code /}
   */
  public static <Q, R> MethodDescriptor<Q, R> unary(
      String serviceName,
      String methodName,
      Marshaller<Q> requestMarshaller,
      Marshaller<R> responseMarshaller) {
    return of(MethodType.UNARY, serviceName, methodName, requestMarshaller, responseMarshaller);
  }

  /**
   * The shape of the method.
   *
   * @return the method type, never null
   */
  public MethodType type() {
    return type;
  }

  /**
   * The fully qualified proto service name, e.g. {@code containerd.task.v2.Task}.
   *
   * @return the service name as sent on the wire
   */
  public String serviceName() {
    return serviceName;
  }

  /**
   * The proto method name as declared, e.g. {@code Create}.
   *
   * @return the method name as sent on the wire
   */
  public String methodName() {
    return methodName;
  }

  /**
   * The name interceptors and logs use.
   *
   * @return {@code "/" + serviceName + "/" + methodName}
   */
  public String fullMethodName() {
    return fullMethodName;
  }

  /**
   * The marshaller of the request type.
   *
   * @return the request marshaller, never null
   */
  public Marshaller<Q> requestMarshaller() {
    return requestMarshaller;
  }

  /**
   * The marshaller of the response type.
   *
   * @return the response marshaller, never null
   */
  public Marshaller<R> responseMarshaller() {
    return responseMarshaller;
  }

  @Override
  public String toString() {
    return fullMethodName + " (" + type + ")";
  }

  private static String checkName(String name, String what) {
    requireNonNull(name, what);
    if (name.isEmpty() || name.indexOf('/') >= 0) {
      throw new IllegalArgumentException(what + " must be non-empty and contain no '/': " + name);
    }
    return name;
  }
}
