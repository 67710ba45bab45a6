package dev.ttrpc.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ttrpc.proto.containerd.events.TaskExit;
import dev.ttrpc.proto.containerd.runc.v1.Options;
import dev.ttrpc.proto.containerd.runc.v1.ProcessDetails;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ContainerdAnyTest {

  @Test
  void packWritesTheBareNameAsContainerdDoes() {
    TaskExit exit = TaskExit.newBuilder().setContainerId("c1").setPid(7).build();
    Any any = ContainerdAny.pack(exit);
    assertEquals("containerd.events.TaskExit", any.getTypeUrl());
    assertEquals(exit.toByteString(), any.getValue());
    // Any{type_url "containerd.runc.v1.ProcessDetails", value ProcessDetails{exec_id "e"}}, the
    // bytes containerd v1.6.20's typeurl.MarshalAny produces for the same message.
    assertArrayEquals(
        HexFormat.of()
            .parseHex("0a21636f6e7461696e6572642e72756e632e76312e50726f6365737344657461696c731203"
                + "0a0165"),
        ContainerdAny.pack(ProcessDetails.newBuilder().setExecId("e").build()).toByteArray());
  }

  @Test
  void unpackAcceptsBareAndPrefixedNames() throws InvalidProtocolBufferException {
    Options options = Options.newBuilder().setRoot("/run/runc").setIoUid(1000).build();
    Any bare = ContainerdAny.pack(options);
    Any prefixed = Any.pack(options);
    assertEquals("type.googleapis.com/containerd.runc.v1.Options", prefixed.getTypeUrl());

    for (Any any : new Any[] {bare, prefixed}) {
      assertTrue(ContainerdAny.is(any, Options.class), any.getTypeUrl());
      assertTrue(ContainerdAny.is(any, Options.getDescriptor()), any.getTypeUrl());
      assertFalse(ContainerdAny.is(any, TaskExit.class), any.getTypeUrl());
      assertEquals("containerd.runc.v1.Options", ContainerdAny.typeName(any));
      assertEquals(options, ContainerdAny.unpack(any, Options.class));
    }
  }

  @Test
  void unpackRefusesAnotherType() {
    Any any = ContainerdAny.pack(TaskExit.newBuilder().setContainerId("c1").build());
    InvalidProtocolBufferException e =
        assertThrows(
            InvalidProtocolBufferException.class, () -> ContainerdAny.unpack(any, Options.class));
    assertTrue(e.getMessage().contains("containerd.events.TaskExit"), e.getMessage());
    assertTrue(e.getMessage().contains("containerd.runc.v1.Options"), e.getMessage());
  }

  @Test
  void unpackRefusesAValueThatDoesNotParse() {
    Any broken =
        Any.newBuilder()
            .setTypeUrl("containerd.runc.v1.Options")
            .setValue(ByteString.copyFrom(new byte[] {0x0a, 0x05, 0x01}))
            .build();
    assertThrows(
        InvalidProtocolBufferException.class, () -> ContainerdAny.unpack(broken, Options.class));
  }

  @Test
  void ociJsonTypesKeepTheirRegisteredUrls() {
    Any spec =
        Any.newBuilder()
            .setTypeUrl(ContainerdAny.OCI_PROCESS)
            .setValue(ByteString.copyFrom("{\"args\":[\"sh\"]}", StandardCharsets.UTF_8))
            .build();
    assertEquals("Process", ContainerdAny.typeName(spec));
    assertEquals(
        "types.containerd.io/opencontainers/runtime-spec/1/Process", ContainerdAny.OCI_PROCESS);
    assertEquals(
        "types.containerd.io/opencontainers/runtime-spec/1/Spec", ContainerdAny.OCI_SPEC);
    assertEquals(
        "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources",
        ContainerdAny.OCI_LINUX_RESOURCES);
    assertFalse(ContainerdAny.is(spec, Options.class));
  }
}
