package dev.ttrpc.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ttrpc.proto.containerd.task.v2.StateRequest;
import dev.ttrpc.proto.google.rpc.Status;
import dev.ttrpc.proto.ttrpc.KeyValue;
import dev.ttrpc.proto.ttrpc.Request;
import dev.ttrpc.proto.ttrpc.Response;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The golden frames of the ttRPC protocol reference (G1-G3 produced by Go ttrpc, C1-C8 computed
 * from the rules): their data parts decode as our {@code ttrpc.Request} / {@code ttrpc.Response}
 * with the expected fields, and building the same envelope from scratch gives the same bytes.
 */
class EnvelopeGoldenFramesTest {

  private static final HexFormat HEX = HexFormat.of();

  /** A frame split into its 10-byte header fields and its data. */
  private record Frame(long length, long streamId, int type, int flags, byte[] data) {
    static Frame parse(String hex) {
      byte[] bytes = HEX.parseHex(hex.replaceAll("[\\s|]", ""));
      ByteBuffer b = ByteBuffer.wrap(bytes);
      long length = Integer.toUnsignedLong(b.getInt());
      long streamId = Integer.toUnsignedLong(b.getInt());
      int type = Byte.toUnsignedInt(b.get());
      int flags = Byte.toUnsignedInt(b.get());
      byte[] data = Arrays.copyOfRange(bytes, 10, bytes.length);
      assertEquals(length, data.length, "header length must count exactly the data bytes");
      return new Frame(length, streamId, type, flags, data);
    }
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  @Test
  void g1RequestFromGo() throws InvalidProtocolBufferException {
    Frame frame =
        Frame.parse(
            "00000019 00000001 01 00 | 0a 09 68656c6c6f2e537663 12 04 4563686f 1a 06"
                + " 0a016b120176");
    assertEquals(1, frame.streamId());
    assertEquals(1, frame.type());
    assertEquals(0, frame.flags());

    Request request = Request.parseFrom(frame.data());
    assertEquals("hello.Svc", request.getService());
    assertEquals("Echo", request.getMethod());
    assertEquals(kv("k", "v"), KeyValue.parseFrom(request.getPayload()));
    assertEquals(0, request.getTimeoutNano());
    assertEquals(0, request.getMetadataCount());

    Request built =
        Request.newBuilder()
            .setService("hello.Svc")
            .setMethod("Echo")
            .setPayload(kv("k", "v").toByteString())
            .build();
    assertArrayEquals(frame.data(), built.toByteArray());
    assertArrayEquals(frame.data(), request.toByteArray());
  }

  @Test
  void g2SuccessfulResponseHasNoStatusField() throws InvalidProtocolBufferException {
    Frame frame = Frame.parse("00000009 00000001 02 00 | 12 07 0a016b12027676");
    assertEquals(2, frame.type());

    Response response = Response.parseFrom(frame.data());
    assertFalse(response.hasStatus(), "a Go server leaves status out on success");
    assertEquals(kv("k", "vv"), KeyValue.parseFrom(response.getPayload()));

    Response built = Response.newBuilder().setPayload(kv("k", "vv").toByteString()).build();
    assertArrayEquals(frame.data(), built.toByteArray());
  }

  @Test
  void g3ErrorResponseCarriesGoogleRpcStatus() throws InvalidProtocolBufferException {
    Frame frame =
        Frame.parse("00000015 00000003 02 00 | 0a 13 08 0c 12 0f 73657276696365206e6f2e53756368");
    assertEquals(3, frame.streamId());

    Response response = Response.parseFrom(frame.data());
    assertTrue(response.hasStatus());
    assertEquals(12, response.getStatus().getCode(), "UNIMPLEMENTED");
    assertEquals("service no.Such", response.getStatus().getMessage());
    assertTrue(response.getPayload().isEmpty());

    Response built =
        Response.newBuilder()
            .setStatus(Status.newBuilder().setCode(12).setMessage("service no.Such"))
            .build();
    assertArrayEquals(frame.data(), built.toByteArray());
  }

  @Test
  void c1ContainerdStyleStateCall() throws InvalidProtocolBufferException {
    Frame frame =
        Frame.parse(
            "00000053 00000005 01 00 | 0a 17 636f6e7461696e6572642e7461736b2e76322e5461736b 12 05"
                + " 5374617465 1a 04 0a027431 20 80a8d6b907 2a 25 0a 1a"
                + " 636f6e7461696e6572642d6e616d6573706163652d7474727063 12 07 64656661756c74");
    assertEquals(5, frame.streamId());

    Request request = Request.parseFrom(frame.data());
    assertEquals("containerd.task.v2.Task", request.getService());
    assertEquals("State", request.getMethod());
    assertEquals("t1", StateRequest.parseFrom(request.getPayload()).getId());
    assertEquals(2_000_000_000L, request.getTimeoutNano());
    assertEquals(1, request.getMetadataCount());
    assertEquals(kv("containerd-namespace-ttrpc", "default"), request.getMetadata(0));

    Request built =
        Request.newBuilder()
            .setService("containerd.task.v2.Task")
            .setMethod("State")
            .setPayload(StateRequest.newBuilder().setId("t1").build().toByteString())
            .setTimeoutNano(2_000_000_000L)
            .addMetadata(kv("containerd-namespace-ttrpc", "default"))
            .build();
    assertArrayEquals(frame.data(), built.toByteArray());
  }

  @Test
  void c2OversizeRejection() throws InvalidProtocolBufferException {
    Frame frame =
        Frame.parse(
            "00000043 00000007 02 00 | 0a 41 08 08 12 3d"
                + " 6d657373616765206c656e677468203431393433303520657863656564206d6178696d756d"
                + "206d6573736167652073697a65206f662034313934333034");
    Response response = Response.parseFrom(frame.data());
    assertEquals(8, response.getStatus().getCode(), "RESOURCE_EXHAUSTED");
    assertEquals(
        "message length 4194305 exceed maximum message size of 4194304",
        response.getStatus().getMessage());

    Response built =
        Response.newBuilder()
            .setStatus(
                Status.newBuilder()
                    .setCode(8)
                    .setMessage("message length 4194305 exceed maximum message size of 4194304"))
            .build();
    assertArrayEquals(frame.data(), built.toByteArray());
  }

  @Test
  void c3AndC4StreamingRequestsOmitAnEmptyPayload() throws InvalidProtocolBufferException {
    Frame c3 = Frame.parse("00000013 00000009 01 01 | 0a 09 68656c6c6f2e537663 12 06 446976696465");
    Frame c4 = Frame.parse("00000010 0000000b 01 02 | 0a 09 68656c6c6f2e537663 12 03 53756d");
    assertEquals(0x01, c3.flags());
    assertEquals(0x02, c4.flags());
    assertEquals(11, c4.streamId());

    Request divide = Request.parseFrom(c3.data());
    assertEquals("Divide", divide.getMethod());
    assertTrue(divide.getPayload().isEmpty());

    // proto3 leaves an empty bytes field out, which is what Go sends.
    Request built =
        Request.newBuilder()
            .setService("hello.Svc")
            .setMethod("Sum")
            .setPayload(ByteString.EMPTY)
            .build();
    assertArrayEquals(c4.data(), built.toByteArray());
  }

  @Test
  void c7OkResponseWithExplicitCodeZero() throws InvalidProtocolBufferException {
    Frame frame = Frame.parse("0000000b 00000001 02 00 | 0a 00 12 07 0a016b12027676");

    Response response = Response.parseFrom(frame.data());
    assertTrue(response.hasStatus(), "Rust and Swift servers send status{code: 0}");
    assertEquals(0, response.getStatus().getCode());
    assertEquals(kv("k", "vv"), KeyValue.parseFrom(response.getPayload()));

    Response built =
        Response.newBuilder()
            .setStatus(Status.getDefaultInstance())
            .setPayload(kv("k", "vv").toByteString())
            .build();
    assertArrayEquals(frame.data(), built.toByteArray());
  }

  @Test
  void c8NegativeTimeoutIsATenByteVarint() throws InvalidProtocolBufferException {
    byte[] field = HEX.parseHex("20ffffffffffffffffff01");
    assertArrayEquals(field, Request.newBuilder().setTimeoutNano(-1).build().toByteArray());
    assertEquals(-1, Request.parseFrom(field).getTimeoutNano());
  }
}
