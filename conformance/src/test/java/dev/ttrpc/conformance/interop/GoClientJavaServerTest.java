package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.interop.GoPeer.ProcessResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Go ttrpc 1.1.1 client against the Java server (in this JVM): every case of the Go peer,
 * each in its own client process. None is excluded: oversize_response, which the Go client
 * skips against Go servers (a 1.1.1 client panics on their > 4 MiB responses), must pass here,
 * because the Java server answers an oversized response with an error Response instead.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class GoClientJavaServerTest {
  /** The Go client's cases, in its order; a change on the Go side must show up here. */
  static final List<String> GO_CASES =
      List.of(
          "empty_unary",
          "large_unary",
          "status_code_and_message",
          "special_status_message",
          "custom_metadata",
          "unimplemented_method",
          "unimplemented_service",
          "deadline_propagation",
          "timeout_on_sleeping_server",
          "oversize_request",
          "oversize_response",
          "concurrent_unary");

  private static GoPeer peer;
  private static Path socketDir;
  private static InteropServer server;

  @BeforeAll
  static void startJavaServer() throws Exception {
    peer = GoPeer.available();
    if (peer == null) {
      return;
    }
    socketDir = GoPeer.socketDir();
    server = InteropServer.start("unix://" + socketDir.resolve("java.sock"), false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (socketDir != null) {
      Files.deleteIfExists(socketDir);
    }
  }

  @BeforeEach
  void requireGoPeer() {
    GoPeer.get();
  }

  static List<String> goCases() {
    return GO_CASES;
  }

  @Test
  void goClientRunsExactlyTheListedCases() throws Exception {
    ProcessResult listed = peer.runClient(List.of("-cases"), Duration.ofSeconds(30));
    assertEquals(0, listed.exitCode(), listed::output);
    List<String> names = new ArrayList<>();
    for (String line : listed.lines()) {
      if (!line.isBlank()) {
        names.add(line.strip().split("\\s+", 2)[0]);
      }
    }
    assertEquals(GO_CASES, names);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("goCases")
  void goClientAgainstJavaServer(String name) throws Exception {
    ProcessResult result =
        peer.runClient(
            List.of("-address", server.address(), "-test_case", name, "-server_impl", "java"),
            Duration.ofMinutes(1));
    assertTrue(result.lines().contains("PASS " + name), result::output);
    assertEquals(0, result.exitCode(), result::output);
  }
}
