package dev.ttrpc.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.RawConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server out of file descriptors (EMFILE) logs one warning, backs off, and accepts again once
 * descriptors are free. The server runs in a child JVM whose descriptor limit is lowered with
 * prlimit(1) once it is listening, so the test JVM's own limit is untouched.
 */
class AcceptBackoffTest {
  private static final int CONNECTIONS = 60;

  @TempDir Path dir;

  @Test
  void outOfDescriptorsTheServerLogsOnceBacksOffAndRecovers() throws Exception {
    Path prlimit = Path.of("/usr/bin/prlimit");
    if (!Files.isExecutable(prlimit)) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("prlimit (util-linux) is needed and must be installed in CI");
      }
      Assumptions.abort("prlimit (util-linux) not installed");
    }
    Path socket = dir.resolve("s.sock");
    Path log = dir.resolve("server.log");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                System.getProperty("java.class.path"),
                FdLimitServer.class.getName(),
                socket.toString())
            .redirectError(log.toFile())
            .start();
    List<RawConnection> connections = new ArrayList<>();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String ready = out.readLine();
      assertTrue(ready != null && ready.startsWith("READY "), "child said " + ready + "; log:\n"
          + Files.readString(log));
      String[] parts = ready.split(" ");
      int limit = Integer.parseInt(parts[2]) + 16;
      Process limiter =
          new ProcessBuilder(
                  prlimit.toString(), "--pid", parts[1], "--nofile=" + limit + ":" + limit)
              .inheritIO()
              .start();
      assertEquals(0, limiter.waitFor());

      for (int i = 0; i < CONNECTIONS; i++) {
        connections.add(RawConnection.connect(socket));
      }
      // Long enough for several back-off rounds (5, 10, 20 ... ms).
      Thread.sleep(1500);
      String during = Files.readString(log);
      // One warning per episode: the JVM itself may free a descriptor meanwhile (under load it
      // has), which lets one more connection in and ends that episode with its "again" line.
      int episodes = count(during, "cannot accept connections");
      assertTrue(episodes >= 1 && episodes <= 3, during);
      assertEquals(episodes - 1, count(during, "accepting connections on"), during);
      assertTrue(!during.contains("\tat "), "no stack traces:\n" + during);

      for (RawConnection c : connections) {
        c.close();
      }
      connections.clear();
      try (RawConnection c = RawConnection.connect(socket)) {
        c.write(Frames.request(1, "Echo", "after EMFILE"));
        RawConnection.Frame answer = c.readFrame(Duration.ofSeconds(20));
        assertEquals("after EMFILE", Frames.stringPayload(answer));
      }
      // The backlog's 44 closed connections are accepted in a burst now, which can run out of
      // descriptors once more: a further episode, which must end like the first.
      String after = Files.readString(log);
      int episodesAfter = count(after, "cannot accept connections");
      assertTrue(episodesAfter >= episodes && episodesAfter <= episodes + 2, after);
      assertEquals(episodesAfter, count(after, "accepting connections on"), after);
      assertTrue(!after.contains("\tat "), "no stack traces:\n" + after);
    } finally {
      for (RawConnection c : connections) {
        c.close();
      }
      child.getOutputStream().close();
      if (!child.waitFor(10, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
