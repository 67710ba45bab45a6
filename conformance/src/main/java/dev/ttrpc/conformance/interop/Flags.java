package dev.ttrpc.conformance.interop;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line flags of the conformance tools, in the forms both GNU and Go users type: {@code
 * --name value}, {@code --name=value}, {@code -name value} and {@code -name=value}; switches take
 * no value. Positional arguments are refused.
 *
 * <p>Immutable once parsed.
 */
public final class Flags {
  private final Map<String, String> values;
  private final Set<String> switches;

  private Flags(Map<String, String> values, Set<String> switches) {
    this.values = values;
    this.switches = switches;
  }

  /**
   * Parses {@code args}.
   *
   * @param valued names of flags that take a value
   * @param switchNames names of flags that take none
   * @throws IllegalArgumentException on an unknown flag, a missing value or a positional argument
   */
  public static Flags parse(String[] args, List<String> valued, List<String> switchNames) {
    requireNonNull(args, "args");
    Map<String, String> values = new HashMap<>();
    Set<String> switches = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
        throw new IllegalArgumentException("unexpected argument: " + arg);
      }
      String name = arg.substring(arg.startsWith("--") ? 2 : 1);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("flag --" + name + " needs a value");
          }
          value = args[++i];
        }
        values.put(name, value);
      } else if (switchNames.contains(name) && value == null) {
        switches.add(name);
      } else {
        throw new IllegalArgumentException("unknown flag: " + arg);
      }
    }
    return new Flags(values, switches);
  }

  /** Whether the switch or valued flag was given. */
  public boolean has(String name) {
    return switches.contains(name) || values.containsKey(name);
  }

  /** The value of a flag, or null. */
  public String get(String name) {
    return values.get(name);
  }

  /** The value of a flag, or {@code fallback}. */
  public String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  /** @throws IllegalArgumentException if the flag was not given */
  public void require(String name) {
    if (!values.containsKey(name)) {
      throw new IllegalArgumentException("flag --" + name + " is required");
    }
  }

  /** A comma-separated list of ints, e.g. {@code 1,16,64}. */
  public List<Integer> intList(String name, String fallback) {
    List<Integer> result = new ArrayList<>();
    for (String part : get(name, fallback).split(",")) {
      try {
        result.add(Integer.parseInt(part.strip()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("flag --" + name + ": not a number: " + part);
      }
    }
    return List.copyOf(result);
  }

  /** An int. */
  public int intValue(String name, int fallback) {
    String value = get(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("flag --" + name + ": not a number: " + value);
    }
  }

  /** A duration written as Go does ({@code 500ms}, {@code 3s}, {@code 1m}) or as ISO-8601. */
  public Duration duration(String name, Duration fallback) {
    String value = get(name);
    return value == null ? fallback : parseDuration(name, value.strip());
  }

  private static Duration parseDuration(String name, String value) {
    try {
      if (value.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
      }
      if (value.endsWith("s")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(value.substring(0, value.length() - 1)) * 1000));
      }
      if (value.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
      }
      return Duration.parse(value);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          "flag --" + name + ": not a duration (like 500ms, 3s, 1m): " + value);
    }
  }
}
