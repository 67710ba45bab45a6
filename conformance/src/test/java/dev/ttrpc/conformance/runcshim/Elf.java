package dev.ttrpc.conformance.runcshim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Just enough ELF parsing to tell a static executable from a dynamically linked one. */
final class Elf {
  private static final int PT_INTERP = 3;

  private Elf() {}

  /**
   * Whether {@code file} is an ELF executable without a program interpreter ({@code PT_INTERP}),
   * i.e. one that runs in an otherwise empty root filesystem. False for anything unreadable or not
   * ELF.
   */
  static boolean isStaticExecutable(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(64);
      if (ch.read(header, 0) < 52) {
        return false;
      }
      header.flip();
      if (header.getInt(0) != 0x7f454c46) { // "\177ELF", read big-endian before the order is set
        return false;
      }
      boolean is64 = header.get(4) == 2;
      header.order(header.get(5) == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
      long phoff = is64 ? header.getLong(0x20) : Integer.toUnsignedLong(header.getInt(0x1c));
      int phentsize = Short.toUnsignedInt(header.getShort(is64 ? 0x36 : 0x2a));
      int phnum = Short.toUnsignedInt(header.getShort(is64 ? 0x38 : 0x2c));
      if (phentsize < 4 || phnum == 0) {
        return false;
      }
      ByteBuffer table = ByteBuffer.allocate(phentsize * phnum).order(header.order());
      if (ch.read(table, phoff) < table.capacity()) {
        return false;
      }
      for (int i = 0; i < phnum; i++) {
        if (table.getInt(i * phentsize) == PT_INTERP) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
