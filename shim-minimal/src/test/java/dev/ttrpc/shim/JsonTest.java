package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesNestedDocuments() {
    Map<String, Object> m =
        Json.parseObject(
            "{\"a\": [1, 2.5, true, null, \"x\\n\\u00e9\"], \"b\": {\"c\": -3}, \"d\": 1e3}");
    assertEquals(List.of(1L, 2.5, true, "x\né"), Json.array(m, "a").stream()
        .filter(java.util.Objects::nonNull).toList());
    assertEquals(-3L, Json.number(Json.object(m, "b"), "c", 0));
    assertEquals(1000.0, m.get("d"));
  }

  @Test
  void runcPsOutputIsAnArrayOfPids() {
    assertEquals(List.of(12288L, 12330L), Json.parse("[12288,12330]\n"));
  }

  @Test
  void rejectsMalformedInputWithAnOffset() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": }"));
    assertEquals("invalid JSON at offset 6: unexpected character '}'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Json.parse("[1] x"));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("\"open"));
  }

  @Test
  void writesWhatItReads() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", 2L);
    m.put("address", "unix:///run/containerd/s/x");
    m.put("q", "a\"b\\c\u0001");
    String s = Json.write(m);
    assertEquals(
        "{\"version\":2,\"address\":\"unix:///run/containerd/s/x\",\"q\":\"a\\\"b\\\\c\\u0001\"}",
        s);
    assertEquals(m, Json.parse(s));
  }
}
