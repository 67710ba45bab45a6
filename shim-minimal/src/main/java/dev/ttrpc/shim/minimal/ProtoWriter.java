package dev.ttrpc.shim.minimal;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * A tiny protobuf writer for messages encoded by field number (cgroup metrics): uint64 fields
 * with zero omitted as proto3 does, and embedded messages. Not thread-safe.
 */
final class ProtoWriter {
  private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(buf);

  /** Writes a uint64 field unless it is zero. */
  void u64(int field, long v) {
    if (v != 0) {
      u64Always(field, v);
    }
  }

  /** Writes a uint64 field even if zero (elements of repeated fields). */
  void u64Always(int field, long v) {
    try {
      out.writeUInt64(field, v);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write failed", e);
    }
  }

  /** Writes an embedded message. */
  void msg(int field, ProtoWriter m) {
    try {
      out.writeByteArray(field, m.bytes());
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write failed", e);
    }
  }

  byte[] bytes() {
    try {
      out.flush();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory write failed", e);
    }
    return buf.toByteArray();
  }
}
