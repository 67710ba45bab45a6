package dev.ttrpc.codegen;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
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

  /**
   * Names a generated RPC method must not take in the stub or the service interface: the stub's
   * own methods and the public or protected methods of {@link Object}. A clash gets an {@code _}
   * appended.
   */
  static final Set<String> RESERVED_METHOD_NAMES =
      Set.of(
          "withOptions", "withTimeout", "withMetadata", "callOptions",
          "clone", "equals", "finalize", "getClass", "hashCode", "notify", "notifyAll",
          "toString", "wait");

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
  private List<Rpc> rpcs;
  private boolean usesDeprecatedMessages;

  ServiceGenerator(FileDescriptorProto file, int serviceIndex, JavaTypeNames typeNames) {
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
    checkNames();
    return write();
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
      String javaName = JavaIdentifiers.isKeyword(base) ? base + "_" : base;
      if (RESERVED_METHOD_NAMES.contains(javaName)) {
        javaName = javaName + "_";
      }
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
        List.of("request", "requests", "responses", "context", "impl", "client", "options",
            "timeout", "metadata")) {
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
    w.line("// Generated by protoc-gen-ttrpc-java from " + headerSafe(file.getName()) + ". Do not edit.");
    w.blank();
    if (!javaPackage.isEmpty()) {
      w.line("package " + javaPackage + ";");
      w.blank();
    }
    w.javadoc(
        List.of(
            "ttRPC bindings of the service {@code " + serviceFullName + "}: the method"
                + " descriptors, the {@link " + SERVICE_INTERFACE + "} interface a server"
                + " implements and registers with {@link #bindService}, and the {@link "
                + stubName + "} client stub."),
        serviceComment());
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
      w.line("/** Returns {@link #" + rpc.constant() + "}. */");
      if (rpc.deprecated()) {
        w.line("@java.lang.Deprecated");
      }
      w.open("public static " + descriptorType(rpc) + " " + rpc.getter() + "() {");
      w.line("return " + rpc.constant() + ";");
      w.close("}");
    }
  }

  private void writeFactories(SourceWriter w) {
    String client = v("client");
    String impl = v("impl");
    w.blank();
    w.javadoc(
        List.of(
            "A client stub for this service on {@code " + client + "}, with default call options.",
            "The stub does not own the client: closing the client ends every call of the stub."),
        List.of());
    w.open("public static " + stubName + " newStub(dev.ttrpc.TtrpcClient " + client + ") {");
    w.line("return new " + stubName + "(" + client + ", dev.ttrpc.CallOptions.DEFAULT, null);");
    w.close("}");

    w.blank();
    w.javadoc(
        List.of(
            "The definition a {@code dev.ttrpc.TtrpcServer} registers to serve this service with"
                + " {@code " + impl + "}: every method, each bound to the method of {@code " + impl
                + "} with its name."),
        List.of());
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
                + " supports and register the implementation with {@link " + className
                + "#bindService}; a method"
                + " not overridden answers {@code UNIMPLEMENTED}.",
            "Methods are blocking and run concurrently, each call on its own thread (never an I/O"
                + " thread), so implementations must be thread-safe. A method fails the call by"
                + " throwing: a {@code dev.ttrpc.StatusException} is sent as is, anything else as"
                + " {@code UNKNOWN}."),
        List.of());
    w.open("public interface " + SERVICE_INTERFACE + " {");
    boolean first = true;
    for (Rpc rpc : rpcs) {
      if (!first) {
        w.blank();
      }
      first = false;
      String request = v("request");
      String requests = v("requests");
      String responses = v("responses");
      String context = v("context");
      String requestType = rpc.requestType();
      String responseType = rpc.responseType();
      String summary =
          switch (rpc.kind()) {
            case UNARY -> "Serves " + shape(rpc) + ": returns the response.";
            case SERVER_STREAMING ->
                "Serves " + shape(rpc) + ": sends the responses; returning ends the stream.";
            case CLIENT_STREAMING ->
                "Serves " + shape(rpc) + ": reads requests until null, then returns the response.";
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
      String signature =
          (rpc.serverStreaming() ? "void" : responseType) + " " + rpc.javaName() + "("
              + parameters + ", dev.ttrpc.ServerCallContext " + context + ")";
      w.javadoc(List.of(summary), methodComment(rpc));
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
    String client = v("client");
    String options = v("options");
    String timeout = v("timeout");
    String metadata = v("metadata");
    String request = v("request");
    w.blank();
    w.javadoc(
        List.of(
            "The client stub of {@code " + serviceFullName + "}, made by {@link " + className
                + "#newStub}.",
            "Immutable and thread-safe: the {@code with} methods return new stubs. Every call"
                + " fails with a {@code dev.ttrpc.StatusException} carrying the server's status,"
                + " {@code DEADLINE_EXCEEDED}, {@code CANCELLED} or {@code UNAVAILABLE}."),
        List.of());
    w.open("public static final class " + stubName + " {");
    w.line("private final dev.ttrpc.TtrpcClient " + client + ";");
    w.line("private final dev.ttrpc.CallOptions " + options + ";");
    w.line("private final java.time.Duration " + timeout + ";");
    w.blank();
    w.line("private " + stubName + "(");
    w.line("    dev.ttrpc.TtrpcClient " + client + ",");
    w.line("    dev.ttrpc.CallOptions " + options + ",");
    w.open("    java.time.Duration " + timeout + ") {");
    w.line("this." + client + " = java.util.Objects.requireNonNull(" + client + ", \"client\");");
    w.line("this." + options + " = " + options + ";");
    w.line("this." + timeout + " = " + timeout + ";");
    w.close("}");

    w.blank();
    w.javadoc(
        List.of(
            "A stub that uses {@code " + options + "} (deadline and metadata) for every call;"
                + " a timeout set with {@link #withTimeout} is kept and takes precedence over the"
                + " deadline."),
        List.of());
    w.open("public " + stubName + " withOptions(dev.ttrpc.CallOptions " + options + ") {");
    w.line("return new " + stubName + "(");
    w.line("    this." + client + ", java.util.Objects.requireNonNull(" + options + ", \"options\"), this."
        + timeout + ");");
    w.close("}");

    w.blank();
    w.javadoc(
        List.of(
            "A stub whose every call must finish within {@code " + timeout + "} of its start"
                + " (the deadline is computed per call and sent to the server)."),
        List.of());
    w.open("public " + stubName + " withTimeout(java.time.Duration " + timeout + ") {");
    w.line("return new " + stubName + "(");
    w.line("    this." + client + ", this." + options + ", java.util.Objects.requireNonNull(" + timeout
        + ", \"timeout\"));");
    w.close("}");

    w.blank();
    w.javadoc(
        List.of(
            "A stub that sends a copy of {@code " + metadata + "} with every call, replacing the"
                + " metadata of this stub."),
        List.of());
    w.open("public " + stubName + " withMetadata(dev.ttrpc.Metadata " + metadata + ") {");
    w.line("return new " + stubName + "(this." + client + ", this." + options + ".withMetadata("
        + metadata + "), this." + timeout + ");");
    w.close("}");

    w.blank();
    w.open("private dev.ttrpc.CallOptions callOptions() {");
    w.line("return this." + timeout + " == null ? this." + options + " : this." + options
        + ".withTimeout(this." + timeout + ");");
    w.close("}");

    for (Rpc rpc : rpcs) {
      w.blank();
      List<String> comment = methodComment(rpc);
      switch (rpc.kind()) {
        case UNARY -> {
          w.javadoc(List.of("Calls " + shape(rpc) + " and waits for the response."), comment);
          deprecation(w, rpc);
          w.open("public " + rpc.responseType() + " " + rpc.javaName() + "(" + rpc.requestType()
              + " " + request + ") {");
          w.line("return this." + client + ".call(" + rpc.constant() + ", " + request
              + ", callOptions());");
          w.close("}");
          w.blank();
          w.javadoc(
              List.of(
                  "Starts " + shape(rpc) + "; the future completes with the response or a {@code"
                      + " dev.ttrpc.StatusException}."),
              comment);
          deprecation(w, rpc);
          w.open("public java.util.concurrent.CompletableFuture<" + rpc.responseType() + "> "
              + rpc.asyncName() + "(" + rpc.requestType() + " " + request + ") {");
          w.line("return this." + client + ".callAsync(" + rpc.constant() + ", " + request
              + ", callOptions());");
          w.close("}");
        }
        case SERVER_STREAMING -> {
          w.javadoc(
              List.of(
                  "Starts " + shape(rpc) + " with its request; receive the responses until null."),
              comment);
          deprecation(w, rpc);
          w.open("public dev.ttrpc.ServerStreamCall<" + rpc.responseType() + "> " + rpc.javaName()
              + "(" + rpc.requestType() + " " + request + ") {");
          w.line("return this." + client + ".serverStream(" + rpc.constant() + ", " + request
              + ", callOptions());");
          w.close("}");
        }
        case CLIENT_STREAMING -> {
          w.javadoc(
              List.of(
                  "Starts " + shape(rpc) + "; send the requests, then close and receive the"
                      + " response."),
              comment);
          deprecation(w, rpc);
          w.open("public dev.ttrpc.ClientStreamCall<" + rpc.requestType() + ", "
              + rpc.responseType() + "> " + rpc.javaName() + "() {");
          w.line("return this." + client + ".clientStream(" + rpc.constant() + ", callOptions());");
          w.close("}");
        }
        case BIDI_STREAMING -> {
          w.javadoc(
              List.of("Starts " + shape(rpc) + "; send and receive independently."), comment);
          deprecation(w, rpc);
          w.open("public dev.ttrpc.BidiStreamCall<" + rpc.requestType() + ", "
              + rpc.responseType() + "> " + rpc.javaName() + "() {");
          w.line("return this." + client + ".bidiStream(" + rpc.constant() + ", callOptions());");
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
