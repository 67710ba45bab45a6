package dev.ttrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Int32Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.Marshaller;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.MethodType;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.Status;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.proto.containerd.task.v2.StateRequest;
import dev.ttrpc.proto.containerd.task.v2.StateResponse;
import dev.ttrpc.proto.containerd.task.v2.StatsRequest;
import dev.ttrpc.proto.containerd.task.v2.StatsResponse;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.proto.io.containerd.cgroups.v1.CPUStat;
import dev.ttrpc.proto.io.containerd.cgroups.v1.CPUUsage;
import dev.ttrpc.proto.io.containerd.cgroups.v1.Metrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ttrpc call} in-process against a real ttRPC server: containerd's Task service (built-in
 * schema) for unary calls, metadata, Any and failures, and a streaming service whose schema comes
 * from a descriptor set, for the three streaming kinds.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class CallTest {
  private static final String SPEC_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

  @TempDir static Path dir;
  private static TtrpcServer server;
  private static String address;
  private static Path streamsSet;

  @BeforeAll
  static void startServer() throws Exception {
    address = "unix://" + dir.resolve("cli.sock");
    server =
        TtrpcServer.builder()
            .addService(TaskTtrpc.bindService(new Task()))
            .addService(streams())
            .build()
            .start(address);
    streamsSet = dir.resolve("streams.pb");
    Files.write(streamsSet, FileDescriptorSet.newBuilder().addFile(streamsFile()).build()
        .toByteArray());
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  /** State and Stats of a Task whose answers depend on the request, to test the client with. */
  private static final class Task implements TaskTtrpc.Service {
    @Override
    public StateResponse state(StateRequest request, ServerCallContext context) {
      switch (request.getId()) {
        case "missing" ->
            throw Status.NOT_FOUND.withMessage("container missing: not found").asException();
        case "slow" -> sleep();
        default -> {}
      }
      String bundle =
          String.join(",", context.metadata().getAll("x-test")) + "|"
              + context.metadata().get(Options.NAMESPACE_KEY);
      if (request.getId().equals("big")) {
        bundle = "b".repeat(4096);
      }
      return StateResponse.newBuilder()
          .setId(request.getId())
          .setExecId(request.getExecId())
          .setBundle(bundle)
          .setPid(42)
          .setStatus(dev.ttrpc.proto.containerd.v1.types.Status.RUNNING)
          .build();
    }

    private static void sleep() {
      try {
        Thread.sleep(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw Status.CANCELLED.withMessage("interrupted").asException(e);
      }
    }

    @Override
    public StatsResponse stats(StatsRequest request, ServerCallContext context) {
      if (request.getId().equals("opaque")) {
        return StatsResponse.newBuilder()
            .setStats(
                Any.newBuilder()
                    .setTypeUrl(SPEC_URL)
                    .setValue(ByteString.copyFromUtf8("{\"ociVersion\":\"1.0.2\"}")))
            .build();
      }
      Metrics metrics =
          Metrics.newBuilder()
              .setCpu(CPUStat.newBuilder().setUsage(CPUUsage.newBuilder().setTotal(1234)))
              .build();
      return StatsResponse.newBuilder()
          .setStats(
              Any.newBuilder()
                  .setTypeUrl("io.containerd.cgroups.v1.Metrics")
                  .setValue(metrics.toByteString()))
          .build();
    }
  }

  /** {@code test.streams.Streams}: Count (server stream), Join (client stream), Echo (bidi). */
  private static FileDescriptorProto streamsFile() {
    return FileDescriptorProto.newBuilder()
        .setName("test/streams.proto")
        .setPackage("test.streams")
        .setSyntax("proto3")
        .addDependency("google/protobuf/wrappers.proto")
        .addService(
            ServiceDescriptorProto.newBuilder()
                .setName("Streams")
                .addMethod(method("Count", ".google.protobuf.Int32Value", false, true))
                .addMethod(method("Join", ".google.protobuf.StringValue", true, false))
                .addMethod(method("Echo", ".google.protobuf.StringValue", true, true)))
        .build();
  }

  private static MethodDescriptorProto method(
      String name, String input, boolean clientStreaming, boolean serverStreaming) {
    return MethodDescriptorProto.newBuilder()
        .setName(name)
        .setInputType(input)
        .setOutputType(".google.protobuf.StringValue")
        .setClientStreaming(clientStreaming)
        .setServerStreaming(serverStreaming)
        .build();
  }

  private static ServiceDefinition streams() {
    Marshaller<StringValue> string = Marshaller.protobuf(StringValue.getDefaultInstance());
    Marshaller<Int32Value> int32 = Marshaller.protobuf(Int32Value.getDefaultInstance());
    String service = "test.streams.Streams";
    return ServiceDefinition.builder(service)
        .serverStreaming(
            MethodDescriptor.of(MethodType.SERVER_STREAMING, service, "Count", int32, string),
            (request, responses, context) -> {
              for (int i = 1; i <= request.getValue(); i++) {
                responses.send(StringValue.of("n" + i));
              }
            })
        .clientStreaming(
            MethodDescriptor.of(MethodType.CLIENT_STREAMING, service, "Join", string, string),
            (requests, context) -> {
              List<String> parts = new ArrayList<>();
              for (StringValue v = requests.receive(); v != null; v = requests.receive()) {
                parts.add(v.getValue());
              }
              return StringValue.of(String.join(",", parts));
            })
        .bidiStreaming(
            MethodDescriptor.of(MethodType.BIDI_STREAMING, service, "Echo", string, string),
            (requests, responses, context) -> {
              for (StringValue v = requests.receive(); v != null; v = requests.receive()) {
                responses.send(StringValue.of("echo:" + v.getValue()));
              }
            })
        .build();
  }

  @Test
  void unaryCallPrintsTheResponseInProtobufJsonMapping() {
    CliRun run = CliRun.run("call", address, "containerd.task.v2.Task/State", "{\"id\":\"c1\"}");
    assertEquals(0, run.exitCode(), run::toString);
    JsonObject response = run.json().getAsJsonObject();
    assertEquals("c1", response.get("id").getAsString(), run::toString);
    assertEquals(42, response.get("pid").getAsInt(), run::toString);
    assertEquals("RUNNING", response.get("status").getAsString(), run::toString);
    // Defaults are left out unless asked for; lowerCamelCase names unless asked otherwise.
    assertTrue(!response.has("execId") && !response.has("exitStatus"), run::toString);
    assertTrue(run.out().contains("\n  \"id\""), "multi-line by default: " + run);
    assertEquals("", run.err());
  }

  @Test
  void optionsShapeTheOutput() {
    CliRun run =
        CliRun.run("call", address, "--emit-defaults", "--proto-names", "--compact",
            "containerd.task.v2.Task/State", "{\"id\":\"c1\"}");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(1, run.out().lines().count(), run::toString);
    JsonObject response = run.json().getAsJsonObject();
    assertEquals(0, response.get("exit_status").getAsInt(), run::toString);
    assertEquals("", response.get("exec_id").getAsString(), run::toString);
  }

  @Test
  void metadataAndNamespaceReachTheServer() {
    CliRun run =
        CliRun.run("call", "-H", "x-test=one", "--header", "X-Test=two", "-n", "k8s.io",
            address, "/containerd.task.v2.Task/State", "{\"id\":\"c1\"}");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("one,two|k8s.io", run.json().getAsJsonObject().get("bundle").getAsString());
  }

  @Test
  void requestFromStdin() {
    CliRun run =
        CliRun.runWithInput("{\n  \"id\": \"from-stdin\",\n  \"execId\": \"e1\"\n}\n",
            "call", address, "containerd.task.v2.Task/State", "-");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("from-stdin", run.json().getAsJsonObject().get("id").getAsString());
    assertEquals("e1", run.json().getAsJsonObject().get("execId").getAsString());
  }

  @Test
  void failedCallPrintsCodeAndMessageAndExitsWith64PlusCode() {
    CliRun run =
        CliRun.run("call", address, "containerd.task.v2.Task/State", "{\"id\":\"missing\"}");
    assertEquals(64 + 5, run.exitCode(), run::toString);
    assertEquals("ttrpc: NOT_FOUND (5): container missing: not found\n", run.err());
    assertEquals("", run.out());
  }

  @Test
  void methodTheServerDoesNotImplement() {
    CliRun run = CliRun.run("call", address, "containerd.task.v2.Task/Pids", "{}");
    assertEquals(64 + 12, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("ttrpc: UNIMPLEMENTED (12): "), run::toString);
  }

  @Test
  void timeoutEndsTheCallWithDeadlineExceeded() {
    long start = System.nanoTime();
    CliRun run =
        CliRun.run("call", "--timeout", "200ms", address, "containerd.task.v2.Task/State",
            "{\"id\":\"slow\"}");
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(64 + 4, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("ttrpc: DEADLINE_EXCEEDED (4)"), run::toString);
    assertTrue(millis < 5_000, "took " + millis + " ms");
  }

  @Test
  void responseOverTheMaximumMessageSizeFailsWithResourceExhausted() {
    CliRun small =
        CliRun.run("call", "--max-msg-size", "1KiB", address, "containerd.task.v2.Task/State",
            "{\"id\":\"big\"}");
    assertEquals(64 + 8, small.exitCode(), small::toString);
    assertTrue(small.err().startsWith("ttrpc: RESOURCE_EXHAUSTED (8)"), small::toString);

    CliRun enough =
        CliRun.run("call", "--max-msg-size", "8KiB", address, "containerd.task.v2.Task/State",
            "{\"id\":\"big\"}");
    assertEquals(0, enough.exitCode(), enough::toString);
  }

  @Test
  void anyWithContainerdsBareTypeUrlIsShownWithItsFields() {
    CliRun run = CliRun.run("call", address, "containerd.task.v2.Task/Stats", "{\"id\":\"c1\"}");
    assertEquals(0, run.exitCode(), run::toString);
    JsonObject stats = run.json().getAsJsonObject().getAsJsonObject("stats");
    assertEquals(
        "io.containerd.cgroups.v1.Metrics", stats.get("@type").getAsString(), run::toString);
    assertEquals(
        "1234",
        stats.getAsJsonObject("cpu").getAsJsonObject("usage").get("total").getAsString(),
        run::toString);
  }

  @Test
  void anyOfAnUnknownTypeIsShownAsItsBytes() {
    CliRun run =
        CliRun.run("call", address, "containerd.task.v2.Task/Stats", "{\"id\":\"opaque\"}");
    assertEquals(0, run.exitCode(), run::toString);
    JsonObject stats = run.json().getAsJsonObject().getAsJsonObject("stats");
    assertEquals(SPEC_URL, stats.get("@type").getAsString(), run::toString);
    assertEquals(
        "{\"ociVersion\":\"1.0.2\"}",
        new String(Base64.getDecoder().decode(stats.get("value").getAsString()),
            StandardCharsets.UTF_8));
  }

  @Test
  void serverStreamPrintsOneLinePerResponse() {
    CliRun run =
        CliRun.run("call", "--descriptor-set", streamsSet.toString(), address,
            "test.streams.Streams/Count", "3");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(List.of("\"n1\"", "\"n2\"", "\"n3\""), run.out().lines().toList());
  }

  @Test
  void clientStreamSendsEveryJsonValueFromStdin() {
    CliRun run =
        CliRun.runWithInput("\"a\"\n\"b\"\n\n\"c\"\n",
            "call", "--descriptor-set", streamsSet.toString(), address,
            "test.streams.Streams/Join");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals("\"a,b,c\"", run.out().strip());
  }

  @Test
  void bidiStreamEchoesEachRequest() {
    CliRun run =
        CliRun.runWithInput("\"x\" \"y\"\n\"z\"",
            "call", "--descriptor-set", streamsSet.toString(), address,
            "test.streams.Streams/Echo");
    assertEquals(0, run.exitCode(), run::toString);
    List<String> lines = run.jsonLines().stream().map(JsonElement::getAsString).toList();
    assertEquals(List.of("echo:x", "echo:y", "echo:z"), lines);
  }

  @Test
  void badJsonInAStreamCancelsTheCallAndSaysWhere() {
    CliRun run =
        CliRun.runWithInput("\"x\"\n{oops\n",
            "call", "--descriptor-set", streamsSet.toString(), address,
            "test.streams.Streams/Echo");
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains("stdin"), run::toString);
  }

  @Test
  void invalidRequestJsonFailsBeforeConnecting() {
    CliRun run =
        CliRun.run("call", "unix:///nonexistent/x.sock", "containerd.task.v2.Task/State",
            "{\"idd\":\"c1\"}");
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains("invalid containerd.task.v2.StateRequest JSON"), run::toString);
    assertTrue(run.err().contains("idd"), run::toString);
  }

  @Test
  void unreachableServerIsAClearFailure() {
    CliRun run =
        CliRun.run("call", "unix://" + dir.resolve("nobody.sock"),
            "containerd.task.v2.Task/State", "{\"id\":\"c1\"}");
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().startsWith("ttrpc: cannot connect to unix://"), run::toString);
  }

  @Test
  void aServerThatRefusesTheConnectionGetsAHint() throws Exception {
    String refusing = "unix://" + dir.resolve("refusing.sock");
    TtrpcServer strict =
        TtrpcServer.builder()
            .addService(TaskTtrpc.bindService(new Task()))
            .handshaker(peer -> {
              throw new SecurityException("not you");
            })
            .build()
            .start(refusing);
    try {
      CliRun run =
          CliRun.run("call", refusing, "containerd.task.v2.Task/State", "{\"id\":\"c1\"}");
      assertEquals(64 + 14, run.exitCode(), run::toString);
      assertTrue(run.err().startsWith("ttrpc: UNAVAILABLE (14): ttrpc: closed\n"), run::toString);
      assertTrue(run.err().contains("hint: the server closed the connection"), run::toString);
    } finally {
      strict.shutdownNow();
    }
  }

  @Test
  void unknownServiceOrMethodIsAUsageError() {
    CliRun service = CliRun.run("call", address, "no.such.Service/Call", "{}");
    assertEquals(2, service.exitCode(), service::toString);
    assertTrue(service.err().contains("unknown service no.such.Service"), service::toString);

    CliRun method = CliRun.run("call", address, "containerd.task.v2.Task/Nope", "{}");
    assertEquals(2, method.exitCode(), method::toString);
    assertTrue(method.err().contains("has no method Nope"), method::toString);
    assertTrue(method.err().contains("State"), "lists the methods there are: " + method);
  }
}
