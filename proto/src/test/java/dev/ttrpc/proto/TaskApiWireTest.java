package dev.ttrpc.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import dev.ttrpc.proto.containerd.events.TaskExit;
import dev.ttrpc.proto.containerd.runc.v1.Options;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.Envelope;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsTtrpc;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.ForwardRequest;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.StateResponse;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.proto.containerd.types.Mount;
import dev.ttrpc.proto.containerd.v1.types.Status;
import dev.ttrpc.proto.io.containerd.cgroups.v2.CPUStat;
import dev.ttrpc.proto.io.containerd.cgroups.v2.Metrics;
import dev.ttrpc.proto.ttrpc.Request;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Task API, event and metrics messages on the wire: byte-exact encodings computed independently
 * of protobuf-java (the CreateTaskRequest and StateResponse vectors are also what containerd
 * v1.6.20's own Go types marshal those messages to), round trips through the ttRPC envelope, and
 * the routing names of the generated bindings.
 */
class TaskApiWireTest {

  private static final HexFormat HEX = HexFormat.of();

  /**
   * The type URL containerd 1.6 writes into an Any: Go's typeurl falls back to the bare message
   * name for protobuf types, without the "type.googleapis.com/" prefix.
   */
  private static final String RUNC_OPTIONS_URL = "containerd.runc.v1.Options";

  /** Go's zero time.Time (0001-01-01T00:00:00Z), which gogo's non-nullable timestamps send. */
  private static final long GO_ZERO_TIME_SECONDS = -62135596800L;

  private static CreateTaskRequest sampleCreate() {
    Options runc = Options.newBuilder().setBinaryName("runc").setSystemdCgroup(true).build();
    return CreateTaskRequest.newBuilder()
        .setId("t1")
        .setBundle("/run/b")
        .addRootfs(
            Mount.newBuilder()
                .setType("bind")
                .setSource("/src")
                .addOptions("rbind")
                .addOptions("ro"))
        .setStdout("/o")
        .setStderr("/e")
        .setOptions(Any.newBuilder().setTypeUrl(RUNC_OPTIONS_URL).setValue(runc.toByteString()))
        .build();
  }

  @Test
  void createTaskRequestEncodesAsContainerdDoes() throws InvalidProtocolBufferException {
    // Field by field: id(1) bundle(2) rootfs(3){type source options options} stdout(6) stderr(7)
    // options(10){type_url value{binary_name(6) systemd_cgroup(9)}}; empty fields left out.
    byte[] expected =
        HEX.parseHex(
            "0a027431"
                + "12062f72756e2f62"
                + "1a17"
                + "0a0462696e64"
                + "12042f737263"
                + "22057262696e64"
                + "2202726f"
                + "32022f6f"
                + "3a022f65"
                + "5226"
                + "0a1a636f6e7461696e6572642e72756e632e76312e4f7074696f6e73"
                + "1208"
                + "320472756e63"
                + "4801");
    assertArrayEquals(expected, sampleCreate().toByteArray());

    CreateTaskRequest parsed = CreateTaskRequest.parseFrom(expected);
    assertEquals(sampleCreate(), parsed);
    assertEquals(1, parsed.getRootfsCount());
    assertEquals("bind", parsed.getRootfs(0).getType());
    assertEquals(2, parsed.getRootfs(0).getOptionsCount());
    assertFalse(parsed.getTerminal());
    assertEquals("", parsed.getStdin());
  }

  @Test
  void createTaskRequestRoundTripsThroughTheEnvelope() throws InvalidProtocolBufferException {
    Request request =
        Request.newBuilder()
            .setService(TaskTtrpc.SERVICE_NAME)
            .setMethod(TaskTtrpc.METHOD_CREATE.methodName())
            .setPayload(sampleCreate().toByteString())
            .setTimeoutNano(-1)
            .build();

    Request received = Request.parseFrom(request.toByteArray());
    assertEquals("containerd.task.v2.Task", received.getService());
    assertEquals("Create", received.getMethod());
    CreateTaskRequest create = CreateTaskRequest.parseFrom(received.getPayload());
    assertEquals(sampleCreate(), create);

    Any options = create.getOptions();
    assertEquals(RUNC_OPTIONS_URL, options.getTypeUrl());
    Options runc = Options.parseFrom(options.getValue());
    assertEquals("runc", runc.getBinaryName());
    assertTrue(runc.getSystemdCgroup());
    // protobuf-java's Any.is/unpack only accept "<prefix>/<name>"; a bare URL from containerd
    // must be matched by name and its value parsed directly, as above.
    assertFalse(options.is(Options.class));
    assertThrows(InvalidProtocolBufferException.class, () -> options.unpack(Options.class));
  }

  @Test
  void stateResponseFromAGoShimWithZeroExitTime() throws InvalidProtocolBufferException {
    // StateResponse{id "t1", pid 42, status RUNNING, exited_at = Go zero time}: the runc shim
    // always sends exited_at, even for a running process.
    byte[] fromGo = HEX.parseHex("0a027431182a2002520b088092b8c398feffffff01");
    StateResponse state = StateResponse.parseFrom(fromGo);
    assertEquals("t1", state.getId());
    assertEquals(42, state.getPid());
    assertEquals(Status.RUNNING, state.getStatus());
    assertTrue(state.hasExitedAt());
    assertEquals(GO_ZERO_TIME_SECONDS, state.getExitedAt().getSeconds());
    assertEquals(0, state.getExitedAt().getNanos());

    StateResponse built =
        StateResponse.newBuilder()
            .setId("t1")
            .setPid(42)
            .setStatus(Status.RUNNING)
            .setExitedAt(Timestamp.newBuilder().setSeconds(GO_ZERO_TIME_SECONDS))
            .build();
    assertArrayEquals(fromGo, built.toByteArray());
  }

  @Test
  void taskExitForwardedAsAnEventEnvelope() throws InvalidProtocolBufferException {
    TaskExit exit =
        TaskExit.newBuilder()
            .setContainerId("c1")
            .setId("c1")
            .setPid(4242)
            .setExitStatus(137)
            .setExitedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L).setNanos(5))
            .build();
    ForwardRequest forward =
        ForwardRequest.newBuilder()
            .setEnvelope(
                Envelope.newBuilder()
                    .setTimestamp(Timestamp.newBuilder().setSeconds(1_700_000_001L))
                    .setNamespace("default")
                    .setTopic("/tasks/exit")
                    .setEvent(
                        Any.newBuilder()
                            .setTypeUrl("containerd.events.TaskExit")
                            .setValue(exit.toByteString())))
            .build();

    ForwardRequest parsed = ForwardRequest.parseFrom(forward.toByteArray());
    assertEquals("/tasks/exit", parsed.getEnvelope().getTopic());
    assertEquals(exit, TaskExit.parseFrom(parsed.getEnvelope().getEvent().getValue()));
    // TaskExit{container_id "c1"}: field 1 is the container id.
    assertArrayEquals(
        HEX.parseHex("0a026331"),
        TaskExit.newBuilder().setContainerId("c1").build().toByteArray());

    assertEquals("containerd.services.events.ttrpc.v1.Events", EventsTtrpc.SERVICE_NAME);
    assertEquals("Forward", EventsTtrpc.METHOD_FORWARD.methodName());
  }

  @Test
  void cgroupV2MetricsSkipFieldThree() {
    Metrics metrics =
        Metrics.newBuilder()
            .setCpu(CPUStat.newBuilder().setUsageUsec(7))
            .setMemory(dev.ttrpc.proto.io.containerd.cgroups.v2.MemoryStat.newBuilder().setAnon(1))
            .build();
    // cpu is field 2 (tag 12), memory field 4 (tag 22).
    assertArrayEquals(HEX.parseHex("1202080722020801"), metrics.toByteArray());
  }
}
