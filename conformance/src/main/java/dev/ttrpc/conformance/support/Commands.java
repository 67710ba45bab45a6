package dev.ttrpc.conformance.support;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs external commands to completion with a timeout, capturing stdout, stderr and the exit
 * status. Output goes through temporary files rather than pipes: a background child that inherits
 * stdout (a shim, a detached container) can then never make the caller wait for EOF.
 *
 * <p>Thread-safe: every call is independent.
 */
public final class Commands {

  private Commands() {}

  /** Runs {@code argv} with the inherited environment, empty stdin and the given timeout. */
  public static CommandResult run(Duration timeout, List<String> argv) {
    return run(timeout, argv, Map.of(), null);
  }

  /** Runs {@code argv} with the inherited environment, empty stdin and the given timeout. */
  public static CommandResult run(Duration timeout, String... argv) {
    return run(timeout, List.of(argv));
  }

  /**
   * Runs {@code argv} with the inherited environment plus {@code env}, feeding {@code stdin} (or
   * nothing if null). A command that outlives {@code timeout} is killed together with its
   * descendants and reported as timed out.
   */
  public static CommandResult run(
      Duration timeout, List<String> argv, Map<String, String> env, String stdin) {
    requireNonNull(timeout, "timeout");
    requireNonNull(argv, "argv");
    requireNonNull(env, "env");
    Path out = null;
    Path err = null;
    Path in = null;
    try {
      out = Files.createTempFile("cmd-out", ".txt");
      err = Files.createTempFile("cmd-err", ".txt");
      ProcessBuilder builder = new ProcessBuilder(argv)
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      if (stdin == null) {
        builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      } else {
        in = Files.createTempFile("cmd-in", ".txt");
        Files.writeString(in, stdin, StandardCharsets.UTF_8);
        builder.redirectInput(in.toFile());
      }
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      builder.environment().putAll(env);
      long start = System.nanoTime();
      Process process = builder.start();
      boolean finished;
      try {
        finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        // A cancelled caller (a scenario past its timeout) must not leave the command running.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw e;
      }
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      return new CommandResult(
          argv, finished ? process.exitValue() : -1,
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8),
          !finished, elapsed);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + argv, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + argv, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
      deleteQuietly(in);
    }
  }

  /** Whether an executable named {@code name} is on the PATH (or is an absolute executable). */
  public static boolean onPath(String name) {
    return which(name).isPresent();
  }

  /**
   * The executable {@code name} resolves to: itself if it contains a slash, else the first
   * match on PATH (then the sbin directories, where root's tools live).
   */
  public static Optional<Path> which(String name) {
    requireNonNull(name, "name");
    if (name.contains("/")) {
      Path p = Path.of(name).toAbsolutePath();
      return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : (path + ":/usr/local/sbin:/usr/sbin:/sbin").split(":")) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, name);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return Optional.of(p.toAbsolutePath());
        }
      }
    }
    return Optional.empty();
  }

  private static void deleteQuietly(Path path) {
    if (path == null) {
      return;
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // A leftover temp file is harmless and must not hide the command's own outcome.
    }
  }
}
