package dev.ttrpc.conformance.runcshim;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * An OCI bundle laid out the way containerd prepares one for a shim: {@code config.json} plus a
 * {@code rootfs/} that is already populated (from a static busybox), so {@code Create} needs no
 * rootfs mounts. The spec is runc's own default ({@code runc spec}) with the process made
 * non-interactive and given the test's command.
 *
 * <p>Not thread-safe; build it once before the shim starts.
 */
final class OciBundle {
  private static final Pattern TERMINAL_TRUE = Pattern.compile("\"terminal\":\\s*true");
  private static final Pattern DEFAULT_ARGS = Pattern.compile("\"args\":\\s*\\[\\s*\"sh\"\\s*\\]");

  private final Path dir;

  private OciBundle(Path dir) {
    this.dir = dir;
  }

  /**
   * Builds the bundle in {@code dir} (created if missing; the runc shim's {@code delete} finds the
   * bundle as {@code <parent of cwd>/<id>}, so the directory name must be the task id).
   */
  static OciBundle create(ShimTestPrerequisites tools, Path dir, List<String> processArgs)
      throws IOException {
    requireNonNull(processArgs, "processArgs");
    Path rootfs = dir.resolve("rootfs");
    for (String sub : List.of("bin", "proc", "dev", "sys", "tmp", "etc", "root", "run")) {
      Files.createDirectories(rootfs.resolve(sub));
    }
    Path busybox = rootfs.resolve("bin/busybox");
    Files.copy(tools.busybox(), busybox, StandardCopyOption.COPY_ATTRIBUTES);
    installApplets(busybox);
    Files.writeString(
        rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n", StandardCharsets.UTF_8);
    Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\n", StandardCharsets.UTF_8);

    ShimCommands.Result spec =
        ShimCommands.run(Duration.ofSeconds(30), dir, null, tools.runc().toString(), "spec");
    if (spec.exitCode() != 0) {
      throw new IllegalStateException("runc spec failed: " + spec);
    }
    Path config = dir.resolve("config.json");
    String json = Files.readString(config, StandardCharsets.UTF_8);
    json = replaceOnce(json, TERMINAL_TRUE, "\"terminal\": false");
    json = replaceOnce(json, DEFAULT_ARGS, "\"args\": " + jsonArray(processArgs));
    Files.writeString(config, json, StandardCharsets.UTF_8);
    return new OciBundle(dir);
  }

  Path dir() {
    return dir;
  }

  Path rootfs() {
    return dir.resolve("rootfs");
  }

  /**
   * One relative symlink per applet, the same result as {@code busybox --install -s} inside the
   * rootfs, without needing to chroot into it.
   */
  private static void installApplets(Path busybox) throws IOException {
    ShimCommands.Result list =
        ShimCommands.run(Duration.ofSeconds(10), null, null, busybox.toString(), "--list");
    if (list.exitCode() != 0) {
      throw new IllegalStateException("busybox --list failed: " + list);
    }
    Path bin = busybox.getParent();
    for (String applet : list.stdoutText().split("\\s+")) {
      if (!applet.isEmpty() && !applet.contains("/") && Files.notExists(bin.resolve(applet))) {
        Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
      }
    }
    if (!Files.exists(bin.resolve("sh"))) {
      throw new IllegalStateException("busybox provides no sh applet: " + list);
    }
  }

  /** Replaces the single match, failing loudly if runc's default spec has changed shape. */
  private static String replaceOnce(String json, Pattern pattern, String replacement) {
    Matcher m = pattern.matcher(json);
    if (!m.find()) {
      throw new IllegalStateException(
          "runc spec output has no " + pattern.pattern() + " to adjust:\n" + json);
    }
    return json.substring(0, m.start()) + replacement + json.substring(m.end());
  }

  static String jsonArray(List<String> values) {
    return values.stream().map(OciBundle::jsonString).collect(Collectors.joining(", ", "[", "]"));
  }

  static String jsonString(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
