package dev.ttrpc.codegen;

/**
 * A problem with the {@code .proto} input (not a bug of the generator): reported to protoc as
 * {@code CodeGeneratorResponse.error}, which protoc prints and fails on. The message names the
 * file and the element concerned.
 */
final class CodeGenerationException extends Exception {
  private static final long serialVersionUID = 1L;

  CodeGenerationException(String message) {
    super(message);
  }
}
