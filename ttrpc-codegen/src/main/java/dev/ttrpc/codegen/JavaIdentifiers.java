package dev.ttrpc.codegen;

import java.util.Locale;
import java.util.Set;

/**
 * Spelling rules for Java identifiers derived from proto names: protoc's {@code
 * UnderscoresToCamelCase} for outer class names, grpc-java's {@code MixedLower} for method names,
 * and the upper-case constant style.
 *
 * <p>Stateless and thread-safe.
 */
final class JavaIdentifiers {
  private JavaIdentifiers() {}

  /** JLS reserved keywords and the literals {@code true}, {@code false}, {@code null}. */
  private static final Set<String> KEYWORDS =
      Set.of(
          "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class",
          "const", "continue", "default", "do", "double", "else", "enum", "extends", "final",
          "finally", "float", "for", "goto", "if", "implements", "import", "instanceof", "int",
          "interface", "long", "native", "new", "package", "private", "protected", "public",
          "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
          "throw", "throws", "transient", "try", "void", "volatile", "while", "true", "false",
          "null", "_");

  static boolean isKeyword(String name) {
    return KEYWORDS.contains(name);
  }

  /**
   * protoc's Java {@code UnderscoresToCamelCase}: ASCII letters are kept (lower-case ones are
   * upper-cased after a separator or digit, and the first one when {@code capitalizeFirst}),
   * digits are kept and capitalize the next letter, and every other character is dropped and
   * capitalizes the next letter.
   */
  static String underscoresToCamelCase(String input, boolean capitalizeFirst) {
    StringBuilder out = new StringBuilder(input.length());
    boolean capNext = capitalizeFirst;
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c >= 'a' && c <= 'z') {
        out.append(capNext ? (char) (c - ('a' - 'A')) : c);
        capNext = false;
      } else if (c >= 'A' && c <= 'Z') {
        // protoc lower-cases a leading capital only when not asked to capitalize it.
        out.append(i == 0 && !capitalizeFirst ? (char) (c + ('a' - 'A')) : c);
        capNext = false;
      } else if (c >= '0' && c <= '9') {
        out.append(c);
        capNext = true;
      } else {
        capNext = true;
      }
    }
    return out.toString();
  }

  /**
   * grpc-java's method-name style: the first character lower-cased, every later {@code _}
   * dropped and the character after it upper-cased. Keywords are not escaped here.
   */
  static String mixedLower(String protoName) {
    if (protoName.isEmpty()) {
      return protoName;
    }
    StringBuilder out = new StringBuilder(protoName.length());
    out.append(Character.toLowerCase(protoName.charAt(0)));
    boolean afterUnderscore = false;
    for (int i = 1; i < protoName.length(); i++) {
      char c = protoName.charAt(i);
      if (c == '_') {
        afterUnderscore = true;
      } else {
        out.append(afterUnderscore ? Character.toUpperCase(c) : c);
        afterUnderscore = false;
      }
    }
    return out.toString();
  }

  /** Like {@link #mixedLower} with the first character upper-cased: {@code say_hello} → {@code SayHello}. */
  static String mixedUpper(String protoName) {
    String lower = mixedLower(protoName);
    return lower.isEmpty() ? lower : Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
  }

  /**
   * Upper case with an {@code _} at each lower-to-upper boundary: {@code SayHello} → {@code
   * SAY_HELLO}; existing underscores are kept.
   */
  static String upperSnake(String protoName) {
    StringBuilder out = new StringBuilder(protoName.length() + 4);
    for (int i = 0; i < protoName.length(); i++) {
      char c = protoName.charAt(i);
      out.append(c);
      if (i + 1 < protoName.length()
          && Character.isLowerCase(c)
          && Character.isUpperCase(protoName.charAt(i + 1))) {
        out.append('_');
      }
    }
    return out.toString().toUpperCase(Locale.ROOT);
  }
}
