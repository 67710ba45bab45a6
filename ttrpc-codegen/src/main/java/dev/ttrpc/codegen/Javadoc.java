package dev.ttrpc.codegen;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns proto comments and generator-written sentences into Javadoc text that is safe to place
 * between {@code /**} and {@code *}{@code /}: the comment cannot end early ({@code *}{@code /}),
 * start tags ({@code @}), inject HTML ({@code <}, {@code >}, {@code &}) or Unicode escapes that
 * javac decodes even inside comments (a backslash before {@code u}). Non-ASCII and control
 * characters become numeric entities, so the generated source is pure ASCII whatever encoding
 * the consumer compiles it with.
 *
 * <p>Stateless and thread-safe.
 */
final class Javadoc {
  private Javadoc() {}

  /** Escapes one line of text for use inside a Javadoc comment. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '@' -> out.append("&#64;");
        case '\\' -> out.append("&#92;");
        case '/' -> {
          // Only "*/" is dangerous; escaping every slash keeps URLs unreadable for no gain.
          if (out.length() > 0 && out.charAt(out.length() - 1) == '*') {
            out.append("&#47;");
          } else {
            out.append('/');
          }
        }
        case '\t' -> out.append("  ");
        default -> {
          if (cp < 0x20 || cp >= 0x7f) {
            out.append("&#").append(cp).append(';');
          } else {
            out.append((char) cp);
          }
        }
      }
    }
    return out.toString();
  }

  /**
   * The lines of a proto comment as protoc reports them (each line's leading {@code //} or
   * {@code *} already removed), escaped, without leading and trailing blank lines and without
   * trailing spaces. Empty for a blank comment.
   */
  static List<String> commentLines(String comment) {
    String[] raw = comment.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
    List<String> lines = new ArrayList<>(raw.length);
    for (String line : raw) {
      lines.add(stripTrailing(escape(stripTrailing(line))));
    }
    while (!lines.isEmpty() && lines.get(0).isBlank()) {
      lines.remove(0);
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  private static String stripTrailing(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == ' ') {
      end--;
    }
    return s.substring(0, end);
  }
}
