package dev.ttrpc.shim.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ttrpc.shim.TaskException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StdioUriTest {
  @Test
  void classifiesWhatClientsSend() {
    assertEquals(StdioUri.Kind.NONE, StdioUri.parse("").kind());
    StdioUri fifo = StdioUri.parse("/run/containerd/fifo/123/t1-stdout");
    assertEquals(StdioUri.Kind.FIFO, fifo.kind());
    assertEquals(Path.of("/run/containerd/fifo/123/t1-stdout"), fifo.path());
    assertEquals(StdioUri.Kind.FIFO, StdioUri.parse("fifo:///x/y").kind());
    StdioUri file = StdioUri.parse("file:///var/log/c1.log");
    assertEquals(StdioUri.Kind.FILE, file.kind());
    assertEquals(Path.of("/var/log/c1.log"), file.path());
  }

  @Test
  void binaryQueryBecomesArguments() {
    StdioUri b = StdioUri.parse("binary:///usr/bin/logger?foo=bar&flag&x=a%20b");
    assertEquals(StdioUri.Kind.BINARY, b.kind());
    assertEquals(Path.of("/usr/bin/logger"), b.path());
    assertEquals(List.of("foo", "bar", "flag", "x", "a b"), b.args());
  }

  @Test
  void unknownSchemeIsInvalidArgument() {
    TaskException e = assertThrows(TaskException.class, () -> StdioUri.parse("http://x/y"));
    assertEquals(TaskException.Code.INVALID_ARGUMENT, e.code());
    assertEquals("unsupported STDIO scheme http: http://x/y", e.getMessage());
  }
}
