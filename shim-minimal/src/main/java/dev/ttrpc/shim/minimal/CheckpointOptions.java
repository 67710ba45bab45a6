package dev.ttrpc.shim.minimal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code containerd.runc.v1.CheckpointOptions}, decoded by field number. Immutable.
 */
public record CheckpointOptions(
    boolean exit,
    boolean openTcp,
    boolean externalUnixSockets,
    boolean terminal,
    boolean fileLocks,
    List<String> emptyNamespaces,
    String imagePath,
    String workPath) {

  public CheckpointOptions {
    emptyNamespaces = List.copyOf(emptyNamespaces);
  }

  /** Decodes the Any value (null or empty: all defaults). */
  public static CheckpointOptions parse(byte[] value) throws IOException {
    boolean[] flags = new boolean[6];
    List<String> empty = new ArrayList<>();
    String image = "";
    String work = "";
    if (value != null) {
      CodedInputStream in = CodedInputStream.newInstance(value);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int field = WireFormat.getTagFieldNumber(tag);
        int wire = WireFormat.getTagWireType(tag);
        if (wire == WireFormat.WIRETYPE_VARINT && field >= 1 && field <= 5) {
          flags[field] = in.readBool();
        } else if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && field == 6) {
          empty.add(in.readString());
        } else if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && field == 8) {
          image = in.readString();
        } else if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && field == 9) {
          work = in.readString();
        } else {
          in.skipField(tag);
        }
      }
    }
    return new CheckpointOptions(
        flags[1], flags[2], flags[3], flags[4], flags[5], empty, image, work);
  }
}
