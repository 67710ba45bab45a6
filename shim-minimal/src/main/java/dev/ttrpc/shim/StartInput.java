package dev.ttrpc.shim;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What containerd writes to a shim's {@code start} stdin, in any of its dialects: nothing (no
 * runtime options), a bare {@code google.protobuf.Any} with the runtime options (containerd 1.6
 * to 2.2), or {@code containerd.runtime.bootstrap.v1.BootstrapParams} (containerd 2.3+), whose
 * {@code extensions} carry the options.
 *
 * <p>BootstrapParams is recognised by fields 3 to 9, or by fields 1 and 2 holding exactly the
 * {@code -id} and {@code -namespace} of the command line; anything else that parses is taken as
 * an Any. Immutable.
 *
 * @param options the runtime options, if any
 * @param bootstrap whether the input was BootstrapParams (the shim may then answer with JSON)
 * @param ttrpcAddress BootstrapParams' containerd_ttrpc_address, or ""
 * @param socketDir BootstrapParams' socket_dir, or ""
 */
public record StartInput(
    Optional<Any> options, boolean bootstrap, String ttrpcAddress, String socketDir) {

  /** No options. */
  public static final StartInput EMPTY = new StartInput(Optional.empty(), false, "", "");

  /**
   * Decodes {@code stdin}.
   *
   * @throws InvalidProtocolBufferException if the bytes are not protobuf at all
   */
  public static StartInput parse(byte[] stdin, String id, String namespace)
      throws InvalidProtocolBufferException {
    if (stdin.length == 0) {
      return EMPTY;
    }
    String f1 = null;
    ByteString f2 = null;
    boolean bootstrapOnly = false;
    String ttrpc = "";
    String socketDir = "";
    List<Any> extensions = new ArrayList<>();
    CodedInputStream in = CodedInputStream.newInstance(stdin);
    try {
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int field = WireFormat.getTagFieldNumber(tag);
        int wire = WireFormat.getTagWireType(tag);
        if (field >= 3 && field <= 9) {
          bootstrapOnly = true;
        }
        if (wire != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          in.skipField(tag);
          continue;
        }
        ByteString value = in.readBytes();
        switch (field) {
          case 1 -> f1 = value.toStringUtf8();
          case 2 -> f2 = value;
          case 5 -> ttrpc = value.toStringUtf8();
          case 8 -> extensions.add(extensionValue(value));
          case 9 -> socketDir = value.toStringUtf8();
          default -> {}
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    boolean bootstrap =
        bootstrapOnly
            || (f1 != null && f1.equals(id) && f2 != null && f2.toStringUtf8().equals(namespace));
    if (bootstrap) {
      return new StartInput(extensions.stream().findFirst(), true, ttrpc, socketDir);
    }
    Any.Builder any = Any.newBuilder();
    if (f1 != null) {
      any.setTypeUrl(f1);
    }
    if (f2 != null) {
      any.setValue(f2);
    }
    return new StartInput(Optional.of(any.build()), false, "", "");
  }

  /** An extension is a message whose field 1 is the Any. */
  private static Any extensionValue(ByteString extension) throws InvalidProtocolBufferException {
    try {
      CodedInputStream in = extension.newCodedInput();
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return Any.getDefaultInstance();
        }
        if (WireFormat.getTagFieldNumber(tag) == 1
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          return Any.parseFrom(in.readBytes());
        }
        in.skipField(tag);
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }
}
