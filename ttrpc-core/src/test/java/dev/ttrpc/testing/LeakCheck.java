package dev.ttrpc.testing;

import dev.ttrpc.internal.transport.Transport;
import io.netty.util.LeakPresenceDetector;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails the test class if any client or server was left open or any Netty buffer is still
 * allocated once it is done: every client and server holds a lease on the shared event loops, so
 * the leases must all have been given back (which shuts the shared group down); then Netty's
 * {@link LeakPresenceDetector} is asked whether every tracked buffer was released. Requires the
 * surefire argLine of the root pom.
 */
public final class LeakCheck implements AfterAllCallback {
  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Transport.sharedLeases() > 0 && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    if (Transport.sharedLeases() > 0) {
      throw new AssertionError(
          Transport.sharedLeases() + " clients or servers still hold the shared event loops");
    }
    // Handler threads may still be releasing the last request buffers they parsed.
    Thread.sleep(50);
    LeakPresenceDetector.check();
  }
}
