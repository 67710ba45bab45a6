package dev.ttrpc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.Edition;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generator as a function of hand-built requests; no protoc involved. */
class TtrpcCodeGeneratorTest {

  private static MethodDescriptorProto rpc(String name, String in, String out) {
    return MethodDescriptorProto.newBuilder().setName(name).setInputType(in).setOutputType(out).build();
  }

  private static FileDescriptorProto.Builder file(String name, String pkg, MethodDescriptorProto... rpcs) {
    return FileDescriptorProto.newBuilder()
        .setName(name)
        .setPackage(pkg)
        .setSyntax("proto3")
        .addMessageType(DescriptorProto.newBuilder().setName("M"))
        .addService(ServiceDescriptorProto.newBuilder().setName("Svc").addAllMethod(List.of(rpcs)));
  }

  private static CodeGeneratorResponse generate(String parameter, FileDescriptorProto... files) {
    CodeGeneratorRequest.Builder request = CodeGeneratorRequest.newBuilder().setParameter(parameter);
    for (FileDescriptorProto f : files) {
      request.addProtoFile(f);
    }
    request.addFileToGenerate(files[files.length - 1].getName());
    return TtrpcCodeGenerator.generate(request.build());
  }

  @Test
  void declaresProto3OptionalEditionsAndEditionRange() {
    CodeGeneratorResponse response = generate("", file("a.proto", "p").build());
    assertEquals(
        CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE
            | CodeGeneratorResponse.Feature.FEATURE_SUPPORTS_EDITIONS_VALUE,
        response.getSupportedFeatures());
    assertEquals(Edition.EDITION_PROTO2_VALUE, response.getMinimumEdition());
    assertEquals(Edition.EDITION_2024_VALUE, response.getMaximumEdition());
    assertEquals("", response.getError());
    assertEquals("p/SvcTtrpc.java", response.getFile(0).getName());
  }

  @Test
  void unknownParameterIsAnErrorWithoutFiles() {
    CodeGeneratorResponse response =
        generate("lite,fast", file("a.proto", "p", rpc("Go", ".p.M", ".p.M")).build());
    assertEquals(
        "unknown parameter 'fast': protoc-gen-ttrpc-java takes only 'lite' (for messages"
            + " generated with --java_out=lite:...)",
        response.getError());
    assertEquals(0, response.getFileCount());
  }

  @Test
  void liteParameterLeavesOutTheDescriptorAccessor() {
    String full = generate("", file("a.proto", "p", rpc("Go", ".p.M", ".p.M")).build())
        .getFile(0).getContent();
    assertTrue(full.contains("p.A.getDescriptor().getServices().get(0)"), full);
    String lite = generate("lite", file("a.proto", "p", rpc("Go", ".p.M", ".p.M")).build())
        .getFile(0).getContent();
    assertTrue(!lite.contains("getServiceDescriptor"), lite);
  }

  @Test
  void javaNamesChangeOnlyWhereJavaOrTheStubForbidTheName() {
    assertEquals("wait", ServiceGenerator.javaName("wait", false));
    assertEquals("wait_", ServiceGenerator.javaName("wait", true));
    assertEquals("getClass", ServiceGenerator.javaName("getClass", false));
    assertEquals("toString_", ServiceGenerator.javaName("toString", true));
    assertEquals("equals", ServiceGenerator.javaName("equals", true));
    assertEquals("default_", ServiceGenerator.javaName("default", false));
    assertEquals("withTimeout_", ServiceGenerator.javaName("withTimeout", false));
    assertEquals("client_", ServiceGenerator.javaName("client", false));
    assertEquals("bindService_", ServiceGenerator.javaName("bindService", false));
    assertEquals("sayHello", ServiceGenerator.javaName("sayHello", true));
  }

  @Test
  void emptyParameterItemsAreIgnored() {
    assertEquals("", generate(" , ", file("a.proto", "p").build()).getError());
  }

  @Test
  void fileWithoutServicesGeneratesNothing() {
    FileDescriptorProto messagesOnly = file("a.proto", "p").clearService().build();
    CodeGeneratorResponse response = generate("", messagesOnly);
    assertEquals("", response.getError());
    assertEquals(0, response.getFileCount());
  }

  @Test
  void missingFileToGenerateIsReported() {
    CodeGeneratorResponse response =
        TtrpcCodeGenerator.generate(
            CodeGeneratorRequest.newBuilder().addFileToGenerate("ghost.proto").build());
    assertEquals("ghost.proto: listed in file_to_generate but missing from proto_file", response.getError());
  }

  @Test
  void undefinedMessageTypeNamesFileServiceAndMethod() {
    CodeGeneratorResponse response =
        generate("", file("a.proto", "p", rpc("Go", ".p.Nope", ".p.M")).build());
    assertEquals(
        "a.proto: service p.Svc, method Go: message type .p.Nope is not defined in any file of"
            + " the request",
        response.getError());
  }

  @Test
  void unsupportedEditionIsReported() {
    FileDescriptorProto future =
        file("f.proto", "p").setSyntax("editions").setEdition(Edition.EDITION_UNSTABLE).build();
    assertTrue(generate("", future).getError().startsWith("f.proto: edition EDITION_UNSTABLE is not supported"));
  }

  @Test
  void messageInUnnamedPackageCannotBeUsedFromNamedPackage() {
    FileDescriptorProto unnamed =
        FileDescriptorProto.newBuilder()
            .setName("u.proto")
            .setSyntax("proto3")
            .addMessageType(DescriptorProto.newBuilder().setName("U"))
            .build();
    FileDescriptorProto user = file("a.proto", "p", rpc("Go", ".U", ".p.M")).addDependency("u.proto").build();
    assertEquals(
        "a.proto: service p.Svc, method Go: message U is in the unnamed Java package, which"
            + " classes in package p cannot refer to",
        generate("", unnamed, user).getError());
  }

  @Test
  void generatedTypeHidingAPackageIsReported() {
    // Messages of package "Service" would be hidden by the nested interface named Service.
    FileDescriptorProto other =
        FileDescriptorProto.newBuilder()
            .setName("o.proto")
            .setPackage("Service.v1")
            .setSyntax("proto3")
            .addMessageType(DescriptorProto.newBuilder().setName("X"))
            .build();
    FileDescriptorProto user =
        file("a.proto", "p", rpc("Go", ".Service.v1.X", ".p.M")).addDependency("o.proto").build();
    assertEquals(
        "a.proto: service p.Svc: the class Service would hide the package Service that the"
            + " generated code refers to",
        generate("", other, user).getError());
  }

  @Test
  void classOfThePackageHidingTheDevPackageIsReported() {
    FileDescriptorProto file =
        file("a.proto", "p", rpc("Go", ".p.M", ".p.M"))
            .setOptions(FileOptions.newBuilder().setJavaMultipleFiles(true))
            .addMessageType(DescriptorProto.newBuilder().setName("dev"))
            .build();
    assertEquals(
        "a.proto: service p.Svc: the class dev would hide the package dev that the generated"
            + " code refers to",
        generate("", file).getError());
  }

  @Test
  void twoServicesWritingTheSameClassAreReported() {
    FileDescriptorProto a =
        file("a.proto", "p1").setOptions(FileOptions.newBuilder().setJavaPackage("same")).build();
    FileDescriptorProto b =
        file("b.proto", "p2").setOptions(FileOptions.newBuilder().setJavaPackage("same")).build();
    CodeGeneratorResponse response =
        TtrpcCodeGenerator.generate(
            CodeGeneratorRequest.newBuilder()
                .addProtoFile(a)
                .addProtoFile(b)
                .addFileToGenerate("a.proto")
                .addFileToGenerate("b.proto")
                .build());
    assertEquals(
        "b.proto: service p2.Svc: generates same/SvcTtrpc.java, as does a.proto: service p1.Svc",
        response.getError());
    assertEquals(0, response.getFileCount());
  }

  @Test
  void methodCommentsAndDeprecationReachTheSource() {
    MethodDescriptorProto old =
        rpc("Old", ".p.M", ".p.M").toBuilder()
            .setOptions(com.google.protobuf.DescriptorProtos.MethodOptions.newBuilder().setDeprecated(true))
            .build();
    FileDescriptorProto f =
        file("a.proto", "p", old)
            .setSourceCodeInfo(
                SourceCodeInfo.newBuilder()
                    .addLocation(
                        SourceCodeInfo.Location.newBuilder()
                            .addAllPath(List.of(6, 0, 2, 0))
                            .setLeadingComments(" Use New instead. */ @see\n")))
            .build();
    String source = generate("", f).getFile(0).getContent();
    assertTrue(source.contains("   *  Use New instead. *&#47; &#64;see\n"), source);
    assertTrue(source.contains("  @java.lang.Deprecated\n  public static final"), source);
    assertTrue(source.contains("    @java.lang.Deprecated\n    default p.A.M old("), source);
    assertTrue(source.contains("    @java.lang.Deprecated\n    public p.A.M old("), source);
  }

  @Test
  void sameRequestGivesIdenticalBytes() {
    FileDescriptorProto f =
        file("a.proto", "p", rpc("A", ".p.M", ".p.M"), rpc("B", ".p.M", ".p.M")).build();
    assertEquals(generate("", f).toByteString(), generate("", f).toByteString());
  }
}
