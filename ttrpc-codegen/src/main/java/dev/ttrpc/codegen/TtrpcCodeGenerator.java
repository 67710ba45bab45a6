package dev.ttrpc.codegen;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.Edition;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * The plugin's work as a pure function: a {@code CodeGeneratorRequest} in, a {@code
 * CodeGeneratorResponse} out, with one {@code <Service>Ttrpc.java} per service of every file to
 * generate. Problems with the input (unknown parameters, unsupported editions, name clashes) come
 * back as the response's {@code error}, naming the file and element, and no files.
 *
 * <p>Deterministic: the same request gives the same response bytes. Stateless and thread-safe.
 */
public final class TtrpcCodeGenerator {
  /** The features this generator declares to protoc. */
  static final int SUPPORTED_FEATURES =
      CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE
          | CodeGeneratorResponse.Feature.FEATURE_SUPPORTS_EDITIONS_VALUE;

  static {
    // protobuf-java 4.33 fails with an init cycle if JavaFeaturesProto is initialised first.
    DescriptorProtos.getDescriptor();
  }

  private TtrpcCodeGenerator() {}

  /**
   * Generates the response to {@code request}; never throws for problems of the input.
   *
   * @param request what protoc asks for: the files to generate and every file they import
   * @return the generated files, or an error naming the file and element at fault
   */
  public static CodeGeneratorResponse generate(CodeGeneratorRequest request) {
    CodeGeneratorResponse.Builder response =
        CodeGeneratorResponse.newBuilder()
            .setSupportedFeatures(SUPPORTED_FEATURES)
            .setMinimumEdition(Edition.EDITION_PROTO2_VALUE)
            .setMaximumEdition(Edition.EDITION_2024_VALUE);
    try {
      boolean lite = parseParameters(request.getParameter());
      JavaTypeNames typeNames = new JavaTypeNames(request.getProtoFileList());
      Map<String, String> originByPath = new HashMap<>();
      for (String fileName : request.getFileToGenerateList()) {
        FileDescriptorProto file = typeNames.file(fileName);
        if (file == null) {
          throw new CodeGenerationException(
              fileName + ": listed in file_to_generate but missing from proto_file");
        }
        JavaTypeNames.edition(file);
        for (int i = 0; i < file.getServiceCount(); i++) {
          ServiceGenerator generator = new ServiceGenerator(file, i, typeNames, lite);
          String content = generator.generate();
          String previous = originByPath.putIfAbsent(generator.outputPath(), generator.origin());
          if (previous != null) {
            throw new CodeGenerationException(
                generator.origin() + ": generates " + generator.outputPath() + ", as does "
                    + previous);
          }
          response.addFile(
              CodeGeneratorResponse.File.newBuilder()
                  .setName(generator.outputPath())
                  .setContent(content));
        }
      }
    } catch (CodeGenerationException e) {
      response.clearFile().setError(e.getMessage());
    }
    return response.build();
  }

  /**
   * The one parameter is {@code lite}: the messages come from java_out's lite mode ({@code
   * --java_out=lite:DIR}), which has no descriptors. Anything else is a mistake worth reporting.
   *
   * @return whether {@code lite} was given
   */
  private static boolean parseParameters(String parameter) throws CodeGenerationException {
    boolean lite = false;
    for (String item : parameter.split(",")) {
      String trimmed = item.trim();
      if (trimmed.equals("lite")) {
        lite = true;
      } else if (!trimmed.isEmpty()) {
        throw new CodeGenerationException(
            "unknown parameter '" + trimmed + "': protoc-gen-ttrpc-java takes only 'lite'"
                + " (for messages generated with --java_out=lite:...)");
      }
    }
    return lite;
  }
}
