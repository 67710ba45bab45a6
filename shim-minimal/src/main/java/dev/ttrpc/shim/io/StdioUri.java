package dev.ttrpc.shim.io;

import dev.ttrpc.shim.TaskException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One stdio field of a Create or Exec request, classified as containerd clients send them: empty
 * (no stream), a FIFO path (ctr's default, also {@code fifo://path}), {@code file:///path} (append
 * to a file; stdout and stderr share it), or {@code binary:///path?k=v} (a logging binary started
 * with argv {@code k v}).
 *
 * @param kind the form
 * @param path the FIFO, file or binary path ({@code null} for {@link Kind#NONE})
 * @param args the binary's arguments from the query, in order
 */
public record StdioUri(Kind kind, Path path, List<String> args) {

  /** The forms of a stdio field. */
  public enum Kind {
    NONE,
    FIFO,
    FILE,
    BINARY
  }

  public StdioUri {
    args = List.copyOf(args);
  }

  private static final StdioUri NONE = new StdioUri(Kind.NONE, null, List.of());

  /**
   * Parses a field.
   *
   * @throws TaskException {@code INVALID_ARGUMENT} for an unknown scheme or a malformed URI
   */
  public static StdioUri parse(String value) {
    if (value == null || value.isEmpty()) {
      return NONE;
    }
    if (value.startsWith("/")) {
      return new StdioUri(Kind.FIFO, Path.of(value), List.of());
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw new TaskException(
          TaskException.Code.INVALID_ARGUMENT, "invalid stdio uri " + value + ": " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    String path = uri.getPath();
    if (path == null || path.isEmpty()) {
      throw new TaskException(
          TaskException.Code.INVALID_ARGUMENT, "stdio uri without a path: " + value);
    }
    return switch (scheme) {
      case "fifo" -> new StdioUri(Kind.FIFO, Path.of(path), List.of());
      case "file" -> new StdioUri(Kind.FILE, Path.of(path), List.of());
      case "binary" -> new StdioUri(Kind.BINARY, Path.of(path), queryArgs(uri.getRawQuery()));
      default ->
          throw new TaskException(
              TaskException.Code.INVALID_ARGUMENT, "unsupported STDIO scheme " + scheme + ": "
                  + value);
    };
  }

  private static List<String> queryArgs(String rawQuery) {
    List<String> args = new ArrayList<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return args;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      args.add(URLDecoder.decode(k, StandardCharsets.UTF_8));
      if (!v.isEmpty()) {
        args.add(URLDecoder.decode(v, StandardCharsets.UTF_8));
      }
    }
    return args;
  }
}
