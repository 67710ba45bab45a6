package dev.ttrpc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.JavaFeaturesProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Runs the real protoc (resolved by Maven into target/test-protoc) and javac for the end-to-end
 * tests. Paths come from system properties set in the pom's surefire configuration.
 */
final class TestProtoc {
  private TestProtoc() {}

  static {
    DescriptorProtos.getDescriptor();
  }

  static Path property(String name) {
    String value = System.getProperty("ttrpc.codegen." + name);
    if (value == null) {
      throw new IllegalStateException("system property ttrpc.codegen." + name + " is not set");
    }
    return Paths.get(value);
  }

  static Path matrixDir() {
    return property("testProtos").resolve("matrix");
  }

  static Path invalidDir() {
    return property("testProtos").resolve("invalid");
  }

  /** The .proto files of a directory, sorted by name. */
  static List<String> protoFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".proto"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a protoc run printed and returned. */
  record Result(int exitCode, String stderr) {}

  /** Runs protoc with {@code -I protoDir -I <well-known types>} and the given arguments. */
  static Result protoc(Path protoDir, List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(property("protoc").toString());
    command.add("-I" + protoDir);
    command.add("-I" + property("protocInclude"));
    command.addAll(args);
    Path stderr = Files.createTempFile("protoc", ".err");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(protoDir.toFile())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(stderr.toFile())
              .start();
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("protoc did not finish: " + command);
      }
      return new Result(process.exitValue(), Files.readString(stderr));
    } finally {
      Files.delete(stderr);
    }
  }

  /** Runs protoc with java_out and the plugin through its launcher script; fails on errors. */
  static void generate(Path protoDir, List<String> files, Path javaOut, Path ttrpcOut)
      throws IOException, InterruptedException {
    Files.createDirectories(javaOut);
    Files.createDirectories(ttrpcOut);
    List<String> args = new ArrayList<>();
    args.add("--plugin=protoc-gen-ttrpc-java=" + property("launcher"));
    args.add("--java_out=" + javaOut);
    args.add("--ttrpc-java_out=" + ttrpcOut);
    args.addAll(files);
    Result result = protoc(protoDir, args);
    assertEquals(0, result.exitCode(), "protoc failed: " + result.stderr());
  }

  /**
   * The request protoc would send for {@code files}, rebuilt from a descriptor set with imports
   * and source info: lets tests replay the plugin in-process.
   */
  static CodeGeneratorRequest request(Path protoDir, List<String> files, String parameter)
      throws IOException, InterruptedException {
    Path set = Files.createTempFile("descriptors", ".pb");
    try {
      List<String> args = new ArrayList<>();
      args.add("--descriptor_set_out=" + set);
      args.add("--include_imports");
      args.add("--include_source_info");
      args.addAll(files);
      Result result = protoc(protoDir, args);
      assertEquals(0, result.exitCode(), "protoc failed: " + result.stderr());
      ExtensionRegistry registry = ExtensionRegistry.newInstance();
      JavaFeaturesProto.registerAllExtensions(registry);
      FileDescriptorSet descriptors = FileDescriptorSet.parseFrom(Files.readAllBytes(set), registry);
      return CodeGeneratorRequest.newBuilder()
          .addAllFileToGenerate(files)
          .setParameter(parameter)
          .addAllProtoFile(descriptors.getFileList())
          .build();
    } finally {
      Files.delete(set);
    }
  }

  /** Every file under {@code root}, by relative path with '/' separators. */
  static Map<String, byte[]> readTree(Path root) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString().replace(File.separatorChar, '/'), Files.readAllBytes(p));
      }
    }
    return files;
  }

  static List<Path> javaFiles(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }

  /** The classpath entry (jar or directory) a class was loaded from. */
  static String locationOf(Class<?> type) {
    try {
      return Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** protobuf-java plus ttrpc-core (overridable with -Dttrpc.codegen.coreClasspath). */
  static String compileClasspath() throws ClassNotFoundException {
    String core = System.getProperty("ttrpc.codegen.coreClasspath");
    if (core == null) {
      core = locationOf(Class.forName("dev.ttrpc.MethodDescriptor"));
    }
    return locationOf(com.google.protobuf.Message.class) + File.pathSeparator + core;
  }

  /**
   * Compiles {@code sources} into {@code classes}; returns every diagnostic javac reported, as
   * text (empty when the compilation was clean).
   */
  static List<String> javac(List<Path> sources, Path classes, String classpath, List<String> options)
      throws IOException {
    Files.createDirectories(classes);
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files =
        compiler.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
      List<String> all = new ArrayList<>(options);
      all.addAll(List.of("-d", classes.toString(), "-classpath", classpath));
      boolean ok =
          compiler
              .getTask(null, files, diagnostics, all, null, files.getJavaFileObjectsFromPaths(sources))
              .call();
      List<String> messages = new ArrayList<>();
      for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
        messages.add(d.getKind() + " " + d.getSource() + ":" + d.getLineNumber() + " " + d.getMessage(null));
      }
      if (!ok && messages.isEmpty()) {
        messages.add("javac failed without diagnostics");
      }
      return messages;
    }
  }
}
