package dev.ttrpc.shim.minimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ttrpc.shim.TaskException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShimConfigTest {
  private static final ShimConfig BASE = new ShimConfig("runc", "runc", "container", true);

  @Test
  void parsesKeysCommentsAndSections() {
    ShimConfig c =
        ShimConfig.parse(
            "# comment\n[shim]\ndefault_backend = \"process\"  # trailing\n"
                + "runc_binary = \"/opt/runc#1\"\ngrouping = \"namespace\"\n"
                + "allow_backend_annotation = false\n",
            BASE);
    assertEquals("process", c.defaultBackend());
    assertEquals("/opt/runc#1", c.runcBinary());
    assertEquals("namespace", c.grouping());
    assertFalse(c.allowBackendAnnotation());
  }

  @Test
  void emptyFileKeepsTheBase() {
    assertEquals(BASE, ShimConfig.parse("", BASE));
  }

  @Test
  void invalidEntriesNameTheLine() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ShimConfig.parse("\nx = 3\n", BASE));
    assertEquals("line 2: x needs a quoted string or a boolean", e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> ShimConfig.parse("default_backend = \"kata\"", BASE));
  }

  @Test
  void annotationChoosesTheBackendWhenAllowed() {
    Map<String, String> a = Map.of(ShimConfig.BACKEND_ANNOTATION, "process");
    assertEquals("process", BASE.backendFor(a));
    assertEquals("runc", BASE.backendFor(Map.of()));
    assertEquals("runc",
        new ShimConfig("runc", "runc", "container", false).backendFor(a));
    TaskException e =
        assertThrows(
            TaskException.class,
            () -> BASE.backendFor(Map.of(ShimConfig.BACKEND_ANNOTATION, "vm")));
    assertEquals(TaskException.Code.INVALID_ARGUMENT, e.code());
  }
}
