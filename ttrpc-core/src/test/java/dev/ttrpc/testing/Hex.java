package dev.ttrpc.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

/** Hex helpers for golden-byte tests. */
public final class Hex {
  private Hex() {}

  /** Bytes from hex, ignoring spaces and {@code |}. */
  public static byte[] bytes(String hex) {
    return ByteBufUtil.decodeHexDump(hex.replace(" ", "").replace("|", ""));
  }

  /** An unpooled buffer holding the bytes of {@code hex}. */
  public static ByteBuf buf(String hex) {
    return Unpooled.wrappedBuffer(bytes(hex));
  }

  /** The readable bytes of {@code buf} as lowercase hex. */
  public static String of(ByteBuf buf) {
    return ByteBufUtil.hexDump(buf);
  }

  /** {@code hex} without spaces and {@code |}. */
  public static String normalize(String hex) {
    return hex.replace(" ", "").replace("|", "").toLowerCase(java.util.Locale.ROOT);
  }
}
