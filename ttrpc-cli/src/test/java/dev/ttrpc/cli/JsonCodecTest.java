package dev.ttrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.StatsResponse;
import dev.ttrpc.proto.io.containerd.cgroups.v1.Metrics;
import dev.ttrpc.proto.io.containerd.cgroups.v1.PidsStat;
import dev.ttrpc.proto.containerd.runc.v1.Options;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

/** JSON in and out, in particular Anys as containerd writes them. */
class JsonCodecTest {
  private final JsonCodec codec = new JsonCodec(Schemas.builtIn(), false, false);

  @Test
  void bareTypeUrlRoundTripsThroughJson() throws Exception {
    Options options = Options.newBuilder().setBinaryName("/usr/bin/runc").setRoot("/r").build();
    CreateTaskRequest request =
        CreateTaskRequest.newBuilder()
            .setId("c1")
            .setOptions(
                Any.newBuilder()
                    .setTypeUrl("containerd.runc.v1.Options")
                    .setValue(options.toByteString()))
            .build();
    String json = codec.print(request, false);
    assertTrue(json.contains("\"@type\":\"containerd.runc.v1.Options\""), json);
    assertTrue(json.contains("\"binaryName\":\"/usr/bin/runc\""), json);

    DynamicMessage parsed = codec.parse(json, CreateTaskRequest.getDescriptor());
    assertEquals(request, CreateTaskRequest.parseFrom(parsed.toByteString()));
  }

  @Test
  void prefixedTypeUrlIsKept() throws Exception {
    Metrics metrics = Metrics.newBuilder().setPids(PidsStat.newBuilder().setCurrent(3)).build();
    StatsResponse response =
        StatsResponse.newBuilder()
            .setStats(
                Any.newBuilder()
                    .setTypeUrl("type.googleapis.com/io.containerd.cgroups.v1.Metrics")
                    .setValue(metrics.toByteString()))
            .build();
    String json = codec.print(response, false);
    assertEquals(
        "{\"stats\":{\"@type\":\"type.googleapis.com/io.containerd.cgroups.v1.Metrics\","
            + "\"pids\":{\"current\":\"3\"}}}",
        json);
    assertEquals(
        response,
        StatsResponse.parseFrom(codec.parse(json, StatsResponse.getDescriptor()).toByteString()));
  }

  @Test
  void unknownTypeRoundTripsAsBase64() throws Exception {
    StatsResponse response =
        StatsResponse.newBuilder()
            .setStats(
                Any.newBuilder()
                    .setTypeUrl("example.com/x/Unknown")
                    .setValue(ByteString.copyFrom(new byte[] {1, 2, 3, (byte) 0xff})))
            .build();
    String json = codec.print(response, false);
    assertEquals("{\"stats\":{\"@type\":\"example.com/x/Unknown\",\"value\":\"AQID/w==\"}}", json);
    assertEquals(
        response,
        StatsResponse.parseFrom(codec.parse(json, StatsResponse.getDescriptor()).toByteString()));
  }

  @Test
  void emptyRequestAndMultipleValues() throws Exception {
    assertEquals(
        StatsResponse.getDefaultInstance(),
        StatsResponse.parseFrom(codec.parse("{}", StatsResponse.getDescriptor()).toByteString()));
    CliException twice =
        assertThrows(CliException.class, () -> codec.parse("{} {}", StatsResponse.getDescriptor()));
    assertTrue(twice.getMessage().contains("more than one JSON value"), twice.getMessage());
    CliException none =
        assertThrows(CliException.class, () -> codec.parse("  ", StatsResponse.getDescriptor()));
    assertTrue(none.getMessage().contains("empty"), none.getMessage());
  }

  @Test
  void jsonValuesReadsLinesAndConcatenatedValues() throws Exception {
    JsonCodec.JsonValues values =
        new JsonCodec.JsonValues(new StringReader("{\"a\":1}\n{\n\"b\":2\n} 3\n\n"), "stdin");
    assertEquals("{\"a\":1}", values.next().toString());
    assertEquals("{\"b\":2}", values.next().toString());
    assertEquals("3", values.next().toString());
    assertEquals(null, values.next());

    JsonCodec.JsonValues broken = new JsonCodec.JsonValues(new StringReader("{\"a\":"), "stdin");
    CliException e = assertThrows(CliException.class, broken::next);
    assertTrue(e.getMessage().startsWith("invalid JSON in stdin"), e.getMessage());
  }
}
