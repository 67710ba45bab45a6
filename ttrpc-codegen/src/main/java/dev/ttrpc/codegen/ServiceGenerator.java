package dev.ttrpc.codegen;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes {@code <Service>Ttrpc.java} for one proto service: the method descriptors, the
 * server-side {@code Service} interface, {@code bindService}, and the client stub.
 *
 * <p>Generated code names every type fully qualified (no imports) and uses only ttrpc-core's
 * public API, {@code java.*} and the message classes of protoc's {@code java_out}. One instance
 * generates one service; not thread-safe.
 */
final class ServiceGenerator {
  /** Suffix of the generated top-level class, after grpc-java's {@code FooGrpc}. */
  static final String CLASS_SUFFIX = "Ttrpc";
  /** Simple name of the generated server-side interface. */
  static final String SERVICE_INTERFACE = "Service";

  /** The tool name in the generated header and {@code @dev.ttrpc.Generated}. */
  static final String GENERATOR = "protoc-gen-ttrpc-java";

  /**
   * Names an RPC's method never takes, whatever its shape: the methods the stub inherits from
   * {@code dev.ttrpc.AbstractStub} and the service interface from {@code
   * dev.ttrpc.BindableService}. Such an RPC's method gets an {@code _} appended.
   */
  static final Set<String> RESERVED_METHOD_NAMES =
      Set.of(
          "withOptions", "withTimeout", "withDeadline", "withMetadata", "withReplacedMetadata",
          "withInterceptors", "withExecutor", "withMaxMessageSize", "callOptions", "client",
          "build", "bindService");

  /**
   * The methods of {@link Object} that take no arguments. Only the stub methods of client- and
   * bidi-streaming RPCs take no arguments, so only those RPCs get an {@code _} for these names;
   * {@code wait(WaitRequest)} is an overload, not a clash.
   */
  static final Set<String> OBJECT_NO_ARGUMENT_METHODS =
      Set.of(
          "clone", "finalize", "getClass", "hashCode", "notify", "notifyAll", "toString", "wait");

  /**
   * The four RPC shapes: the {@code dev.ttrpc.MethodType} constant and the {@code
   * ServiceDefinition.Builder} method that registers a handler of that shape.
   */
  private enum Shape {
    UNARY("unary"),
    SERVER_STREAMING("serverStreaming"),
    CLIENT_STREAMING("clientStreaming"),
    BIDI_STREAMING("bidiStreaming");

    final String builderMethod;

    Shape(String builderMethod) {
      this.builderMethod = builderMethod;
    }

    static Shape of(MethodDescriptorProto method) {
      if (method.getClientStreaming()) {
        return method.getServerStreaming() ? BIDI_STREAMING : CLIENT_STREAMING;
      }
      return method.getServerStreaming() ? SERVER_STREAMING : UNARY;
    }
  }

  /** What the generated code needs to know about one RPC. */
  private record Rpc(
      MethodDescriptorProto proto,
      int index,
      Shape kind,
      String requestType,
      String responseType,
      String javaName,
      String asyncName,
      String constant,
      String getter) {

    boolean clientStreaming() {
      return proto.getClientStreaming();
    }

    boolean serverStreaming() {
      return proto.getServerStreaming();
    }

    boolean deprecated() {
      return proto.getOptions().getDeprecated();
    }
  }

  private final FileDescriptorProto file;
  private final int serviceIndex;
  private final ServiceDescriptorProto service;
  private final JavaTypeNames typeNames;
  private final String where;
  private final String serviceFullName;
  private final String javaPackage;
  private final String className;
  private final String stubName;
  private final Map<List<Integer>, SourceCodeInfo.Location> locations = new HashMap<>();
  /** First segments of the packages the generated code names types in. */
  private final Set<String> packageRoots = new TreeSet<>(Set.of("java", "dev"));
  /** Top-level classes of the unnamed package the generated code refers to (only there). */
  private final Set<String> classRoots = new TreeSet<>();
  /** Variable names as emitted, after any renaming away from the roots. */
  private final Map<String, String> variables = new HashMap<>();
  private final boolean lite;
  /** The outer class of java_out, as the generated code names it; null without descriptors. */
  private String outerClass;
  private List<Rpc> rpcs;
  private boolean usesDeprecatedMessages;

  /**
   * A generator for service {@code serviceIndex} of {@code file}.
   *
   * @param lite whether protoc's java_out runs in lite mode, where the classes have no
   *     descriptors (then no {@code getServiceDescriptor()} is generated)
   */
  ServiceGenerator(FileDescriptorProto file, int serviceIndex, JavaTypeNames typeNames, boolean lite) {
    this.lite = lite;
    this.file = file;
    this.serviceIndex = serviceIndex;
    this.service = file.getService(serviceIndex);
    this.typeNames = typeNames;
    this.serviceFullName =
        file.getPackage().isEmpty() ? service.getName() : file.getPackage() + "." + service.getName();
    this.where = file.getName() + ": service " + serviceFullName;
    this.javaPackage = JavaTypeNames.javaPackage(file);
    this.className = service.getName() + CLASS_SUFFIX;
    this.stubName = service.getName() + "Stub";
    for (SourceCodeInfo.Location location : file.getSourceCodeInfo().getLocationList()) {
      locations.putIfAbsent(location.getPathList(), location);
    }
  }

  /** The path of the generated file relative to the output directory. */
  String outputPath() {
    String dir = javaPackage.isEmpty() ? "" : javaPackage.replace('.', '/') + "/";
    return dir + className + ".java";
  }

  /** Where the generated class comes from, for error messages about clashes between outputs. */
  String origin() {
    return where;
  }

  /** The source of {@code <Service>Ttrpc.java}. */
  String generate() throws CodeGenerationException {
    rpcs = resolveRpcs();
    resolveOuterClass();
    checkNames();
    return write();
  }

  private void resolveOuterClass() throws CodeGenerationException {
    if (lite || file.getOptions().getOptimizeFor() == FileOptions.OptimizeMode.LITE_RUNTIME) {
      return;
    }
    String simpleName = JavaTypeNames.outerClassName(file);
    if (javaPackage.isEmpty()) {
      classRoots.add(simpleName);
      outerClass = simpleName;
    } else {
      int dot = javaPackage.indexOf('.');
      packageRoots.add(dot < 0 ? javaPackage : javaPackage.substring(0, dot));
      outerClass = javaPackage + "." + simpleName;
    }
    packageRoots.add("com");
  }

  private List<Rpc> resolveRpcs() throws CodeGenerationException {
    List<Rpc> result = new ArrayList<>();
    for (int i = 0; i < service.getMethodCount(); i++) {
      MethodDescriptorProto method = service.getMethod(i);
      String requestType = messageClass(method, method.getInputType());
      String responseType = messageClass(method, method.getOutputType());
      Shape kind = Shape.of(method);
      String base = JavaIdentifiers.mixedLower(method.getName());
      if (!isJavaIdentifier(base)) {
        throw new CodeGenerationException(
            where + ", method " + method.getName() + ": no Java method name can be derived from it");
      }
      String javaName = javaName(base, method.getClientStreaming());
      result.add(
          new Rpc(
              method,
              i,
              kind,
              requestType,
              responseType,
              javaName,
              base + "Async",
              "METHOD_" + JavaIdentifiers.upperSnake(method.getName()),
              "get" + JavaIdentifiers.mixedUpper(method.getName()) + "Method"));
    }
    return result;
  }

  /**
   * The Java name of an RPC's blocking stub method and service method, from its lowerCamelCase
   * name: unchanged unless Java or the stub's base class forbids it, then with {@code _} appended.
   */
  static String javaName(String base, boolean clientStreaming) {
    boolean clash =
        JavaIdentifiers.isKeyword(base)
            || RESERVED_METHOD_NAMES.contains(base)
            || (clientStreaming && OBJECT_NO_ARGUMENT_METHODS.contains(base));
    return clash ? base + "_" : base;
  }

  private String messageClass(MethodDescriptorProto method, String protoType)
      throws CodeGenerationException {
    String javaType;
    String typePackage;
    try {
      javaType = typeNames.messageClassName(protoType);
      typePackage = typeNames.messageJavaPackage(protoType);
    } catch (CodeGenerationException e) {
      throw new CodeGenerationException(
          where + ", method " + method.getName() + ": " + e.getMessage());
    }
    if (typePackage.isEmpty() && !javaPackage.isEmpty()) {
      throw new CodeGenerationException(
          where + ", method " + method.getName() + ": message " + protoType.substring(1)
              + " is in the unnamed Java package, which classes in package " + javaPackage
              + " cannot refer to");
    }
    int dot = javaType.indexOf('.');
    String root = dot < 0 ? javaType : javaType.substring(0, dot);
    if (typePackage.isEmpty()) {
      classRoots.add(root);
    } else {
      packageRoots.add(root);
    }
    usesDeprecatedMessages |= typeNames.isDeprecated(protoType);
    return javaType;
  }

  /**
   * Rejects names that would make the generated code wrong: two RPCs mapping to one Java member,
   * or a generated type or field hiding a package or class the code refers to; renames local
   * variables that would do so.
   */
  private void checkNames() throws CodeGenerationException {
    Map<String, String> stubMembers = new LinkedHashMap<>();
    Map<String, String> constants = new LinkedHashMap<>();
    Map<String, String> getters = new LinkedHashMap<>();
    for (Rpc rpc : rpcs) {
      String name = rpc.proto().getName();
      claim(stubMembers, rpc.javaName(), name, "Java method");
      if (rpc.kind() == Shape.UNARY) {
        claim(stubMembers, rpc.asyncName(), name, "Java method");
      }
      claim(constants, rpc.constant(), name, "constant");
      claim(getters, rpc.getter(), name, "getter");
    }

    Set<String> packageClasses = typeNames.topLevelClassNames(javaPackage);
    if (packageClasses.contains(className)) {
      throw new CodeGenerationException(
          where + ": the generated class " + qualified(className)
              + " clashes with a class protoc's java_out generates in the same package");
    }
    List<String> declaredTypes = List.of(className, SERVICE_INTERFACE, stubName);
    // A type or field with the name of a package's first segment hides that package (JLS 6.4.2).
    for (String root : packageRoots) {
      if (declaredTypes.contains(root) || packageClasses.contains(root)) {
        throw new CodeGenerationException(
            where + ": the class " + root + " would hide the package " + root
                + " that the generated code refers to");
      }
      if (root.equals("SERVICE_NAME") || constants.containsKey(root)) {
        throw new CodeGenerationException(
            where + ": the generated constant " + root + " would hide the package " + root
                + " that the generated code refers to");
      }
    }
    for (String root : classRoots) {
      if (declaredTypes.contains(root)) {
        throw new CodeGenerationException(
            where + ": the generated nested type " + root + " would hide the message class "
                + root + " that the generated code refers to");
      }
    }
    Set<String> roots = new TreeSet<>(packageRoots);
    roots.addAll(classRoots);
    for (String variable :
        List.of("request", "requests", "responses", "context", "impl", "client", "settings")) {
      String name = variable;
      while (roots.contains(name)) {
        name = name + "_";
      }
      variables.put(variable, name);
    }
  }

  private void claim(Map<String, String> taken, String javaName, String rpcName, String what)
      throws CodeGenerationException {
    String previous = taken.putIfAbsent(javaName, rpcName);
    if (previous != null) {
      throw new CodeGenerationException(
          where + ": methods " + previous + " and " + rpcName + " both map to the " + what + " "
              + javaName);
    }
  }

  private static boolean isJavaIdentifier(String name) {
    if (name.isEmpty() || !Character.isJavaIdentifierStart(name.charAt(0))) {
      return false;
    }
    for (int i = 1; i < name.length(); i++) {
      if (!Character.isJavaIdentifierPart(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private String qualified(String simpleName) {
    return javaPackage.isEmpty() ? simpleName : javaPackage + "." + simpleName;
  }

  private String v(String variable) {
    return variables.get(variable);
  }

  private List<String> comment(List<Integer> path) {
    SourceCodeInfo.Location location = locations.get(path);
    if (location == null) {
      return List.of();
    }
    String text =
        location.hasLeadingComments() ? location.getLeadingComments() : location.getTrailingComments();
    return Javadoc.commentLines(text);
  }

  private List<String> serviceComment() {
    return comment(List.of(FileDescriptorProto.SERVICE_FIELD_NUMBER, serviceIndex));
  }

  private List<String> methodComment(Rpc rpc) {
    return comment(
        List.of(
            FileDescriptorProto.SERVICE_FIELD_NUMBER,
            serviceIndex,
            ServiceDescriptorProto.METHOD_FIELD_NUMBER,
            rpc.index()));
  }

  private static String descriptorType(Rpc rpc) {
    return "dev.ttrpc.MethodDescriptor<" + rpc.requestType() + ", " + rpc.responseType() + ">";
  }

  /** The RPC as declared, e.g. {@code rpc Count(stream demo.Point) returns (demo.Summary)}. */
  private static String shape(Rpc rpc) {
    MethodDescriptorProto method = rpc.proto();
    return "{@code rpc " + method.getName() + "(" + (rpc.clientStreaming() ? "stream " : "")
        + protoTypeName(method.getInputType()) + ") returns ("
        + (rpc.serverStreaming() ? "stream " : "") + protoTypeName(method.getOutputType()) + ")}";
  }

  private static String protoTypeName(String fullyQualified) {
    return fullyQualified.startsWith(".") ? fullyQualified.substring(1) : fullyQualified;
  }

  private String write() {
    SourceWriter w = new SourceWriter();
    w.line("// Generated by " + GENERATOR + " from " + headerSafe(file.getName()) + ". Do not edit.");
    w.blank();
    if (!javaPackage.isEmpty()) {
      w.line("package " + javaPackage + ";");
      w.blank();
    }
    w.javadoc(
        List.of(
            "ttRPC bindings of the service {@code " + serviceFullName + "}: the method"
                + " descriptors, the {@link " + SERVICE_INTERFACE + "} interface a server"
                + " implements and registers, and the {@link " + stubName + "} client stub."),
        serviceComment());
    w.line("@dev.ttrpc.Generated(value = \"" + GENERATOR + "\", source = \""
        + headerSafe(file.getName()).replace("\"", "\\\"") + "\")");
    if (service.getOptions().getDeprecated()) {
      w.line("@java.lang.Deprecated");
    }
    if (usesDeprecatedMessages) {
      w.line("@java.lang.SuppressWarnings(\"deprecation\")");
    }
    w.open("public final class " + className + " {");
    writeDescriptors(w);
    w.blank();
    w.line("private " + className + "() {}");
    writeGetters(w);
    writeServiceDescriptor(w);
    writeFactories(w);
    writeServiceInterface(w);
    writeStub(w);
    w.close("}");
    return w.toString();
  }

  private void writeDescriptors(SourceWriter w) {
    w.line("/** The fully qualified proto name of the service, as it goes on the wire. */");
    w.line("public static final java.lang.String SERVICE_NAME = \"" + serviceFullName + "\";");
    for (Rpc rpc : rpcs) {
      w.blank();
      w.javadoc(List.of("The descriptor of " + shape(rpc) + "."), methodComment(rpc));
      if (rpc.deprecated()) {
        w.line("@java.lang.Deprecated");
      }
      w.line("public static final " + descriptorType(rpc) + " " + rpc.constant() + " =");
      w.line("    dev.ttrpc.MethodDescriptor.of(");
      w.line("        dev.ttrpc.MethodType." + rpc.kind() + ",");
      w.line("        SERVICE_NAME,");
      w.line("        \"" + rpc.proto().getName() + "\",");
      w.line("        dev.ttrpc.Marshaller.protobuf(" + rpc.requestType() + ".getDefaultInstance()),");
      w.line("        dev.ttrpc.Marshaller.protobuf(" + rpc.responseType() + ".getDefaultInstance()));");
    }
  }

  private void writeGetters(SourceWriter w) {
    for (Rpc rpc : rpcs) {
      w.blank();
      w.javadoc(
          List.of("The descriptor of " + shape(rpc) + "."),
          List.of(),
          List.of("@return {@link #" + rpc.constant() + "}"));
      if (rpc.deprecated()) {
        w.line("@java.lang.Deprecated");
      }
      w.open("public static " + descriptorType(rpc) + " " + rpc.getter() + "() {");
      w.line("return " + rpc.constant() + ";");
      w.close("}");
    }
  }

  /** {@code getServiceDescriptor()}, when protoc's java_out writes descriptors (not lite). */
  private void writeServiceDescriptor(SourceWriter w) {
    if (outerClass == null) {
      return;
    }
    w.blank();
    w.javadoc(
        List.of(
            "The proto descriptor of {@code " + serviceFullName + "}, for tools that work from"
                + " descriptors (reflection, CLIs, documentation)."),
        List.of(),
        List.of("@return the service's descriptor from the file's descriptor"));
    w.open("public static com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {");
    w.line("return " + outerClass + ".getDescriptor().getServices().get(" + serviceIndex + ");");
    w.close("}");
  }

  private void writeFactories(SourceWriter w) {
    String client = v("client");
    String impl = v("impl");
    w.blank();
    w.javadoc(
        List.of(
            "A client stub for this service on {@code " + client + "}, with default settings (no"
                + " deadline, no metadata).",
            "The stub does not own the client: closing the client ends every call of the stub."),
        List.of(),
        List.of("@param " + client + " the connection the stub calls through", "@return a new stub"));
    w.open("public static " + stubName + " newStub(dev.ttrpc.TtrpcClient " + client + ") {");
    w.line("return new " + stubName + "(dev.ttrpc.StubSettings.of(" + client + "));");
    w.close("}");

    w.blank();
    w.javadoc(
        List.of(
            "The definition a {@code dev.ttrpc.TtrpcServer} registers to serve this service with"
                + " {@code " + impl + "}: every method, each bound to the method of {@code " + impl
                + "} with its name. {@code addService(" + impl + ")} does the same, since {@link "
                + SERVICE_INTERFACE + "} binds itself."),
        List.of(),
        List.of(
            "@param " + impl + " the implementation that serves the calls",
            "@return the service definition"));
    w.open("public static dev.ttrpc.ServiceDefinition bindService(" + SERVICE_INTERFACE + " " + impl + ") {");
    w.line("java.util.Objects.requireNonNull(" + impl + ", \"impl\");");
    if (rpcs.isEmpty()) {
      w.line("return dev.ttrpc.ServiceDefinition.builder(SERVICE_NAME).build();");
    } else {
      w.line("return dev.ttrpc.ServiceDefinition.builder(SERVICE_NAME)");
      for (Rpc rpc : rpcs) {
        w.line("    ." + rpc.kind().builderMethod + "(" + rpc.constant() + ", " + impl + "::" + rpc.javaName() + ")");
      }
      w.line("    .build();");
    }
    w.close("}");
  }

  private void writeServiceInterface(SourceWriter w) {
    w.blank();
    w.javadoc(
        List.of(
            "The server side of {@code " + serviceFullName + "}. Override the methods the server"
                + " supports and register the implementation with {@code"
                + " dev.ttrpc.TtrpcServerBuilder.addService(impl)}; a method not overridden"
                + " answers {@code UNIMPLEMENTED}.",
            "Methods are blocking and run concurrently, each call on its own thread (never an I/O"
                + " thread), so implementations must be thread-safe. A method fails the call by"
                + " throwing: a {@code dev.ttrpc.StatusException} is sent as is, anything else as"
                + " {@code UNKNOWN}."),
        List.of());
    w.open("public interface " + SERVICE_INTERFACE + " extends dev.ttrpc.BindableService {");
    w.javadoc(
        List.of("This implementation as a service definition, for {@code addService}."),
        List.of(),
        List.of("@return {@code " + className + ".bindService(this)}"));
    w.line("@java.lang.Override");
    w.open("default dev.ttrpc.ServiceDefinition bindService() {");
    w.line("return " + className + ".bindService(this);");
    w.close("}");
    for (Rpc rpc : rpcs) {
      w.blank();
      String request = v("request");
      String requests = v("requests");
      String responses = v("responses");
      String context = v("context");
      String requestType = rpc.requestType();
      String responseType = rpc.responseType();
      String summary =
          switch (rpc.kind()) {
            case UNARY -> "Serves " + shape(rpc) + ".";
            case SERVER_STREAMING ->
                "Serves " + shape(rpc) + ": sends the responses; returning ends the stream.";
            case CLIENT_STREAMING ->
                "Serves " + shape(rpc) + ": reads requests until null (or iterates over them),"
                    + " then returns the response.";
            case BIDI_STREAMING ->
                "Serves " + shape(rpc) + ": reads and sends in any order; returning ends the"
                    + " response stream.";
          };
      String parameters =
          switch (rpc.kind()) {
            case UNARY -> requestType + " " + request;
            case SERVER_STREAMING ->
                requestType + " " + request + ", dev.ttrpc.StreamSender<" + responseType + "> "
                    + responses;
            case CLIENT_STREAMING -> "dev.ttrpc.StreamReceiver<" + requestType + "> " + requests;
            case BIDI_STREAMING ->
                "dev.ttrpc.StreamReceiver<" + requestType + "> " + requests
                    + ", dev.ttrpc.StreamSender<" + responseType + "> " + responses;
          };
      List<String> tags = new ArrayList<>();
      if (rpc.clientStreaming()) {
        tags.add("@param " + requests + " the client's requests");
      } else {
        tags.add("@param " + request + " the client's request");
      }
      if (rpc.serverStreaming()) {
        tags.add("@param " + responses + " where the responses go");
      }
      tags.add("@param " + context + " the call's metadata, deadline and cancellation");
      if (!rpc.serverStreaming()) {
        tags.add("@return the response");
      }
      String signature =
          (rpc.serverStreaming() ? "void" : responseType) + " " + rpc.javaName() + "("
              + parameters + ", dev.ttrpc.ServerCallContext " + context + ")";
      w.javadoc(List.of(summary), methodComment(rpc), tags);
      if (rpc.deprecated()) {
        w.line("@java.lang.Deprecated");
      }
      w.open("default " + signature + " {");
      w.line("throw dev.ttrpc.Status.UNIMPLEMENTED");
      w.line("    .withMessage(\"method " + rpc.proto().getName() + " not implemented\")");
      w.line("    .asException();");
      w.close("}");
    }
    w.close("}");
  }

  private void writeStub(SourceWriter w) {
    String request = v("request");
    String settings = v("settings");
    w.blank();
    w.javadoc(
        List.of(
            "The client stub of {@code " + serviceFullName + "}, made by {@link " + className
                + "#newStub}: for each RPC a blocking method, and for unary RPCs also one named"
                + " {@code ...Async} that returns a future.",
            "Immutable and thread-safe: the {@code with} methods inherited from {@code"
                + " dev.ttrpc.AbstractStub} return new stubs. Every call fails with a {@code"
                + " dev.ttrpc.StatusException} carrying the server's status, {@code"
                + " DEADLINE_EXCEEDED}, {@code CANCELLED} or {@code UNAVAILABLE}."),
        List.of());
    w.open("public static final class " + stubName + " extends dev.ttrpc.AbstractStub<" + stubName + "> {");
    w.open("private " + stubName + "(dev.ttrpc.StubSettings " + settings + ") {");
    w.line("super(" + settings + ");");
    w.close("}");
    w.blank();
    w.javadoc(
        List.of("A stub of this type with other settings."),
        List.of(),
        List.of("@param " + settings + " the new stub's settings", "@return a new stub"));
    w.line("@java.lang.Override");
    w.open("protected " + stubName + " build(dev.ttrpc.StubSettings " + settings + ") {");
    w.line("return new " + stubName + "(" + settings + ");");
    w.close("}");

    for (Rpc rpc : rpcs) {
      w.blank();
      List<String> comment = methodComment(rpc);
      String requestTag = "@param " + request + " the request";
      switch (rpc.kind()) {
        case UNARY -> {
          w.javadoc(
              List.of("Calls " + shape(rpc) + " and waits for the response."),
              comment,
              List.of(requestTag, "@return the response"));
          deprecation(w, rpc);
          w.open("public " + rpc.responseType() + " " + rpc.javaName() + "(" + rpc.requestType()
              + " " + request + ") {");
          w.line("return client().call(" + rpc.constant() + ", " + request + ", callOptions());");
          w.close("}");
          w.blank();
          w.javadoc(
              List.of("Starts " + shape(rpc) + "."),
              comment,
              List.of(
                  requestTag,
                  "@return a future of the response, failed with a {@code"
                      + " dev.ttrpc.StatusException} if the call fails; cancelling it abandons"
                      + " the call"));
          deprecation(w, rpc);
          w.open("public java.util.concurrent.CompletableFuture<" + rpc.responseType() + "> "
              + rpc.asyncName() + "(" + rpc.requestType() + " " + request + ") {");
          w.line("return client().callAsync(" + rpc.constant() + ", " + request + ", callOptions());");
          w.close("}");
        }
        case SERVER_STREAMING -> {
          w.javadoc(
              List.of("Starts " + shape(rpc) + " with its request."),
              comment,
              List.of(
                  requestTag,
                  "@return the call: iterate over it (or {@code receive()} until null) for the"
                      + " responses; close it to abandon the call early"));
          deprecation(w, rpc);
          w.open("public dev.ttrpc.ServerStreamCall<" + rpc.responseType() + "> " + rpc.javaName()
              + "(" + rpc.requestType() + " " + request + ") {");
          w.line("return client().serverStream(" + rpc.constant() + ", " + request + ", callOptions());");
          w.close("}");
        }
        case CLIENT_STREAMING -> {
          w.javadoc(
              List.of("Starts " + shape(rpc) + "."),
              comment,
              List.of("@return the call: send the requests, then {@code closeAndReceive()} the"
                  + " response"));
          deprecation(w, rpc);
          w.open("public dev.ttrpc.ClientStreamCall<" + rpc.requestType() + ", "
              + rpc.responseType() + "> " + rpc.javaName() + "() {");
          w.line("return client().clientStream(" + rpc.constant() + ", callOptions());");
          w.close("}");
        }
        case BIDI_STREAMING -> {
          w.javadoc(
              List.of("Starts " + shape(rpc) + "."),
              comment,
              List.of("@return the call: send and receive independently, {@code closeSend()}"
                  + " when done sending"));
          deprecation(w, rpc);
          w.open("public dev.ttrpc.BidiStreamCall<" + rpc.requestType() + ", "
              + rpc.responseType() + "> " + rpc.javaName() + "() {");
          w.line("return client().bidiStream(" + rpc.constant() + ", callOptions());");
          w.close("}");
        }
      }
    }
    w.close("}");
  }

  private static void deprecation(SourceWriter w, Rpc rpc) {
    if (rpc.deprecated()) {
      w.line("@java.lang.Deprecated");
    }
  }

  /** The file name as it may appear in a line comment: printable ASCII, no Unicode escapes. */
  private static String headerSafe(String name) {
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else {
        out.append(c >= 0x20 && c < 0x7f ? c : '?');
      }
    }
    return out.toString();
  }
}
