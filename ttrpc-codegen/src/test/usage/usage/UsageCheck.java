package usage;

import demo.names.NamesOuterClass.M;
import demo.names.NamesTtrpc;
import demo.shapes.ShapesOuterClass.Point;
import demo.shapes.ShapesOuterClass.Summary;
import demo.shapes.ShapesTtrpc;
import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.CallOptions;
import dev.ttrpc.ClientStreamCall;
import dev.ttrpc.Metadata;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.MethodType;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.ServerMethod;
import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Compiled together with the generated code by ProtocPluginTest and run there: uses the
 * generated API the way applications do and throws AssertionError on any mismatch.
 */
public final class UsageCheck {
  private UsageCheck() {}

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new AssertionError(what);
    }
  }

  public static void run() throws Exception {
    serviceBinding();
    marshallers();
    stubCalls();
    namesCompile();
  }

  private static void serviceBinding() throws Exception {
    ShapesTtrpc.Service impl =
        new ShapesTtrpc.Service() {
          @Override
          public Point echo(Point request, ServerCallContext context) {
            return request.toBuilder().setX(request.getX() + 1).build();
          }
        };
    ServiceDefinition definition = ShapesTtrpc.bindService(impl);
    check(impl.bindService().name().equals(definition.name()), "the implementation binds itself");
    dev.ttrpc.BindableService bindable = impl;
    dev.ttrpc.TtrpcServer.builder().addService(bindable).addService(demo.names.ServiceTtrpc.bindService(
        new demo.names.ServiceTtrpc.Service() {}));
    com.google.protobuf.Descriptors.ServiceDescriptor descriptor = ShapesTtrpc.getServiceDescriptor();
    check(descriptor.getFullName().equals(ShapesTtrpc.SERVICE_NAME), "descriptor " + descriptor.getFullName());
    check(descriptor.findMethodByName("Echo").getInputType() == Point.getDescriptor(), "descriptor types");
    check(demo.names.TasksTtrpc.getServiceDescriptor().getName().equals("Tasks"), "second service's index");
    for (java.lang.reflect.Method m : demo.lite.LiteTtrpc.class.getMethods()) {
      check(!m.getName().equals("getServiceDescriptor"), "no descriptors in lite mode");
    }
    check(definition.name().equals("demo.shapes.Shapes"), "service name " + definition.name());
    check(definition.methods().size() == 5, "method count");
    check(definition.method("Echo").descriptor() == ShapesTtrpc.METHOD_ECHO, "Echo descriptor");
    check(ShapesTtrpc.getEchoMethod() == ShapesTtrpc.METHOD_ECHO, "getter");
    check(ShapesTtrpc.METHOD_LINE.type() == MethodType.SERVER_STREAMING, "Line type");
    check(ShapesTtrpc.METHOD_COUNT.type() == MethodType.CLIENT_STREAMING, "Count type");
    check(ShapesTtrpc.METHOD_LABEL.type() == MethodType.BIDI_STREAMING, "Label type");
    check(ShapesTtrpc.METHOD_LABEL.fullMethodName().equals("/demo.shapes.Shapes/Label"), "name");

    @SuppressWarnings("unchecked")
    ServerMethod<Point, Point> echo = (ServerMethod<Point, Point>) definition.method("Echo");
    Point answer = echo.unaryHandler().handle(Point.newBuilder().setX(1).build(), null);
    check(answer.getX() == 2, "Echo handled by the implementation");

    @SuppressWarnings("unchecked")
    ServerMethod<Point, Summary> count = (ServerMethod<Point, Summary>) definition.method("Count");
    check(count.clientStreamingHandler() != null, "Count bound as client streaming");
    @SuppressWarnings("unchecked")
    ServerMethod<Point, Point> line = (ServerMethod<Point, Point>) definition.method("Line");
    try {
      line.serverStreamingHandler().handle(Point.getDefaultInstance(), message -> {}, null);
      throw new AssertionError("Line should be unimplemented");
    } catch (StatusException e) {
      check(e.code() == Status.Code.UNIMPLEMENTED, "code " + e.code());
      check(e.status().message().equals("method Line not implemented"), e.status().message());
    }
  }

  private static void marshallers() throws Exception {
    Point point = Point.newBuilder().setX(7).setY(-3).build();
    MethodDescriptor<Point, Point> method = ShapesTtrpc.METHOD_ECHO;
    ByteBuffer buffer = ByteBuffer.allocate(method.requestMarshaller().serializedSize(point));
    method.requestMarshaller().serialize(point, buffer);
    buffer.flip();
    check(method.requestMarshaller().parse(buffer).equals(point), "marshaller round trip");
  }

  private static void stubCalls() {
    RecordingClient client = new RecordingClient();
    Point point = Point.newBuilder().setX(1).build();
    ShapesTtrpc.ShapesStub plain = ShapesTtrpc.newStub(client);
    ShapesTtrpc.ShapesStub tuned =
        plain.withMetadata(Metadata.of("k", "v")).withTimeout(Duration.ofSeconds(30));

    check(tuned.echo(point).equals(point), "unary answer");
    check(client.method == ShapesTtrpc.METHOD_ECHO, "unary descriptor");
    check(client.request == point, "unary request");
    check("v".equals(client.options.metadata().get("k")), "metadata sent");
    check(client.options.deadline() != null, "deadline set per call");
    long remaining = client.options.deadline().remainingNanos();
    check(remaining > 0 && remaining <= Duration.ofSeconds(30).toNanos(), "deadline " + remaining);

    check(tuned.echoAsync(point).join().equals(point), "async answer");
    check(client.method == ShapesTtrpc.METHOD_ECHO && client.async, "async call");

    tuned.withMetadata(Metadata.of("k", "w")).echo(point);
    check(client.options.metadata().getAll("k").equals(java.util.List.of("v", "w")), "withMetadata adds");
    tuned.withReplacedMetadata(Metadata.of("k", "x")).echo(point);
    check(client.options.metadata().getAll("k").equals(java.util.List.of("x")), "withReplacedMetadata");
    dev.ttrpc.Deadline deadline = dev.ttrpc.Deadline.after(Duration.ofMinutes(5));
    tuned.withDeadline(deadline).echo(point);
    check(client.options.deadline() == deadline, "withDeadline replaces the timeout");
    java.util.List<String> intercepted = new java.util.ArrayList<>();
    ShapesTtrpc.ShapesStub configured =
        plain
            .withInterceptors(
                new dev.ttrpc.ClientInterceptor() {
                  @Override
                  public <Q, R> CompletableFuture<R> interceptUnary(
                      MethodDescriptor<Q, R> method, Q request, CallOptions options,
                      UnaryInvoker<Q, R> next) {
                    intercepted.add(method.methodName());
                    return next.invoke(request, options);
                  }
                })
            .withExecutor(Runnable::run)
            .withMaxMessageSize(1024);
    check(configured.echo(point).equals(point), "configured stub answers");
    check(intercepted.equals(java.util.List.of("Echo")), "stub interceptor ran: " + intercepted);

    plain.echo(point);
    check(client.options.metadata().isEmpty(), "with* did not change the original stub");
    check(client.options.deadline() == null, "no deadline on the original stub");

    plain.withOptions(CallOptions.metadata(Metadata.of("a", "b"))).line(point);
    check(client.method == ShapesTtrpc.METHOD_LINE && client.request == point, "server stream");
    check("b".equals(client.options.metadata().get("a")), "options passed");
    plain.count();
    check(client.method == ShapesTtrpc.METHOD_COUNT, "client stream");
    plain.label();
    check(client.method == ShapesTtrpc.METHOD_LABEL, "bidi stream");
  }

  /** Compiles only if the generated Java names are the documented ones. */
  private static void namesCompile() {
    RecordingClient client = new RecordingClient();
    NamesTtrpc.NamesStub stub = NamesTtrpc.newStub(client);
    M m = M.getDefaultInstance();
    stub.default_(m);
    stub.defaultAsync(m).join();
    stub.do_(m);
    stub.sendInner(m);
    stub.get2Things(m);
    stub.toString_();
    stub.hashCode_();
    stub.getClass(m);
    stub.withTimeout_(m);
    stub.callOptions_(m);
    stub.wait_();
    NamesTtrpc.NamesStub unescaped = stub.withDeadline(null);
    check(unescaped.getClass(m) == null, "getClass(M) is an overload, not Object.getClass()");

    demo.names.TasksTtrpc.TasksStub tasks = demo.names.TasksTtrpc.newStub(client);
    check(tasks.wait(m) == m, "wait(M) calls Wait");
    check(client.method == demo.names.TasksTtrpc.METHOD_WAIT, "Wait descriptor");
    check(tasks.waitAsync(m).join() == m, "waitAsync has the same base name");
    tasks.notify(m);
    check(client.method == demo.names.TasksTtrpc.METHOD_NOTIFY, "notify(M) calls Notify");
    check(tasks.equals(m) == m, "equals(M) calls Equals");
    tasks.client_(m);
    tasks.clientAsync(m).join();
    tasks.build_();
    tasks.bindService_(m);
    tasks.withDeadline_(m);
    tasks.withDeadlineAsync(m).join();
    demo.names.TasksTtrpc.Service taskService =
        new demo.names.TasksTtrpc.Service() {
          @Override
          public M wait(M request, ServerCallContext context) {
            return request;
          }
        };
    check(taskService.bindService().method("Wait") != null, "the service binds itself");
    stub.class_(m);
    stub.hTTPGet(m);
    check(client.method == NamesTtrpc.METHOD_HTTPGET, "HTTPGet constant");
    check(NamesTtrpc.getSendInnerMethod().methodName().equals("send_inner"), "proto name kept");
    check(NamesTtrpc.METHOD_DO.methodName().equals("do"), "proto name kept");
    demo.names.ServiceTtrpc.Service service = new demo.names.ServiceTtrpc.Service() {};
    check(demo.names.ServiceTtrpc.bindService(service).method("Run") != null, "Service service");
    request.context.CallsTtrpc.newStub(client).make(request.context.ClientPkg.Call.getDefaultInstance());
    check(client.method == request.context.CallsTtrpc.METHOD_MAKE, "renamed parameters");
  }

  /** A client that records the last call and answers unary calls with the request. */
  private static final class RecordingClient implements TtrpcClient {
    MethodDescriptor<?, ?> method;
    Object request;
    CallOptions options;
    boolean async;

    private void record(MethodDescriptor<?, ?> method, Object request, CallOptions options) {
      this.method = method;
      this.request = request;
      this.options = options;
      this.async = false;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> R call(MethodDescriptor<Q, R> method, Q request, CallOptions options) {
      record(method, request, options);
      return (R) request;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, R> CompletableFuture<R> callAsync(
        MethodDescriptor<Q, R> method, Q request, CallOptions options) {
      record(method, request, options);
      async = true;
      return CompletableFuture.completedFuture((R) request);
    }

    @Override
    public <Q, R> ClientStreamCall<Q, R> clientStream(
        MethodDescriptor<Q, R> method, CallOptions options) {
      record(method, null, options);
      return null;
    }

    @Override
    public <Q, R> ServerStreamCall<R> serverStream(
        MethodDescriptor<Q, R> method, Q request, CallOptions options) {
      record(method, request, options);
      return null;
    }

    @Override
    public <Q, R> BidiStreamCall<Q, R> bidiStream(
        MethodDescriptor<Q, R> method, CallOptions options) {
      record(method, null, options);
      return null;
    }

    @Override
    public boolean isClosed() {
      return false;
    }

    @Override
    public CompletableFuture<Void> closeFuture() {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {}
  }
}
