package dev.ttrpc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class JavadocTest {

  @Test
  void commentTerminatorCannotEndTheJavadoc() {
    String escaped = Javadoc.escape("a */ b **/ c");
    assertFalse(escaped.contains("*/"), escaped);
    assertEquals("a *&#47; b **&#47; c", escaped);
  }

  @Test
  void plainSlashesStay() {
    assertEquals("see https://example.com/x", Javadoc.escape("see https://example.com/x"));
  }

  @Test
  void tagsHtmlAndUnicodeEscapesAreNeutralised() {
    assertEquals("&#64;deprecated", Javadoc.escape("@deprecated"));
    assertEquals("&lt;b&gt;x&lt;/b&gt; &amp;", Javadoc.escape("<b>x</b> &"));
    // javac decodes backslash-u escapes even inside comments.
    assertEquals("&#92;u000a", Javadoc.escape("\\u000a"));
  }

  @Test
  void outputIsPureAscii() {
    String escaped = Javadoc.escape("Grüße 🙂 \u0007");
    assertEquals("Gr&#252;&#223;e &#128578; &#7;", escaped);
    assertTrue(escaped.chars().allMatch(c -> c >= 0x20 && c < 0x7f));
  }

  @Test
  void commentLinesTrimsBlankEdgesAndTrailingSpaces() {
    assertEquals(
        List.of(" first line", "", " second  "+ "line"),
        Javadoc.commentLines("\n first line  \r\n\n second  line\n\n"));
    assertEquals(List.of(), Javadoc.commentLines(" \n  \n"));
  }
}
