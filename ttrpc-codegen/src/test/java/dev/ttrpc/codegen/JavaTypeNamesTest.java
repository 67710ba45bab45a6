package dev.ttrpc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.Edition;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FeatureSet;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.JavaFeaturesProto;
import com.google.protobuf.JavaFeaturesProto.JavaFeatures;
import com.google.protobuf.JavaFeaturesProto.JavaFeatures.NestInFileClassFeature.NestInFileClass;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The name-resolution matrix, on hand-built descriptors. ProtocPluginTest checks the same rules
 * end to end by compiling against protoc's own java_out.
 */
class JavaTypeNamesTest {

  private static FileDescriptorProto.Builder proto3(String name, String pkg) {
    return FileDescriptorProto.newBuilder().setName(name).setPackage(pkg).setSyntax("proto3");
  }

  private static DescriptorProto message(String name, DescriptorProto... nested) {
    return DescriptorProto.newBuilder().setName(name).addAllNestedType(List.of(nested)).build();
  }

  private static String resolve(FileDescriptorProto file, String type) throws Exception {
    return new JavaTypeNames(List.of(file)).messageClassName(type);
  }

  @Test
  void proto2WithoutOptionsNestsInCamelCasedOuterClass() throws Exception {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("dir/greeter_service.proto")
            .setPackage("demo.v1")
            .addMessageType(message("Req", message("Inner")))
            .build();
    assertEquals("GreeterService", JavaTypeNames.outerClassName(file));
    assertEquals("demo.v1.GreeterService.Req", resolve(file, ".demo.v1.Req"));
    assertEquals("demo.v1.GreeterService.Req.Inner", resolve(file, ".demo.v1.Req.Inner"));
    assertEquals(Edition.EDITION_PROTO2, JavaTypeNames.edition(file));
  }

  @Test
  void messageNamedLikeFileAddsOuterClass() throws Exception {
    FileDescriptorProto file =
        proto3("types.proto", "demo.v1").addMessageType(message("Types", message("Inner"))).build();
    assertEquals("demo.v1.TypesOuterClass.Types.Inner", resolve(file, ".demo.v1.Types.Inner"));
  }

  @Test
  void conflictIsCaseSensitive() throws Exception {
    FileDescriptorProto file = proto3("types.proto", "p").addMessageType(message("TYPES")).build();
    assertEquals("Types", JavaTypeNames.outerClassName(file));
  }

  @Test
  void nestedMessageAtAnyDepthAddsOuterClass() throws Exception {
    FileDescriptorProto file =
        proto3("deep_name.proto", "demo.deep")
            .addMessageType(message("Outer", message("Mid", message("DeepName"))))
            .build();
    assertEquals(
        "demo.deep.DeepNameOuterClass.Outer.Mid.DeepName",
        resolve(file, ".demo.deep.Outer.Mid.DeepName"));
  }

  @Test
  void nestedEnumServiceAndTopLevelEnumAddOuterClass() throws Exception {
    FileDescriptorProto nestedEnum =
        proto3("holder.proto", "p")
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("M")
                    .addEnumType(EnumDescriptorProto.newBuilder().setName("Holder")))
            .build();
    assertEquals("HolderOuterClass", JavaTypeNames.outerClassName(nestedEnum));
    FileDescriptorProto topEnum =
        proto3("color.proto", "p")
            .addEnumType(EnumDescriptorProto.newBuilder().setName("Color"))
            .build();
    assertEquals("ColorOuterClass", JavaTypeNames.outerClassName(topEnum));
    FileDescriptorProto service =
        proto3("greeter.proto", "p")
            .addService(ServiceDescriptorProto.newBuilder().setName("Greeter"))
            .build();
    assertEquals("GreeterOuterClass", JavaTypeNames.outerClassName(service));
  }

  @Test
  void javaMultipleFilesGivesTopLevelClassesInJavaPackage() throws Exception {
    FileDescriptorProto file =
        proto3("greeter.proto", "demo.multi")
            .setOptions(
                FileOptions.newBuilder()
                    .setJavaPackage("com.example.multi")
                    .setJavaMultipleFiles(true))
            .addMessageType(message("HelloReply", message("Part")))
            .build();
    assertEquals("com.example.multi.HelloReply", resolve(file, ".demo.multi.HelloReply"));
    assertEquals("com.example.multi.HelloReply.Part", resolve(file, ".demo.multi.HelloReply.Part"));
  }

  @Test
  void javaPackageAbsentUsesProtoPackageAndEmptyMeansUnnamed() throws Exception {
    FileDescriptorProto withPackage =
        proto3("a.proto", "x.y").addMessageType(message("M")).build();
    assertEquals("x.y.A.M", resolve(withPackage, ".x.y.M"));
    FileDescriptorProto none = proto3("no_package.proto", "").addMessageType(message("Ping")).build();
    assertEquals("NoPackage.Ping", resolve(none, ".Ping"));
    assertEquals("", JavaTypeNames.javaPackage(none));
  }

  @Test
  void javaOuterClassnameWinsWithoutConflictSuffix() throws Exception {
    FileDescriptorProto file =
        proto3("custom.proto", "demo")
            .setOptions(FileOptions.newBuilder().setJavaOuterClassname("Custom"))
            .addMessageType(message("Custom"))
            .build();
    assertEquals("demo.Custom.Custom", resolve(file, ".demo.Custom"));
  }

  @Test
  void edition2023KeepsOldSchemeAndMultipleFiles() throws Exception {
    FileDescriptorProto nested =
        FileDescriptorProto.newBuilder()
            .setName("ed2023.proto")
            .setPackage("e")
            .setSyntax("editions")
            .setEdition(Edition.EDITION_2023)
            .addMessageType(message("Ed2023"))
            .build();
    assertEquals("e.Ed2023OuterClass.Ed2023", resolve(nested, ".e.Ed2023"));
    FileDescriptorProto multiple =
        nested.toBuilder().setOptions(FileOptions.newBuilder().setJavaMultipleFiles(true)).build();
    assertEquals("e.Ed2023", resolve(multiple, ".e.Ed2023"));
  }

  private static FeatureSet nestInFileClass(NestInFileClass value) {
    return FeatureSet.newBuilder()
        .setExtension(
            JavaFeaturesProto.java_, JavaFeatures.newBuilder().setNestInFileClass(value).build())
        .build();
  }

  private static FileDescriptorProto.Builder edition2024(String name) {
    return FileDescriptorProto.newBuilder()
        .setName(name)
        .setPackage("demo.ed24")
        .setSyntax("editions")
        .setEdition(Edition.EDITION_2024);
  }

  @Test
  void edition2024AppendsProtoAndGivesOwnFilesByDefault() throws Exception {
    FileDescriptorProto file =
        edition2024("ed2024.proto")
            .addMessageType(message("Req", message("Part")))
            .addMessageType(message("Ed2024Proto"))
            .build();
    // No conflict check from 2024 on: the suffix is always Proto.
    assertEquals("Ed2024Proto", JavaTypeNames.outerClassName(file));
    assertEquals("demo.ed24.Req", resolve(file, ".demo.ed24.Req"));
    assertEquals("demo.ed24.Req.Part", resolve(file, ".demo.ed24.Req.Part"));
  }

  @Test
  void edition2024NestInFileClassYesNestsOnlyThatType() throws Exception {
    DescriptorProto resp =
        message("Resp", message("Part")).toBuilder()
            .setOptions(MessageOptions.newBuilder().setFeatures(nestInFileClass(NestInFileClass.YES)))
            .build();
    DescriptorProto no =
        message("No").toBuilder()
            .setOptions(MessageOptions.newBuilder().setFeatures(nestInFileClass(NestInFileClass.NO)))
            .build();
    FileDescriptorProto file =
        edition2024("ed2024.proto").addMessageType(resp).addMessageType(no).build();
    assertEquals("demo.ed24.Ed2024Proto.Resp", resolve(file, ".demo.ed24.Resp"));
    assertEquals("demo.ed24.Ed2024Proto.Resp.Part", resolve(file, ".demo.ed24.Resp.Part"));
    assertEquals("demo.ed24.No", resolve(file, ".demo.ed24.No"));
  }

  @Test
  void javaFeaturesAreReadEvenFromUnknownFields() throws Exception {
    DescriptorProto resp =
        message("Resp").toBuilder()
            .setOptions(MessageOptions.newBuilder().setFeatures(nestInFileClass(NestInFileClass.YES)))
            .build();
    FileDescriptorProto file = edition2024("ed2024.proto").addMessageType(resp).build();
    // Re-parse without an extension registry: the feature now sits in unknown fields.
    FileDescriptorProto reparsed = reparseWithoutExtensions(file);
    assertFalse(
        reparsed.getMessageType(0).getOptions().getFeatures().hasExtension(JavaFeaturesProto.java_));
    assertEquals("demo.ed24.Ed2024Proto.Resp", resolve(reparsed, ".demo.ed24.Resp"));
  }

  private static FileDescriptorProto reparseWithoutExtensions(FileDescriptorProto file)
      throws InvalidProtocolBufferException {
    return FileDescriptorProto.parseFrom(file.toByteString());
  }

  @Test
  void importedWellKnownTypeResolvesToProtobufJavaClass() throws Exception {
    FileDescriptorProto empty =
        proto3("google/protobuf/empty.proto", "google.protobuf")
            .setOptions(
                FileOptions.newBuilder()
                    .setJavaPackage("com.google.protobuf")
                    .setJavaOuterClassname("EmptyProto")
                    .setJavaMultipleFiles(true))
            .addMessageType(message("Empty"))
            .build();
    FileDescriptorProto user =
        proto3("user.proto", "u").addDependency("google/protobuf/empty.proto").build();
    JavaTypeNames names = new JavaTypeNames(List.of(empty, user));
    assertEquals("com.google.protobuf.Empty", names.messageClassName(".google.protobuf.Empty"));
    assertEquals("com.google.protobuf", names.messageJavaPackage(".google.protobuf.Empty"));
  }

  @Test
  void unknownTypeAndUnsupportedEditionAreInputErrors() {
    FileDescriptorProto file = proto3("a.proto", "p").build();
    CodeGenerationException unknown =
        assertThrows(CodeGenerationException.class, () -> resolve(file, ".p.Missing"));
    assertTrue(unknown.getMessage().contains(".p.Missing"), unknown.getMessage());
    FileDescriptorProto future =
        FileDescriptorProto.newBuilder()
            .setName("future.proto")
            .setSyntax("editions")
            .setEdition(Edition.EDITION_UNSTABLE)
            .build();
    CodeGenerationException edition =
        assertThrows(CodeGenerationException.class, () -> JavaTypeNames.edition(future));
    assertTrue(edition.getMessage().startsWith("future.proto: edition"), edition.getMessage());
  }

  @Test
  void deprecationIsInheritedFromEnclosingMessageAndFile() throws Exception {
    DescriptorProto old =
        message("Old", message("Child")).toBuilder()
            .setOptions(MessageOptions.newBuilder().setDeprecated(true))
            .build();
    JavaTypeNames names =
        new JavaTypeNames(
            List.of(
                proto3("a.proto", "p").addMessageType(old).addMessageType(message("New")).build(),
                proto3("b.proto", "q")
                    .setOptions(FileOptions.newBuilder().setDeprecated(true))
                    .addMessageType(message("Any"))
                    .build()));
    assertTrue(names.isDeprecated(".p.Old"));
    assertTrue(names.isDeprecated(".p.Old.Child"));
    assertFalse(names.isDeprecated(".p.New"));
    assertTrue(names.isDeprecated(".q.Any"));
  }

  @Test
  void topLevelClassNamesListsWhatJavaOutWritesInThePackage() throws Exception {
    JavaTypeNames names =
        new JavaTypeNames(
            List.of(
                proto3("a.proto", "p")
                    .setOptions(FileOptions.newBuilder().setJavaMultipleFiles(true))
                    .addMessageType(message("M"))
                    .build(),
                proto3("b.proto", "p").addMessageType(message("Hidden")).build(),
                proto3("c.proto", "other").addMessageType(message("Elsewhere")).build()));
    assertEquals(
        java.util.Set.of("A", "M", "MOrBuilder", "B"), names.topLevelClassNames("p"));
  }
}
