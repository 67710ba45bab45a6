package dev.ttrpc.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ttrpc.testing.LeakCheck;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class AddressTest {
  private static String path(String address) throws IOException {
    return ((DomainSocketAddress) Transport.address(address)).path();
  }

  @Test
  void parsesEveryAddressForm() throws Exception {
    Assumptions.assumeTrue(Transport.isEpoll());
    assertEquals("/run/x.sock", path("unix:///run/x.sock"));
    assertEquals("/run/x.sock", path("/run/x.sock"));
    assertEquals("rel.sock", path("rel.sock"));
    assertEquals("\0name", path("unix://@name"));
    assertEquals("\0name", path("@name"));
    assertThrows(IOException.class, () -> Transport.address("unix://"));
  }
}
