package dev.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ttrpc.testing.TestService;
import org.junit.jupiter.api.Test;

class BindableServiceTest {
  @Test
  void addServiceTakesAnImplementationThatBindsItself() {
    BindableService impl = () -> new TestService().definition();
    TtrpcServerBuilder builder = TtrpcServer.builder().addService(impl);
    IllegalArgumentException duplicate =
        assertThrows(IllegalArgumentException.class, () -> builder.addService(impl));
    assertEquals("duplicate service " + TestService.NAME + " registered", duplicate.getMessage());
    assertThrows(NullPointerException.class, () -> builder.addService((BindableService) null));
  }
}
