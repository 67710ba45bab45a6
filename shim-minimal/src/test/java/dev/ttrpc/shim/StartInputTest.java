package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class StartInputTest {
  @Test
  void emptyStdinMeansNoOptions() throws Exception {
    StartInput in = StartInput.parse(new byte[0], "t1", "default");
    assertTrue(in.options().isEmpty());
    assertFalse(in.bootstrap());
  }

  @Test
  void ctrsRuncOptionsAny() throws Exception {
    // The 28 bytes ctr sends for io.containerd.runc.v2: type_url only.
    byte[] b = HexFormat.of().parseHex("0a1a" + hex("containerd.runc.v1.Options"));
    assertEquals(28, b.length);
    StartInput in = StartInput.parse(b, "t1", "default");
    assertEquals("containerd.runc.v1.Options", in.options().orElseThrow().getTypeUrl());
    assertTrue(in.options().orElseThrow().getValue().isEmpty());
    assertFalse(in.bootstrap());
  }

  @Test
  void runtimeOptionsAnyWithConfigPath() throws Exception {
    Any any =
        Any.newBuilder()
            .setTypeUrl("runtimeoptions.v1.Options")
            .setValue(ByteString.copyFrom(new byte[] {0x12, 2, 'a', 'b'}))
            .build();
    StartInput in = StartInput.parse(any.toByteArray(), "t1", "default");
    assertEquals(any, in.options().orElseThrow());
  }

  @Test
  void bootstrapParamsAreRecognisedAndTheirExtensionIsTheOptions() throws Exception {
    Any opts = Any.newBuilder().setTypeUrl("runtimeoptions.v1.Options").build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(1, "t1");
    out.writeString(2, "default");
    out.writeString(5, "/run/containerd/containerd.sock.ttrpc");
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    CodedOutputStream extOut = CodedOutputStream.newInstance(ext);
    extOut.writeMessage(1, opts);
    extOut.flush();
    out.writeBytes(8, ByteString.copyFrom(ext.toByteArray()));
    out.writeString(9, "/run/containerd/s");
    out.flush();
    StartInput in = StartInput.parse(bytes.toByteArray(), "t1", "default");
    assertTrue(in.bootstrap());
    assertEquals(opts, in.options().orElseThrow());
    assertEquals("/run/containerd/containerd.sock.ttrpc", in.ttrpcAddress());
    assertEquals("/run/containerd/s", in.socketDir());
  }

  @Test
  void bootstrapParamsWithOnlyIdAndNamespaceAreNotMistakenForAnAny() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(1, "t1");
    out.writeString(2, "default");
    out.flush();
    StartInput in = StartInput.parse(bytes.toByteArray(), "t1", "default");
    assertTrue(in.bootstrap());
    assertTrue(in.options().isEmpty());
  }

  @Test
  void garbageIsAnError() {
    assertThrows(
        InvalidProtocolBufferException.class,
        () -> StartInput.parse(new byte[] {0x0a, 0x7f, 1}, "t1", "default"));
  }

  private static String hex(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
  }
}
