package dev.ttrpc.codegen;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.JavaFeaturesProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code protoc-gen-ttrpc-java}: the protoc plugin entry point. protoc writes a {@code
 * CodeGeneratorRequest} to stdin and reads the {@code CodeGeneratorResponse} from stdout; see
 * {@link TtrpcCodeGenerator} for what is generated.
 *
 * <p>stdout carries only the response: {@code System.out} is redirected to stderr before anything
 * else runs. Problems of the {@code .proto} input are reported in the response (exit status 0);
 * an unreadable request or a bug of the generator prints one message to stderr and exits with 1.
 * Setting {@code PROTOC_GEN_TTRPC_JAVA_DUMP} to a file name saves the request for replaying.
 */
public final class ProtocGenTtrpcJava {
  /**
   * When set, the raw request from protoc is also written to this file, so that a problem can be
   * reproduced without protoc: {@code protoc-gen-ttrpc-java < request.bin}.
   */
  static final String DUMP_VARIABLE = "PROTOC_GEN_TTRPC_JAVA_DUMP";

  private ProtocGenTtrpcJava() {}

  /**
   * Reads a {@code CodeGeneratorRequest} from standard input and writes the response to standard
   * output, as protoc runs plugins.
   *
   * @param args none; the plugin's parameter comes inside the request
   */
  public static void main(String[] args) {
    OutputStream protocol = new FileOutputStream(FileDescriptor.out);
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
    if (args.length > 0) {
      System.err.println(
          "protoc-gen-ttrpc-java is a protoc plugin: run it through protoc, e.g. protoc"
              + " --plugin=protoc-gen-ttrpc-java=PATH --ttrpc-java_out=DIR --java_out=DIR"
              + " FILE.proto");
      System.exit(2);
    }
    // Must precede any use of JavaFeaturesProto (class-initialisation cycle in protobuf-java).
    DescriptorProtos.getDescriptor();
    try {
      ExtensionRegistry registry = ExtensionRegistry.newInstance();
      JavaFeaturesProto.registerAllExtensions(registry);
      byte[] input = System.in.readAllBytes();
      String dump = System.getenv(DUMP_VARIABLE);
      if (dump != null && !dump.isEmpty()) {
        Files.write(Path.of(dump), input);
      }
      CodeGeneratorRequest request = CodeGeneratorRequest.parseFrom(input, registry);
      CodeGeneratorResponse response = TtrpcCodeGenerator.generate(request);
      response.writeTo(protocol);
      protocol.flush();
    } catch (InvalidProtocolBufferException e) {
      System.err.println(
          "protoc-gen-ttrpc-java: stdin is not a CodeGeneratorRequest (" + e.getMessage() + ")");
      System.exit(1);
    } catch (IOException e) {
      System.err.println("protoc-gen-ttrpc-java: I/O error talking to protoc: " + e);
      System.exit(1);
    } catch (RuntimeException | Error e) {
      System.err.println("protoc-gen-ttrpc-java: internal error: " + e);
      System.exit(1);
    }
  }
}
