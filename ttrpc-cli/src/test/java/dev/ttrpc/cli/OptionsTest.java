package dev.ttrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {

  @Test
  void durations() throws Exception {
    assertEquals(Duration.ofMillis(500), Options.duration("--timeout", "500ms"));
    assertEquals(Duration.ofSeconds(10), Options.duration("--timeout", "10s"));
    assertEquals(Duration.ofSeconds(10), Options.duration("--timeout", "10"));
    assertEquals(Duration.ofMillis(1500), Options.duration("--timeout", "1.5s"));
    assertEquals(Duration.ofMinutes(2), Options.duration("--timeout", "2m"));
    assertEquals(Duration.ofHours(1), Options.duration("--timeout", "1h"));
    assertEquals(Duration.ofNanos(3000), Options.duration("--timeout", "3us"));
    assertThrows(UsageException.class, () -> Options.duration("--timeout", "soon"));
    assertThrows(UsageException.class, () -> Options.duration("--timeout", "-1s"));
    assertThrows(UsageException.class, () -> Options.duration("--timeout", "0s"));
  }

  @Test
  void sizes() throws Exception {
    assertEquals(4194304, Options.size("--max-msg-size", "4194304"));
    assertEquals(16 << 20, Options.size("--max-msg-size", "16MiB"));
    assertEquals(1024, Options.size("--max-msg-size", "1K"));
    assertThrows(UsageException.class, () -> Options.size("--max-msg-size", "63"));
    assertThrows(UsageException.class, () -> Options.size("--max-msg-size", "4GiB"));
    assertThrows(UsageException.class, () -> Options.size("--max-msg-size", "9999999999999"));
    assertThrows(UsageException.class, () -> Options.size("--max-msg-size", "lots"));
  }

  @Test
  void optionsMayComeAnywhereAndDoubleDashEndsThem() throws Exception {
    Options o =
        Options.parse(
            new String[] {
              "call", "-H", "a=1", "unix:///s", "--timeout=2s", "svc.S/M", "-H", "a=2=x",
              "--", "-"
            });
    assertEquals("call", o.command());
    assertEquals(List.of("unix:///s", "svc.S/M", "-"), o.positionals());
    assertEquals(List.of("1", "2=x"), o.metadata().getAll("a"));
    assertEquals(Duration.ofSeconds(2), o.timeout());
    assertEquals(Options.DEFAULT_MAX_MESSAGE_SIZE, o.maxMessageSize());
  }

  @Test
  void anOptionWithoutItsValue() {
    UsageException e =
        assertThrows(UsageException.class, () -> Options.parse(new String[] {"call", "--timeout"}));
    assertEquals("--timeout needs a value", e.getMessage());
  }
}
