package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlagsTest {
  private static final List<String> VALUED = List.of("address", "test_case", "duration", "payload");
  private static final List<String> SWITCHES = List.of("stats");

  @Test
  void acceptsGnuAndGoSpellings() {
    Flags flags =
        Flags.parse(
            new String[] {"--address", "unix:///a", "-test_case=x,y", "--duration=2s", "-stats"},
            VALUED,
            SWITCHES);
    assertEquals("unix:///a", flags.get("address"));
    assertEquals("x,y", flags.get("test_case"));
    assertEquals(Duration.ofSeconds(2), flags.duration("duration", Duration.ZERO));
    assertTrue(flags.has("stats"));
    assertNull(flags.get("payload"));
    assertEquals(List.of(64, 65536), Flags.parse(new String[0], VALUED, SWITCHES)
        .intList("payload", "64, 65536"));
  }

  @Test
  void parsesGoAndIsoDurations() {
    Flags flags =
        Flags.parse(new String[] {"--duration", "250ms"}, VALUED, SWITCHES);
    assertEquals(Duration.ofMillis(250), flags.duration("duration", Duration.ZERO));
    assertEquals(Duration.ofMillis(1500),
        Flags.parse(new String[] {"--duration", "1.5s"}, VALUED, SWITCHES)
            .duration("duration", Duration.ZERO));
    assertEquals(Duration.ofMinutes(2),
        Flags.parse(new String[] {"--duration", "2m"}, VALUED, SWITCHES)
            .duration("duration", Duration.ZERO));
    assertEquals(Duration.ofSeconds(7),
        Flags.parse(new String[] {"--duration", "PT7S"}, VALUED, SWITCHES)
            .duration("duration", Duration.ZERO));
    assertThrows(IllegalArgumentException.class,
        () -> Flags.parse(new String[] {"--duration", "soon"}, VALUED, SWITCHES)
            .duration("duration", Duration.ZERO));
  }

  @Test
  void refusesWhatItDoesNotKnow() {
    assertThrows(IllegalArgumentException.class,
        () -> Flags.parse(new String[] {"--bogus", "1"}, VALUED, SWITCHES));
    assertThrows(IllegalArgumentException.class,
        () -> Flags.parse(new String[] {"--address"}, VALUED, SWITCHES));
    assertThrows(IllegalArgumentException.class,
        () -> Flags.parse(new String[] {"positional"}, VALUED, SWITCHES));
    assertThrows(IllegalArgumentException.class,
        () -> Flags.parse(new String[] {"--stats=yes"}, VALUED, SWITCHES));
    Flags none = Flags.parse(new String[0], VALUED, SWITCHES);
    assertFalse(none.has("stats"));
    assertThrows(IllegalArgumentException.class, () -> none.require("address"));
    assertThrows(IllegalArgumentException.class,
        () -> Flags.parse(new String[] {"--payload", "1,x"}, VALUED, SWITCHES)
            .intList("payload", "1"));
  }
}
