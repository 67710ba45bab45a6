package dev.ttrpc.conformance.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.conformance.interop.InteropServer;
import dev.ttrpc.conformance.interop.Payload;
import dev.ttrpc.conformance.interop.SimpleRequest;
import dev.ttrpc.conformance.interop.SimpleResponse;
import dev.ttrpc.conformance.interop.TestServiceTtrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class BenchTest {

  @Test
  void percentilesUseNearestRank() {
    LatencyRecorder a = new LatencyRecorder(1);
    LatencyRecorder b = new LatencyRecorder(1);
    for (int i = 100; i >= 51; i--) {
      a.record(i); // grows past its initial size
    }
    for (int i = 1; i <= 50; i++) {
      b.record(i);
    }
    long[] sorted = LatencyRecorder.sortedUnion(List.of(a, b));
    assertEquals(100, sorted.length);
    assertEquals(1, sorted[0]);
    assertEquals(50, LatencyRecorder.percentile(sorted, 50));
    assertEquals(99, LatencyRecorder.percentile(sorted, 99));
    assertEquals(100, LatencyRecorder.percentile(sorted, 100));
    assertEquals(7, LatencyRecorder.percentile(new long[] {7}, 50));
  }

  @Test
  void measuresCallsLatencyAndAllocationOfBothSides() throws Exception {
    Path dir = Files.createTempDirectory("ttrpc-bench");
    String address = "unix://" + dir.resolve("b.sock");
    try (InteropServer server = InteropServer.start(address, true)) {
      Bench.Result result =
          Bench.run(
              server.address(),
              new Bench.Config(
                  4, 65536, 2, Duration.ofMillis(200), Duration.ofMillis(500), true,
                  Bench.Threads.VIRTUAL));
      assertTrue(result.calls() > 0, result::line);
      assertTrue(result.p50Nanos() > 0 && result.p50Nanos() <= result.p99Nanos(), result::line);
      // Each side must at least hold the 64 KiB payload it parsed.
      assertTrue(result.clientBytesPerCall() >= 65536, result::line);
      assertTrue(result.serverBytesPerCall() >= 65536, result::line);
      assertTrue(result.line().startsWith("BENCH concurrency=4 connections=2 payload=65536 calls="));
    } finally {
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void snapshotsGrowWithTheServersAllocation() throws IOException {
    Path dir = Files.createTempDirectory("ttrpc-bench");
    String address = "unix://" + dir.resolve("s.sock");
    try (InteropServer server = InteropServer.start(address, true);
        TtrpcClient client = TtrpcClient.connect(server.address())) {
      long before = ServerStats.snapshot(client).allocatedBytes();
      TestServiceTtrpc.newStub(client)
          .unaryCall(SimpleRequest.newBuilder().setResponseSize(1 << 20).build());
      long after = ServerStats.snapshot(client).allocatedBytes();
      assertTrue(after - before >= 1 << 20, "allocated " + (after - before) + " bytes");
    } finally {
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void aWrongEchoVoidsTheRun() throws Exception {
    Path dir = Files.createTempDirectory("ttrpc-bench");
    String address = "unix://" + dir.resolve("w.sock");
    TestServiceTtrpc.Service truncating =
        new TestServiceTtrpc.Service() {
          @Override
          public SimpleResponse unaryCall(SimpleRequest request, ServerCallContext context) {
            ByteString body = request.getPayload().getBody();
            return SimpleResponse.newBuilder()
                .setReceivedPayloadSize(body.size())
                .setPayload(Payload.newBuilder().setBody(body.substring(1)))
                .build();
          }
        };
    TtrpcServer server =
        TtrpcServer.builder().addService(TestServiceTtrpc.bindService(truncating)).build();
    server.start(address);
    try {
      Bench.BenchFailure failure =
          assertThrows(
              Bench.BenchFailure.class,
              () ->
                  Bench.run(
                      address,
                      new Bench.Config(
                          2, 64, 1, Duration.ZERO, Duration.ofMillis(200), false,
                          Bench.Threads.PLATFORM)));
      assertTrue(failure.getMessage().contains("differs from the 64 bytes sent"),
          failure.getMessage());
    } finally {
      server.shutdownNow();
      server.awaitTermination(Duration.ofSeconds(10));
      Files.deleteIfExists(dir.resolve("w.sock"));
      Files.deleteIfExists(dir);
    }
  }
}
