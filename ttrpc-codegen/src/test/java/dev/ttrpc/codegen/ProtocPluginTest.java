package dev.ttrpc.codegen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end: the real protoc runs protoc's java_out and this plugin (through the dev launcher
 * script, exactly as builds do) over the test protos; the output must compile warning-free
 * against java_out's classes, behave as documented, and be deterministic.
 */
class ProtocPluginTest {
  private static final Set<String> EXPECTED_FILES =
      Set.of(
          "PingerTtrpc.java",
          "com/example/custom/CustomTtrpc.java",
          "com/example/multi/GreeterTtrpc.java",
          "demo/deep/DeepTtrpc.java",
          "demo/ed23/Ed23Ttrpc.java",
          "demo/ed24/Ed24Ttrpc.java",
          "demo/enumc/EnumServiceTtrpc.java",
          "demo/imports/LegacyTtrpc.java",
          "demo/imports/MixerTtrpc.java",
          "demo/lite/LiteTtrpc.java",
          "demo/names/NamesTtrpc.java",
          "demo/names/NothingTtrpc.java",
          "demo/names/ServiceTtrpc.java",
          "demo/names/TasksTtrpc.java",
          "demo/shapes/ShapesTtrpc.java",
          "demo/v1/TypeServiceTtrpc.java",
          "demo/wkt/ClockTtrpc.java",
          "request/context/CallsTtrpc.java");

  @TempDir static Path work;
  private static Map<String, byte[]> generated;

  @BeforeAll
  static void generateMatrix() throws Exception {
    TestProtoc.generate(
        TestProtoc.matrixDir(),
        TestProtoc.protoFiles(TestProtoc.matrixDir()),
        work.resolve("java"),
        work.resolve("ttrpc"));
    generated = TestProtoc.readTree(work.resolve("ttrpc"));
  }

  private static String source(String path) {
    byte[] bytes = generated.get(path);
    assertTrue(bytes != null, "not generated: " + path);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Test
  void writesOneClassPerServiceInTheMessagesJavaPackage() {
    assertEquals(EXPECTED_FILES, generated.keySet());
  }

  @Test
  void generatedCodeCompilesWithoutWarningsAgainstJavaOutAndWorks() throws Exception {
    String classpath = TestProtoc.compileClasspath();
    Path classes = work.resolve("classes");
    // java_out's own output is not ours to lint.
    List<String> javaOut =
        TestProtoc.javac(
            TestProtoc.javaFiles(work.resolve("java")),
            classes,
            classpath,
            List.of("--release", "17", "-nowarn", "-Xlint:none"));
    assertTrue(javaOut.stream().noneMatch(d -> d.startsWith("ERROR")), String.join("\n", javaOut));

    // Our output: no lint warning and no doclint finding on anything public or protected.
    List<String> diagnostics =
        TestProtoc.javac(
            TestProtoc.javaFiles(work.resolve("ttrpc")),
            classes,
            classpath + File.pathSeparator + classes,
            List.of("--release", "17", "-Xlint:all", "-Xdoclint:all/protected", "-Werror"));
    assertEquals(List.of(), diagnostics);
    List<String> usage =
        TestProtoc.javac(
            TestProtoc.javaFiles(TestProtoc.property("testProtos").resolveSibling("usage")),
            classes,
            classpath + File.pathSeparator + classes,
            List.of("--release", "17", "-Xlint:all", "-Werror"));
    assertEquals(List.of(), usage);

    List<URL> urls = new ArrayList<>();
    urls.add(classes.toUri().toURL());
    for (String entry : classpath.split(File.pathSeparator)) {
      urls.add(Path.of(entry).toUri().toURL());
    }
    try (URLClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), getClass().getClassLoader())) {
      Method run = loader.loadClass("usage.UsageCheck").getMethod("run");
      run.invoke(null);
    }
  }

  @Test
  void pluginOutputIsDeterministic() throws Exception {
    Path again = work.resolve("again");
    TestProtoc.generate(
        TestProtoc.matrixDir(),
        TestProtoc.protoFiles(TestProtoc.matrixDir()),
        again.resolve("java"),
        again.resolve("ttrpc"));
    Map<String, byte[]> second = TestProtoc.readTree(again.resolve("ttrpc"));
    assertEquals(generated.keySet(), second.keySet());
    for (String path : generated.keySet()) {
      assertArrayEquals(generated.get(path), second.get(path), path);
    }
  }

  @Test
  void replayingTheRequestInProcessGivesTheSameFiles() throws Exception {
    List<String> files = TestProtoc.protoFiles(TestProtoc.matrixDir());
    CodeGeneratorRequest request = TestProtoc.request(TestProtoc.matrixDir(), files, "");
    CodeGeneratorResponse response = TtrpcCodeGenerator.generate(request);
    assertEquals("", response.getError());
    assertEquals(generated.size(), response.getFileCount());
    for (CodeGeneratorResponse.File file : response.getFileList()) {
      assertEquals(source(file.getName()), file.getContent(), file.getName());
    }
  }

  @Test
  void launcherSpeaksOnlyTheProtocolOnStdoutAndDumpsTheRequestForReplay() throws Exception {
    CodeGeneratorRequest request =
        TestProtoc.request(TestProtoc.matrixDir(), List.of("shapes.proto"), "");
    Path dump = work.resolve("request.bin");
    ProcessBuilder builder =
        new ProcessBuilder(TestProtoc.property("launcher").toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put(ProtocGenTtrpcJava.DUMP_VARIABLE, dump.toString());
    Process process = builder.start();
    try (var stdin = process.getOutputStream()) {
      request.writeTo(stdin);
    }
    byte[] stdout = process.getInputStream().readAllBytes();
    assertEquals(0, process.waitFor());
    CodeGeneratorResponse response = CodeGeneratorResponse.parseFrom(stdout);
    assertEquals(TtrpcCodeGenerator.generate(request), response);
    assertEquals(request, CodeGeneratorRequest.parseFrom(Files.readAllBytes(dump)));
  }

  @Test
  void launcherRejectsGarbageWithOneLineAndExitStatusOne() throws Exception {
    Process process =
        new ProcessBuilder(TestProtoc.property("launcher").toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (var stdin = process.getOutputStream()) {
      stdin.write(new byte[] {(byte) 0xff, 0x01, 0x02});
    }
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, process.waitFor());
    assertTrue(stderr.contains("protoc-gen-ttrpc-java: stdin is not a CodeGeneratorRequest"), stderr);
    assertTrue(!stderr.contains("\tat "), stderr);
  }

  @Test
  void outputIsPureAsciiWithoutTimestamps() {
    for (Map.Entry<String, byte[]> file : generated.entrySet()) {
      for (byte b : file.getValue()) {
        assertTrue(b == '\n' || (b >= 0x20 && b < 0x7f), file.getKey() + " has byte " + b);
      }
      String text = new String(file.getValue(), StandardCharsets.US_ASCII);
      assertTrue(text.startsWith("// Generated by protoc-gen-ttrpc-java from "), file.getKey());
      assertTrue(!text.contains("import "), file.getKey() + " must not import");
    }
  }

  @Test
  void matchesTheGoldenFile() throws Exception {
    Path golden = TestProtoc.property("golden").resolve("demo/shapes/ShapesTtrpc.java.golden");
    String actual = source("demo/shapes/ShapesTtrpc.java");
    if (Boolean.getBoolean("ttrpc.codegen.updateGolden")) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, actual);
    }
    assertEquals(Files.readString(golden), actual, "regenerate with -Dttrpc.codegen.updateGolden=true");
  }

  @Test
  void protoCommentsBecomeEscapedJavadoc() {
    String shapes = source("demo/shapes/ShapesTtrpc.java");
    assertTrue(shapes.contains(" *  Draws shapes. Comment text with *&#47; and &#64;param and"
        + " &lt;b&gt;html&lt;/b&gt; &amp; \"quotes\","), shapes);
    assertTrue(shapes.contains("&#92;u000a"));
    assertTrue(shapes.contains("Gr&#252;&#223;e, &#128578;."));
    assertTrue(shapes.contains("     *  Streams the points of a line.\n"));
  }

  @Test
  void deprecatedServicesAndMethodsAreAnnotated() {
    String legacy = source("demo/imports/LegacyTtrpc.java");
    assertTrue(legacy.contains(" *  A retired service.\n * </pre>\n */\n"
        + "@dev.ttrpc.Generated(value = \"protoc-gen-ttrpc-java\", source = \"imports.proto\")\n"
        + "@java.lang.Deprecated\npublic final class LegacyTtrpc {"), legacy);
    String shapes = source("demo/shapes/ShapesTtrpc.java");
    assertTrue(shapes.contains("@java.lang.Deprecated\n  public static final dev.ttrpc.MethodDescriptor<demo.shapes.ShapesOuterClass.Point, demo.shapes.ShapesOuterClass.Point> METHOD_OLD_ECHO"));
    assertTrue(shapes.contains("@java.lang.Deprecated\n    default demo.shapes.ShapesOuterClass.Point oldEcho("));
    assertTrue(shapes.contains("@java.lang.Deprecated\n    public demo.shapes.ShapesOuterClass.Point oldEcho("));
    assertTrue(shapes.contains("@java.lang.Deprecated\n    public java.util.concurrent.CompletableFuture<demo.shapes.ShapesOuterClass.Point> oldEchoAsync("));
    // Using a deprecated message type must not warn in generated code.
    assertTrue(source("demo/imports/MixerTtrpc.java").contains("@java.lang.SuppressWarnings(\"deprecation\")\npublic final class MixerTtrpc"));
    assertTrue(!shapes.contains("SuppressWarnings"));
  }

  @Test
  void messageClassesResolveLikeJavaOut() {
    assertTrue(source("demo/v1/TypeServiceTtrpc.java").contains("demo.v1.TypesOuterClass.Types.Inner.getDefaultInstance()"));
    assertTrue(source("demo/deep/DeepTtrpc.java").contains("demo.deep.DeepNameOuterClass.Outer.Mid.DeepName.getDefaultInstance()"));
    assertTrue(source("demo/enumc/EnumServiceTtrpc.java").contains("demo.enumc.EnumConflictOuterClass.Holder.getDefaultInstance()"));
    assertTrue(source("com/example/multi/GreeterTtrpc.java").contains("com.example.multi.HelloReply.Part.getDefaultInstance()"));
    assertTrue(source("com/example/custom/CustomTtrpc.java").contains("com.example.custom.CustomNames.CustomOuter.getDefaultInstance()"));
    assertTrue(source("PingerTtrpc.java").contains("NoPackage.Ping.getDefaultInstance()"));
    assertTrue(source("demo/ed23/Ed23Ttrpc.java").contains("demo.ed23.Ed2023.getDefaultInstance()"));
    String ed24 = source("demo/ed24/Ed24Ttrpc.java");
    assertTrue(ed24.contains("demo.ed24.Req.Part.getDefaultInstance()"));
    assertTrue(ed24.contains("demo.ed24.Ed2024Proto.Resp.Part.getDefaultInstance()"));
    String clock = source("demo/wkt/ClockTtrpc.java");
    assertTrue(clock.contains("com.google.protobuf.Empty.getDefaultInstance()"));
    assertTrue(clock.contains("com.google.protobuf.Timestamp.getDefaultInstance()"));
    // Parameters renamed away from the package root "request".
    assertTrue(source("request/context/CallsTtrpc.java").contains("make(request.context.ClientPkg.Call request_)"));
  }

  static Stream<Arguments> invalidProtos() {
    return Stream.of(
        Arguments.of(
            "method_clash.proto",
            "method_clash.proto: service bad.clash.Clashing: methods Foo_bar and FooBar both map"
                + " to the Java method fooBar"),
        Arguments.of(
            "async_clash.proto",
            "async_clash.proto: service bad.async.Asyncs: methods Fetch and FetchAsync both map"
                + " to the Java method fetchAsync"),
        Arguments.of(
            "class_clash.proto",
            "class_clash.proto: service bad.cls.Greeter: the generated class"
                + " bad.cls.GreeterTtrpc clashes with a class protoc's java_out generates in the"
                + " same package"));
  }

  @ParameterizedTest
  @MethodSource("invalidProtos")
  void invalidInputFailsProtocWithMessageNamingFileAndElement(String file, String message)
      throws Exception {
    Path out = Files.createDirectories(work.resolve("invalid-" + file));
    TestProtoc.Result result =
        TestProtoc.protoc(
            TestProtoc.invalidDir(),
            List.of(
                "--plugin=protoc-gen-ttrpc-java=" + TestProtoc.property("launcher"),
                "--ttrpc-java_out=" + out,
                file));
    assertNotEquals(0, result.exitCode());
    assertTrue(result.stderr().contains(message), result.stderr());
    assertTrue(!result.stderr().contains("Exception"), result.stderr());
    try (Stream<Path> written = Files.list(out)) {
      assertEquals(0, written.count(), "nothing is written on error");
    }
  }

  @Test
  void unknownParameterIsReported() throws Exception {
    Path out = Files.createDirectories(work.resolve("param"));
    TestProtoc.Result result =
        TestProtoc.protoc(
            TestProtoc.matrixDir(),
            List.of(
                "--plugin=protoc-gen-ttrpc-java=" + TestProtoc.property("launcher"),
                "--ttrpc-java_out=lite,flavour=x:" + out,
                "shapes.proto"));
    assertNotEquals(0, result.exitCode());
    assertTrue(
        result.stderr().contains("unknown parameter 'flavour=x': protoc-gen-ttrpc-java takes only 'lite'"),
        result.stderr());
  }
}
