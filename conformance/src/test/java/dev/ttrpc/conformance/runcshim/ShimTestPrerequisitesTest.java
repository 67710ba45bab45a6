package dev.ttrpc.conformance.runcshim;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ShimTestPrerequisitesTest {

  @Test
  void nothingMissingLetsTheTestRunInAndOutsideCi() {
    assertDoesNotThrow(() -> ShimTestPrerequisites.enforce(List.of(), true));
    assertDoesNotThrow(() -> ShimTestPrerequisites.enforce(List.of(), false));
  }

  @Test
  void missingPiecesFailInCiNamingEachOne() {
    AssertionFailedError e =
        assertThrows(
            AssertionFailedError.class,
            () -> ShimTestPrerequisites.enforce(List.of("not root", "no runc"), true));
    assertTrue(e.getMessage().contains("not root; no runc"), e.getMessage());
    assertTrue(e.getMessage().contains("never skip"), e.getMessage());
  }

  @Test
  void missingPiecesSkipOutsideCiWithTheReason() {
    TestAbortedException e =
        assertThrows(
            TestAbortedException.class,
            () ->
                ShimTestPrerequisites.enforce(List.of("containerd-shim-runc-v2 not found"), false));
    assertTrue(e.getMessage().contains("containerd-shim-runc-v2 not found"), e.getMessage());
  }

  @Test
  void elfCheckTellsStaticFromDynamicExecutables(@TempDir Path dir) throws IOException {
    assertTrue(Elf.isStaticExecutable(elf(dir.resolve("static"), 1 /* PT_LOAD */)));
    assertFalse(Elf.isStaticExecutable(elf(dir.resolve("dynamic"), 3 /* PT_INTERP */)));
    // The JVM's own launcher is always dynamically linked.
    assertFalse(Elf.isStaticExecutable(Path.of(System.getProperty("java.home"), "bin", "java")));
    assertFalse(Elf.isStaticExecutable(Files.writeString(dir.resolve("script"), "#!/bin/sh\n")));
    assertFalse(Elf.isStaticExecutable(dir.resolve("absent")));
  }

  /** A 64-bit little-endian ELF header followed by one program header of {@code type}. */
  private static Path elf(Path file, int type) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(64 + 56).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
    b.putShort(0x10, (short) 2); // ET_EXEC
    b.putLong(0x20, 64); // e_phoff
    b.putShort(0x36, (short) 56); // e_phentsize
    b.putShort(0x38, (short) 1); // e_phnum
    b.putInt(64, type);
    return Files.write(file, b.array());
  }
}
