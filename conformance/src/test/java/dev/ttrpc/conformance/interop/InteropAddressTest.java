package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InteropAddressTest {
  @Test
  void socketPathOfEachForm() {
    assertEquals(Path.of("/run/x.sock"), InteropAddress.socketPath("unix:///run/x.sock"));
    assertEquals(Path.of("rel/x.sock"), InteropAddress.socketPath("rel/x.sock"));
    assertNull(InteropAddress.socketPath("unix://@abstract"));
  }

  @Test
  void refusesOtherSchemesAndEmptyPaths() {
    assertThrows(IllegalArgumentException.class, () -> InteropAddress.socketPath("tcp://x:1"));
    assertThrows(IllegalArgumentException.class, () -> InteropAddress.socketPath("unix://"));
    assertThrows(IllegalArgumentException.class, () -> InteropAddress.socketPath(""));
  }
}
