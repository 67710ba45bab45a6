package dev.ttrpc.conformance.runcshim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs short-lived commands (the shim's {@code start}/{@code delete} actions, runc, mkfifo) with
 * stdin empty, stdout kept as bytes (the shim's {@code delete} prints protobuf) and stderr as text.
 * Stateless and thread-safe.
 */
final class ShimCommands {

  private ShimCommands() {}

  /** What a finished command left behind. */
  record Result(List<String> command, int exitCode, byte[] stdout, String stderr) {
    String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "`"
          + String.join(" ", command)
          + "` exit "
          + exitCode
          + ", stdout="
          + (looksLikeText(stdout) ? "\"" + stdoutText() + "\"" : HexFormat.of().formatHex(stdout))
          + ", stderr=\""
          + stderr
          + "\"";
    }

    private static boolean looksLikeText(byte[] bytes) {
      for (byte b : bytes) {
        if (b < 0x09 || (b > 0x0d && b < 0x20)) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Runs {@code command} in {@code workDir} (null: inherit) with {@code extraEnv} added to this
   * JVM's environment (null: none) and stdin at EOF, and waits at most {@code timeout}; a command
   * still running then is killed and reported as an {@link IllegalStateException}.
   */
  static Result run(
      Duration timeout, Path workDir, Map<String, String> extraEnv, String... command) {
    return runWithInput(timeout, workDir, extraEnv, null, command);
  }

  /** Like {@link #run}, with {@code stdin} (null: none) written to the command's stdin. */
  static Result runWithInput(
      Duration timeout,
      Path workDir,
      Map<String, String> extraEnv,
      byte[] stdin,
      String... command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    }
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    if (extraEnv != null) {
      pb.environment().putAll(extraEnv);
    }
    Process p;
    try {
      p = pb.start();
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    }
    CompletableFuture<byte[]> out = drain(p.getInputStream());
    CompletableFuture<byte[]> err = drain(p.getErrorStream());
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "`" + String.join(" ", command) + "` still running after " + timeout);
      }
      // The shim's start forks a daemon: EOF on stdout only comes once nobody holds the pipe,
      // which is exactly what containerd waits for too.
      byte[] stdout = out.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      byte[] stderr = err.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new Result(
          List.of(command), p.exitValue(), stdout, new String(stderr, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException("interrupted while running " + command[0], e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "output of `" + String.join(" ", command) + "` not closed within " + timeout, e);
    }
  }

  private static CompletableFuture<byte[]> drain(InputStream in) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try (in) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                result.complete(buf.toByteArray());
              } catch (IOException e) {
                result.completeExceptionally(e);
              }
            },
            "command-output");
    t.setDaemon(true);
    t.start();
    return result;
  }
}
