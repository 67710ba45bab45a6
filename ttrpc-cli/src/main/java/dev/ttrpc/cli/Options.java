package dev.ttrpc.cli;

import dev.ttrpc.Metadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed command line: the command, its positional arguments and its options (which may come
 * before, between or after the positionals; {@code --} ends options). Immutable.
 */
record Options(
    String command,
    List<String> positionals,
    List<Path> protoFiles,
    List<Path> importPaths,
    List<Path> descriptorSets,
    Path protoc,
    Metadata metadata,
    Duration timeout,
    Duration connectTimeout,
    int maxMessageSize,
    boolean emitDefaults,
    boolean protoNames,
    boolean compact) {

  static final int DEFAULT_MAX_MESSAGE_SIZE = 4 << 20;
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final String NAMESPACE_KEY = Metadata.CONTAINERD_NAMESPACE_KEY;

  private static final Pattern DURATION =
      Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+)(B|KiB|MiB|K|M)?");

  static Options parse(String[] args) throws UsageException {
    if (args.length == 0) {
      throw new UsageException("no command given");
    }
    String command = args[0];
    if (command.equals("-h") || command.equals("--help")) {
      command = "help";
    }
    List<String> positionals = new ArrayList<>();
    List<Path> protoFiles = new ArrayList<>();
    List<Path> importPaths = new ArrayList<>();
    List<Path> descriptorSets = new ArrayList<>();
    Path protoc = null;
    Metadata metadata = new Metadata();
    Duration timeout = null;
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
    boolean emitDefaults = false;
    boolean protoNames = false;
    boolean compact = false;
    boolean optionsEnded = false;
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
        positionals.add(arg);
        continue;
      }
      String name = arg;
      String inlineValue = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        inlineValue = arg.substring(eq + 1);
      }
      switch (name) {
        case "--" -> optionsEnded = true;
        case "-h", "--help" -> command = "help";
        case "--emit-defaults" -> emitDefaults = true;
        case "--proto-names" -> protoNames = true;
        case "--compact" -> compact = true;
        default -> {
          String value;
          if (inlineValue != null) {
            value = inlineValue;
          } else if (i + 1 < args.length) {
            value = args[++i];
          } else {
            throw new UsageException(name + " needs a value");
          }
          switch (name) {
            case "--proto" -> protoFiles.add(Path.of(value));
            case "-I", "--import-path", "--proto_path" -> importPaths.add(Path.of(value));
            case "--descriptor-set" -> descriptorSets.add(Path.of(value));
            case "--protoc" -> protoc = Path.of(value);
            case "-H", "--header" -> {
              int sep = value.indexOf('=');
              if (sep <= 0) {
                throw new UsageException(name + " must be KEY=VALUE, got " + value);
              }
              metadata.add(value.substring(0, sep), value.substring(sep + 1));
            }
            case "-n", "--namespace" -> metadata.set(NAMESPACE_KEY, value);
            case "--timeout" -> timeout = duration(name, value);
            case "--connect-timeout" -> connectTimeout = duration(name, value);
            case "--max-msg-size" -> maxMessageSize = size(name, value);
            default -> throw new UsageException("unknown option " + name);
          }
        }
      }
    }
    return new Options(
        command,
        List.copyOf(positionals),
        List.copyOf(protoFiles),
        List.copyOf(importPaths),
        List.copyOf(descriptorSets),
        protoc,
        metadata.unmodifiable(),
        timeout,
        connectTimeout,
        maxMessageSize,
        emitDefaults,
        protoNames,
        compact);
  }

  /** {@code 500ms}, {@code 10s}, {@code 1.5s}, {@code 2m}, {@code 1h}; a bare number is seconds. */
  static Duration duration(String option, String value) throws UsageException {
    Matcher m = DURATION.matcher(value.strip());
    if (!m.matches()) {
      throw new UsageException(option + " must be a duration such as 500ms, 10s or 2m; got "
          + value);
    }
    double amount = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    double nanos =
        amount
            * switch (unit) {
              case "ns" -> 1;
              case "us", "µs" -> 1e3;
              case "ms" -> 1e6;
              case "s" -> 1e9;
              case "m" -> 60e9;
              case "h" -> 3600e9;
              default -> throw new IllegalStateException(unit);
            };
    if (nanos < 1 || nanos > Long.MAX_VALUE) {
      throw new UsageException(option + " out of range: " + value);
    }
    return Duration.ofNanos((long) nanos);
  }

  /** Bytes, optionally with B, K/KiB or M/MiB (powers of 1024). */
  static int size(String option, String value) throws UsageException {
    Matcher m = SIZE.matcher(value.strip());
    if (!m.matches()) {
      throw new UsageException(option + " must be a size in bytes such as 4194304 or 16MiB; got "
          + value);
    }
    long unit =
        switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT)) {
          case "K", "KIB" -> 1024;
          case "M", "MIB" -> 1024 * 1024;
          default -> 1;
        };
    long bytes;
    try {
      bytes = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new UsageException(option + " too large: " + value);
    }
    if (bytes < 64 || bytes > Integer.MAX_VALUE) {
      throw new UsageException(option + " must be between 64 bytes and 2 GiB; got " + value);
    }
    return (int) bytes;
  }
}
