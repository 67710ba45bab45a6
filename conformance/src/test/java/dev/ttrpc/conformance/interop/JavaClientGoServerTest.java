package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.TtrpcClient;
import dev.ttrpc.conformance.bench.Bench;
import dev.ttrpc.conformance.interop.CaseResult.Verdict;
import dev.ttrpc.conformance.interop.GoPeer.RunningProcess;
import dev.ttrpc.conformance.interop.InteropEnv.ServerImpl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Java client against the Go ttrpc 1.1.1 server: every interop case, on one shared
 * connection as the command-line client runs them.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JavaClientGoServerTest {
  /**
   * Cases that cannot apply to a Go ttrpc 1.1.1 server, with the reason: they must report SKIP
   * with exactly that reason (anything else, a pass included, fails the test). None at present:
   * the streaming cases check Go's UNIMPLEMENTED answer there instead.
   */
  static final Map<InteropCase, String> NOT_APPLICABLE = Map.of();

  private static Path socketDir;
  private static RunningProcess server;
  private static TtrpcClient client;
  private static InteropEnv env;

  @BeforeAll
  static void startGoServer() throws Exception {
    GoPeer peer = GoPeer.available();
    if (peer == null) {
      return;
    }
    socketDir = GoPeer.socketDir();
    String address = "unix://" + socketDir.resolve("go.sock");
    server = peer.startServer(address);
    client = TtrpcClient.connect(address);
    env = new InteropEnv(client, address, ServerImpl.GO);
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
    if (socketDir != null) {
      java.nio.file.Files.deleteIfExists(socketDir.resolve("go.sock"));
      java.nio.file.Files.deleteIfExists(socketDir);
    }
  }

  @BeforeEach
  void requireGoPeer() {
    GoPeer.get();
  }

  @Test
  void benchToolLoadsTheGoServerWithEveryResponseChecked() throws Exception {
    // 64 concurrent callers on one connection, 4 KiB echoes: any mixed-up, truncated or failed
    // response voids the run with a BenchFailure.
    Bench.Result result =
        Bench.run(
            env.address(),
            new Bench.Config(
                64, 4096, 1, Duration.ofMillis(200), Duration.ofMillis(800), false,
                Bench.Threads.VIRTUAL));
    assertTrue(result.calls() > 64, result::line);
    assertTrue(server.isAlive(), () -> "the Go server died:\n" + server.output());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(InteropCase.class)
  void javaClientAgainstGoServer(InteropCase c) {
    CaseResult result = c.run(env, Duration.ofMinutes(1));
    String reason = NOT_APPLICABLE.get(c);
    if (reason != null) {
      assertEquals(CaseResult.skip(c.caseName(), reason), result);
    } else {
      assertEquals(Verdict.PASS, result.verdict(), () -> result.line() + "\nGo server output:\n"
          + server.output());
    }
    assertTrue(server.isAlive(), () -> "the Go server died:\n" + server.output());
  }
}
