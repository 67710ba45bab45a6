package dev.ttrpc.conformance.shim;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The assertions of the checklist scenarios. A failed check throws {@link AssertionError}, which
 * the runner reports as the scenario's failure and JUnit as a test failure.
 *
 * <p>Stateless and thread-safe.
 */
public final class Check {

  private Check() {}

  /** Fails unless {@code expected} equals {@code actual}. */
  public static void equal(Object expected, Object actual, Supplier<String> context) {
    if (!Objects.equals(normalize(expected), normalize(actual))) {
      throw new AssertionError("expected <" + expected + "> but was <" + actual + ">"
          + suffix(context));
    }
  }

  /** Fails unless {@code expected} equals {@code actual}. */
  public static void equal(Object expected, Object actual, String context) {
    equal(expected, actual, () -> context);
  }

  /** Fails unless {@code expected} equals {@code actual}. */
  public static void equal(Object expected, Object actual) {
    equal(expected, actual, () -> null);
  }

  /** Fails if {@code unexpected} equals {@code actual}. */
  public static void notEqual(Object unexpected, Object actual, String context) {
    if (Objects.equals(normalize(unexpected), normalize(actual))) {
      throw new AssertionError("expected anything but <" + actual + ">" + suffix(() -> context));
    }
  }

  /** Fails unless {@code condition} holds. */
  public static void isTrue(boolean condition, Supplier<String> message) {
    if (!condition) {
      throw new AssertionError(message.get());
    }
  }

  /** Fails unless {@code condition} holds. */
  public static void isTrue(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  /** Fails with {@code message}. */
  public static AssertionError fail(String message) {
    throw new AssertionError(message);
  }

  /** Integral numbers compare by value whatever their boxed type (the checklist mixes them). */
  private static Object normalize(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return ((Number) value).longValue();
    }
    return value;
  }

  private static String suffix(Supplier<String> context) {
    String text = context.get();
    return text == null || text.isEmpty() ? "" : "\n" + text;
  }
}
