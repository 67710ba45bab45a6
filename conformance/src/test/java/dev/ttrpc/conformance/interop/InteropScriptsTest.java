package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.interop.GoPeer.ProcessResult;
import dev.ttrpc.conformance.interop.GoPeer.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The command-line tools as a user runs them: {@code bin/interop-server} as a process of its own,
 * with {@code bin/interop-client} and the Go client against it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InteropScriptsTest {
  private static Path socketDir;
  private static Path socket;
  private static RunningProcess server;

  @BeforeAll
  static void startServerScript() throws Exception {
    socketDir = GoPeer.socketDir();
    socket = socketDir.resolve("script.sock");
    String address = "unix://" + socket;
    server =
        RunningProcess.start(
            List.of(bin("interop-server").toString(), "--address", address), "READY " + address);
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

  private static Path bin(String name) {
    return GoPeer.moduleDir().resolve("bin").resolve(name);
  }

  @Test
  void javaClientScriptPassesEveryCase() throws Exception {
    ProcessResult result =
        GoPeer.run(
            List.of(bin("interop-client").toString(), "--address", "unix://" + socket),
            Duration.ofMinutes(2));
    assertEquals(0, result.exitCode(), result::output);
    for (InteropCase c : InteropCase.values()) {
      assertTrue(result.lines().contains("PASS " + c.caseName()), result::output);
    }
  }

  @Test
  void goClientPassesEveryCaseAgainstTheServerScript() throws Exception {
    ProcessResult result =
        GoPeer.get()
            .runClient(
                List.of("-address", "unix://" + socket, "-server_impl", "java"),
                Duration.ofMinutes(2));
    assertEquals(0, result.exitCode(), result::output);
    for (String name : GoClientJavaServerTest.GO_CASES) {
      assertTrue(result.lines().contains("PASS " + name), result::output);
    }
  }

  @Test
  void clientScriptFailsOnAnUnknownCase() throws Exception {
    ProcessResult result =
        GoPeer.run(
            List.of(
                bin("interop-client").toString(),
                "--address",
                "unix://" + socket,
                "--test_case",
                "no_such_case"),
            Duration.ofMinutes(1));
    assertEquals(2, result.exitCode(), result::output);
    assertTrue(result.output().contains("unknown test case no_such_case"), result::output);
  }

  @Test
  void serverScriptRemovesItsSocketOnSigterm() throws Exception {
    Path own = socketDir.resolve("sigterm.sock");
    String address = "unix://" + own;
    RunningProcess second =
        RunningProcess.start(
            List.of(bin("interop-server").toString(), "--address", address), "READY " + address);
    assertTrue(Files.exists(own));
    second.close();
    assertFalse(second.isAlive());
    assertFalse(Files.exists(own), "socket left behind after SIGTERM");
  }
}
