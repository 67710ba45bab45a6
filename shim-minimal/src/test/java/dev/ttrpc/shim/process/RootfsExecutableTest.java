package dev.ttrpc.shim.process;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ttrpc.shim.TaskException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsExecutableTest {
  private static final String PATH = "/usr/bin:/bin";

  @TempDir Path root;

  @BeforeEach
  void rootfs() throws Exception {
    Files.createDirectories(root.resolve("bin"));
    Files.createDirectories(root.resolve("usr/bin"));
    Files.createDirectories(root.resolve("home/app"));
    // A name no host has, so that resolving an absolute link on the host would fail.
    executable(root.resolve("bin/ttrpc-test-box"));
    Files.createSymbolicLink(root.resolve("bin/echo"), Path.of("/bin/ttrpc-test-box"));
    Files.createSymbolicLink(root.resolve("usr/bin/env"), Path.of("../../bin/ttrpc-test-box"));
    Files.createSymbolicLink(root.resolve("bin/loop"), Path.of("/bin/loop"));
    Files.writeString(root.resolve("bin/data"), "not a program");
    executable(root.resolve("home/app/run"));
  }

  @Test
  void absoluteSymlinksResolveInsideTheRoot() {
    assertDoesNotThrow(() -> RootfsExecutable.check(root, "/", "/bin/echo", PATH));
  }

  @Test
  void relativeSymlinksAndPathLookupWork() {
    assertDoesNotThrow(() -> RootfsExecutable.check(root, "/", "/usr/bin/env", PATH));
    assertDoesNotThrow(() -> RootfsExecutable.check(root, "/", "env", PATH));
    assertDoesNotThrow(() -> RootfsExecutable.check(root, "/home/app", "./run", PATH));
  }

  @Test
  void missingPathFailsWithRuncsWording() {
    TaskException e =
        assertThrows(
            TaskException.class, () -> RootfsExecutable.check(root, "/", "/usr/bin/wc", PATH));
    assertEquals(TaskException.Code.UNKNOWN, e.code());
    assertEquals(
        "exec: \"/usr/bin/wc\": stat /usr/bin/wc: no such file or directory", e.getMessage());
  }

  @Test
  void missingNameOnPathFails() {
    TaskException e =
        assertThrows(TaskException.class, () -> RootfsExecutable.check(root, "/", "wc", PATH));
    assertEquals("exec: \"wc\": executable file not found in $PATH", e.getMessage());
  }

  @Test
  void directoriesNonExecutablesAndLinkLoopsAreNotPrograms() {
    assertThrows(TaskException.class, () -> RootfsExecutable.check(root, "/", "/bin", PATH));
    assertThrows(TaskException.class, () -> RootfsExecutable.check(root, "/", "/bin/data", PATH));
    assertThrows(TaskException.class, () -> RootfsExecutable.check(root, "/", "/bin/loop", PATH));
  }

  @Test
  void dotDotCannotLeaveTheRoot() throws Exception {
    Path outside = Files.createTempDirectory("outside");
    try {
      executable(outside.resolve("prog"));
      String escape = "/../../../../../../../.." + outside + "/prog";
      assertThrows(TaskException.class, () -> RootfsExecutable.check(root, "/", escape, PATH));
    } finally {
      Files.deleteIfExists(outside.resolve("prog"));
      Files.deleteIfExists(outside);
    }
  }

  private static void executable(Path p) throws Exception {
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
