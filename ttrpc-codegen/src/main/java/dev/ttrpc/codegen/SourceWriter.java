package dev.ttrpc.codegen;

import java.util.ArrayList;
import java.util.List;

/**
 * Accumulates Java source text line by line with two-space indentation and {@code \n} line ends,
 * so that the output is byte-for-byte the same on every platform. Not thread-safe.
 */
final class SourceWriter {
  /** Width of generated Javadoc prose, not counting indentation and the leading " * ". */
  private static final int WRAP_COLUMN = 90;

  private final StringBuilder out = new StringBuilder(8192);
  private int indent;

  /** Writes one line at the current indentation (an empty line stays empty). */
  SourceWriter line(String text) {
    if (!text.isEmpty()) {
      out.append("  ".repeat(indent)).append(text);
    }
    out.append('\n');
    return this;
  }

  SourceWriter blank() {
    out.append('\n');
    return this;
  }

  /** Writes {@code text} and indents the lines that follow. */
  SourceWriter open(String text) {
    line(text);
    indent++;
    return this;
  }

  /** Un-indents, then writes {@code text}. */
  SourceWriter close(String text) {
    indent--;
    return line(text);
  }

  /**
   * Writes a Javadoc comment: the already escaped {@code summary} paragraphs, then the escaped
   * proto comment lines in a {@code <pre>} block when there are any.
   */
  SourceWriter javadoc(List<String> summary, List<String> protoComment) {
    return javadoc(summary, protoComment, List.of());
  }

  /**
   * Like {@link #javadoc(List, List)}, followed by the block tags (such as {@code @param name
   * text}), one per line, after a blank comment line.
   */
  SourceWriter javadoc(List<String> summary, List<String> protoComment, List<String> tags) {
    line("/**");
    boolean first = true;
    for (String paragraph : summary) {
      if (!first) {
        line(" *");
      }
      for (String wrapped : wrap(first ? paragraph : "<p>" + paragraph)) {
        line(" * " + wrapped);
      }
      first = false;
    }
    if (!protoComment.isEmpty()) {
      if (!first) {
        line(" *");
      }
      line(" * <pre>");
      for (String commentLine : protoComment) {
        line(commentLine.isEmpty() ? " *" : " * " + commentLine);
      }
      line(" * </pre>");
    }
    if (!tags.isEmpty()) {
      line(" *");
      for (String tag : tags) {
        for (String wrapped : wrap(tag)) {
          line(" * " + wrapped);
        }
      }
    }
    return line(" */");
  }

  /** Splits text at spaces into lines of at most {@link #WRAP_COLUMN} characters where possible. */
  private static List<String> wrap(String text) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String word : text.split(" ")) {
      if (current.length() > 0 && current.length() + 1 + word.length() > WRAP_COLUMN) {
        lines.add(current.toString());
        current.setLength(0);
      }
      if (current.length() > 0) {
        current.append(' ');
      }
      current.append(word);
    }
    lines.add(current.toString());
    return lines;
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
