package dev.ttrpc.shim.log;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.time.Clock;
import org.slf4j.event.Level;

/**
 * The shim's logging settings: the threshold ({@code info}, or {@code debug} with the {@code
 * -debug} flag), the sink (standard error, which the daemon points at the bundle's log FIFO) and
 * loggers kept quieter than the rest (Netty's start-up chatter stays at {@code info}).
 *
 * <p>Until {@link #configure} is called the threshold is {@code warn}: the {@code start} action
 * must write nothing but its reply, and only failures are worth a line there. Thread-safe.
 */
public final class ShimLog {
  private static final ShimLog INSTANCE = new ShimLog(System.err, Clock.systemUTC());
  private static final String QUIET_PREFIX = "io.netty";

  private volatile Level threshold = Level.WARN;
  private volatile PrintStream sink;
  private final Clock clock;

  ShimLog(PrintStream sink, Clock clock) {
    this.sink = requireNonNull(sink, "sink");
    this.clock = requireNonNull(clock, "clock");
  }

  /** The settings every SLF4J logger of this process uses. */
  public static ShimLog get() {
    return INSTANCE;
  }

  /**
   * Sets the threshold: {@code debug} when containerd runs at debug level ({@code -debug}), else
   * {@code info}; log lines go to standard error as it is now.
   */
  public void configure(boolean debug) {
    sink = System.err;
    threshold = debug ? Level.DEBUG : Level.INFO;
  }

  /** Whether a logger logs at {@code level}. */
  boolean enabled(String logger, Level level) {
    Level min = threshold;
    if (logger.startsWith(QUIET_PREFIX) && min.toInt() < Level.INFO.toInt()) {
      min = Level.INFO;
    }
    return level.toInt() >= min.toInt();
  }

  void threshold(Level level) {
    threshold = requireNonNull(level, "level");
  }

  Clock clock() {
    return clock;
  }

  void write(String line) {
    PrintStream out = sink;
    out.print(line);
    out.flush();
  }
}
