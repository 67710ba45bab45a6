package dev.ttrpc.shim.minimal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * The fields of {@code containerd.runc.v1.Options} this shim honours (binary, root, systemd
 * cgroups, pivot/keyring switches, criu path), decoded by field number so that no generated class
 * is needed. Unknown fields are skipped. Immutable.
 */
public record RuncOptions(
    boolean noPivotRoot,
    boolean noNewKeyring,
    String binaryName,
    String root,
    String criuPath,
    boolean systemdCgroup) {

  public static final String TYPE_URL = "containerd.runc.v1.Options";
  public static final RuncOptions DEFAULT = new RuncOptions(false, false, "", "", "", false);

  /** Decodes the value of an Any whose type URL is {@link #TYPE_URL}. */
  public static RuncOptions parse(byte[] value) throws IOException {
    boolean noPivot = false;
    boolean noKeyring = false;
    boolean systemd = false;
    String binary = "";
    String root = "";
    String criu = "";
    CodedInputStream in = CodedInputStream.newInstance(value);
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        break;
      }
      int field = WireFormat.getTagFieldNumber(tag);
      int wire = WireFormat.getTagWireType(tag);
      if (wire == WireFormat.WIRETYPE_VARINT && (field == 1 || field == 2 || field == 9)) {
        boolean b = in.readBool();
        switch (field) {
          case 1 -> noPivot = b;
          case 2 -> noKeyring = b;
          default -> systemd = b;
        }
      } else if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED
          && (field == 6 || field == 7 || field == 8)) {
        String s = in.readString();
        switch (field) {
          case 6 -> binary = s;
          case 7 -> root = s;
          default -> criu = s;
        }
      } else {
        in.skipField(tag);
      }
    }
    return new RuncOptions(noPivot, noKeyring, binary, root, criu, systemd);
  }
}
