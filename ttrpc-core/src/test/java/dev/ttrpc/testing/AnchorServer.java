package dev.ttrpc.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.TtrpcServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A server that holds the shared event loops for a whole property class, in a temporary directory
 * the tries put their sockets in: were the loops stopped after each try, their termination would
 * end every connection and call, and hide one the code under test failed to end. {@link #stop()}
 * stops it, runs the leak check and removes the directory.
 */
public final class AnchorServer {
  private final Path dir;
  private final TtrpcServer server;

  private AnchorServer(Path dir, TtrpcServer server) {
    this.dir = dir;
    this.server = server;
  }

  public static AnchorServer start(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    TtrpcServer server = TtrpcServer.builder().addService(new TestService().definition()).build()
        .start(dir.resolve("anchor.sock").toString());
    return new AnchorServer(dir, server);
  }

  /** Where the tries put their sockets. */
  public Path dir() {
    return dir;
  }

  /** Stops the server, fails on leaked buffers or servers, and removes the directory. */
  public void stop() throws Exception {
    try {
      server.shutdownNow();
      assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
      new LeakCheck().afterAll(null);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
