package dev.ttrpc.testing;

import dev.ttrpc.internal.transport.Transport;
import io.netty.util.LeakPresenceDetector;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails the test class if any Netty buffer is still allocated once it is done: shuts the shared
 * event loops down (closing whatever is left open, releasing what channels hold), then asks
 * Netty's {@link LeakPresenceDetector} whether every tracked buffer was released. Requires the
 * surefire argLine of the root pom.
 */
public final class LeakCheck implements AfterAllCallback {
  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (!Transport.shutdownSharedGroup().await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("event loops did not terminate");
    }
    // Handler threads may still be releasing the last request buffers they parsed.
    Thread.sleep(50);
    LeakPresenceDetector.check();
  }
}
