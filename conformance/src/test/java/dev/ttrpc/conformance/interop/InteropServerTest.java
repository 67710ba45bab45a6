package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.conformance.interop.TestServiceTtrpc.TestServiceStub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java interop server's own rules, beyond what the interop cases check. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class InteropServerTest {
  private Path dir;

  @BeforeEach
  void makeDir() throws IOException {
    dir = GoPeer.socketDir();
  }

  @AfterEach
  void removeDir() throws IOException {
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
    }
    Files.deleteIfExists(dir);
  }

  @Test
  void refusesToReplaceAFileThatIsNotASocket() throws IOException {
    Path file = Files.writeString(dir.resolve("precious"), "keep me");
    IOException e =
        assertThrows(IOException.class, () -> InteropServer.start("unix://" + file, false));
    assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
    assertEquals("keep me", Files.readString(file));
  }

  @Test
  void replacesAStaleSocketAndRemovesItsOwnOnClose() throws IOException {
    String address = "unix://" + dir.resolve("s.sock");
    InteropServer.start(address, false).close();
    try (InteropServer server = InteropServer.start(address, false);
        TtrpcClient client = TtrpcClient.connect(server.address())) {
      assertEquals(
          Empty.getDefaultInstance(),
          TestServiceTtrpc.newStub(client).emptyCall(Empty.getDefaultInstance()));
    }
    assertFalse(Files.exists(dir.resolve("s.sock")));
  }

  @Test
  void refusesRequestsOutOfRange() throws IOException {
    String address = "unix://" + dir.resolve("r.sock");
    try (InteropServer server = InteropServer.start(address, false);
        TtrpcClient client = TtrpcClient.connect(server.address())) {
      TestServiceStub stub = TestServiceTtrpc.newStub(client).withTimeout(Duration.ofSeconds(10));
      StatusException tooBig =
          assertThrows(
              StatusException.class,
              () -> stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(16 << 20 | 1).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, tooBig.code());
      assertEquals("response_size 16777217 out of range [0, 16777216]", tooBig.status().message());

      StatusException negative =
          assertThrows(
              StatusException.class,
              () -> stub.sleepCall(SleepRequest.newBuilder().setSleepMillis(-1).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, negative.code());
      assertEquals("sleep_millis -1 is negative", negative.status().message());

      // The server keeps serving after refusing.
      assertEquals(
          7,
          stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(7).build())
              .getPayload()
              .getBody()
              .size());
    }
  }

  @Test
  void statsServiceOnlyWithStats() throws IOException {
    String address = "unix://" + dir.resolve("t.sock");
    try (InteropServer server = InteropServer.start(address, false);
        TtrpcClient client = TtrpcClient.connect(server.address())) {
      StatusException e =
          assertThrows(
              StatusException.class,
              () -> dev.ttrpc.conformance.bench.ServerStats.snapshot(client));
      assertEquals(Status.Code.UNIMPLEMENTED, e.code());
    }
  }
}
