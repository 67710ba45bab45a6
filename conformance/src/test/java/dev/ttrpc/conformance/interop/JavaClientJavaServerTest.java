package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ttrpc.TtrpcClient;
import dev.ttrpc.conformance.interop.CaseResult.Verdict;
import dev.ttrpc.conformance.interop.InteropEnv.ServerImpl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Java client against the Java server, in one JVM: every interop case must pass, the
 * streaming ones included, on one shared connection.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JavaClientJavaServerTest {
  private static Path socketDir;
  private static InteropServer server;
  private static TtrpcClient client;
  private static InteropEnv env;

  @BeforeAll
  static void startJavaServer() throws Exception {
    socketDir = GoPeer.socketDir();
    String address = "unix://" + socketDir.resolve("java.sock");
    server = InteropServer.start(address, false);
    client = TtrpcClient.connect(address);
    env = new InteropEnv(client, address, ServerImpl.JAVA);
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
      Files.deleteIfExists(socketDir);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(InteropCase.class)
  void javaClientAgainstJavaServer(InteropCase c) {
    CaseResult result = c.run(env, Duration.ofMinutes(1));
    assertEquals(Verdict.PASS, result.verdict(), result::line);
  }
}
