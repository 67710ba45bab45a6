package dev.ttrpc.shim.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

class LogrusLoggerTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ShimLog log =
      new ShimLog(new PrintStream(out, true, StandardCharsets.UTF_8),
          Clock.fixed(Instant.parse("2026-01-02T03:04:05.123Z"), ZoneOffset.UTC));

  private String written() {
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void linesAreLogrusTextWithQuotedMessages() {
    log.threshold(Level.DEBUG);
    new LogrusLogger("x", log).debug("start {}", "\"c1\"");
    assertEquals(
        "time=\"2026-01-02T03:04:05.123Z\" level=debug msg=\"start \\\"c1\\\"\" logger=x\n",
        written());
  }

  @Test
  void levelsMapToLogrusNames() {
    log.threshold(Level.TRACE);
    LogrusLogger l = new LogrusLogger("x", log);
    l.trace("t");
    l.debug("d");
    l.info("i");
    l.warn("w");
    l.error("e");
    String w = written();
    for (String level : new String[] {"trace", "debug", "info", "warning", "error"}) {
      assertTrue(w.contains(" level=" + level + " "), level + " in " + w);
    }
  }

  @Test
  void debugOnlyWithTheDebugFlagAndNettyStaysAtInfo() {
    log.threshold(Level.INFO);
    LogrusLogger shim = new LogrusLogger("dev.ttrpc.shim.task.Container", log);
    LogrusLogger netty = new LogrusLogger("io.netty.channel.X", log);
    shim.debug("hidden");
    assertFalse(shim.isDebugEnabled());
    assertEquals("", written());
    log.threshold(Level.DEBUG);
    assertTrue(shim.isDebugEnabled());
    assertFalse(netty.isDebugEnabled(), "netty's debug chatter stays off");
    assertTrue(netty.isInfoEnabled());
  }

  @Test
  void throwablesAreAppendedToTheMessage() {
    log.threshold(Level.INFO);
    new LogrusLogger("x", log).warn("publishing failed", new IllegalStateException("boom"));
    String w = written();
    assertTrue(w.startsWith("time=\"2026-01-02T03:04:05.123Z\" level=warning msg=\"publishing "
        + "failed: java.lang.IllegalStateException: boom"), w);
    assertTrue(w.endsWith(" logger=x\n") && w.indexOf('\n') == w.length() - 1,
        "one line per event: " + w);
  }

  @Test
  void slf4jIsBoundToTheShimProvider() {
    assertInstanceOf(LogrusLogger.class, LoggerFactory.getLogger("any"));
  }
}
