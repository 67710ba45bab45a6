package dev.ttrpc.shim.log;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.shim.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * An SLF4J logger that writes one logrus text line per event, the format containerd expects on
 * a shim's log FIFO: {@code time="<RFC 3339>" level=<level> msg="<quoted>" logger=<name>}, with a
 * throwable's stack trace appended to the message. SLF4J's WARN is logrus's {@code warning}.
 *
 * <p>Thread-safe: a line is written with one call on the sink of {@link ShimLog}.
 */
final class LogrusLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  private final transient ShimLog log;

  LogrusLogger(String name, ShimLog log) {
    this.name = requireNonNull(name, "name");
    this.log = requireNonNull(log, "log");
  }

  /** The logrus name of an SLF4J level. */
  static String logrusLevel(Level level) {
    return switch (level) {
      case ERROR -> "error";
      case WARN -> "warning";
      case INFO -> "info";
      case DEBUG -> "debug";
      case TRACE -> "trace";
    };
  }

  /** One formatted line, newline included. */
  static String line(Clock clock, String logger, Level level, String message, Throwable t) {
    StringBuilder msg = new StringBuilder(message == null ? "" : message);
    if (t != null) {
      StringWriter sw = new StringWriter();
      t.printStackTrace(new PrintWriter(sw));
      msg.append(": ").append(sw.toString().stripTrailing());
    }
    return "time=\"" + clock.instant() + "\" level=" + logrusLevel(level) + " msg="
        + Json.write(msg.toString()) + " logger=" + logger + "\n";
  }

  private boolean on(Level level) {
    return log.enabled(name, level);
  }

  @Override
  public boolean isTraceEnabled() {
    return on(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return on(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return on(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return on(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return on(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
    String message = MessageFormatter.basicArrayFormat(pattern, arguments);
    log.write(line(log.clock(), name, level, message, throwable));
  }
}
