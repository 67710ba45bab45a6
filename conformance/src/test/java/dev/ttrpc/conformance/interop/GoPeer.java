package dev.ttrpc.conformance.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * The Go interop peer (Go ttrpc 1.1.1), built once per test run from {@code conformance/go} into
 * {@code target/go-peer}, and helpers to run its server and client as processes.
 *
 * <p>Without Go or Debian's ttrpc sources the peer cannot be built: tests that need it are then
 * skipped locally, and fail when the environment says {@code CI=true}, because there the
 * interop matrix must run.
 */
final class GoPeer {
  /** Exit status of build.sh when Go or the ttrpc sources are missing. */
  private static final int BUILD_PREREQUISITES_MISSING = 3;

  private static GoPeer built;
  private static String unavailable;
  private static String buildFailure;

  private final Path dir;

  private GoPeer(Path dir) {
    this.dir = dir;
  }

  /** The conformance module's directory, found from where the test classes were loaded. */
  static Path moduleDir() {
    try {
      Path classes =
          Path.of(GoPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // target/test-classes -> the module.
      return classes.getParent().getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The built peer. Skips the calling test (or fails it under {@code CI=true}) if it cannot be
   * built for lack of Go; fails it if the build itself fails.
   */
  static synchronized GoPeer get() {
    available();
    if (buildFailure != null) {
      fail(buildFailure);
    }
    if (unavailable != null) {
      if ("true".equals(System.getenv("CI"))) {
        fail("CI=true: the Go interop peer is required but cannot be built: " + unavailable);
      }
      Assumptions.abort("Go interop peer not available (install golang-go and"
          + " golang-github-containerd-ttrpc-dev to run these tests): " + unavailable);
    }
    return built;
  }

  /**
   * The built peer, or null if it cannot be built (then {@link #get()} says why). For
   * {@code @BeforeAll} methods: they set up with it if it is there, and each test calls {@link
   * #get()} first, so that every test reports the skip (or, in CI, the failure) itself.
   */
  static synchronized GoPeer available() {
    if (built == null && unavailable == null && buildFailure == null) {
      build();
    }
    return built;
  }

  private static void build() {
    Path module = moduleDir();
    Path out = module.resolve("target/go-peer");
    ProcessResult result;
    try {
      result =
          run(
              List.of("bash", module.resolve("go/build.sh").toString(), out.toString()),
              Duration.ofMinutes(5));
    } catch (IOException e) {
      unavailable = "cannot run go/build.sh: " + e.getMessage();
      return;
    }
    if (result.exitCode() == BUILD_PREREQUISITES_MISSING) {
      unavailable = String.join(" ", result.lines());
      return;
    }
    if (result.exitCode() != 0) {
      buildFailure =
          "building the Go interop peer failed (exit " + result.exitCode() + "):\n"
              + String.join("\n", result.lines());
      return;
    }
    built = new GoPeer(out);
  }

  Path serverBinary() {
    return dir.resolve("interop-server");
  }

  Path clientBinary() {
    return dir.resolve("interop-client");
  }

  /** Starts the Go server on {@code address} and waits until it says it is ready. */
  RunningProcess startServer(String address) throws IOException {
    return RunningProcess.start(
        List.of(serverBinary().toString(), "-address", address), "READY " + address);
  }

  /** Runs the Go client with these arguments. */
  ProcessResult runClient(List<String> args, Duration timeout) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(clientBinary().toString());
    command.addAll(args);
    return run(command, timeout);
  }

  /** Output (stdout and stderr merged) and exit status of a finished process. */
  record ProcessResult(int exitCode, List<String> lines) {
    String output() {
      return String.join("\n", lines);
    }
  }

  /** Runs a command to completion; kills it and fails if it takes longer than {@code timeout}. */
  static ProcessResult run(List<String> command, Duration timeout) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    CompletableFuture<List<String>> output = readLines(process);
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        fail(command + " did not finish within " + timeout);
      }
      return new ProcessResult(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + command, e);
    } catch (Exception e) {
      throw new IOException("cannot read the output of " + command, e);
    }
  }

  private static CompletableFuture<List<String>> readLines(Process process) {
    return CompletableFuture.supplyAsync(
        () -> {
          List<String> lines = new ArrayList<>();
          try (BufferedReader reader =
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
              lines.add(line);
            }
          } catch (IOException e) {
            lines.add("<output unreadable: " + e + ">");
          }
          return lines;
        },
        runnable -> Thread.ofVirtual().start(runnable));
  }

  /** A server process that printed its ready line; closing it sends SIGTERM and waits. */
  static final class RunningProcess implements AutoCloseable {
    private final Process process;
    private final List<String> output;

    private RunningProcess(Process process, List<String> output) {
      this.process = process;
      this.output = output;
    }

    /** Starts {@code command} and waits up to 60 s for a stdout line equal to {@code ready}. */
    static RunningProcess start(List<String> command, String ready) throws IOException {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getOutputStream().close();
      List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
      CompletableFuture<Void> readySeen = new CompletableFuture<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try (BufferedReader reader =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    output.add(line);
                    if (line.equals(ready)) {
                      readySeen.complete(null);
                    }
                  }
                } catch (IOException e) {
                  output.add("<output unreadable: " + e + ">");
                }
                readySeen.completeExceptionally(
                    new IOException("exited without printing '" + ready + "'"));
              });
      try {
        readySeen.get(60, TimeUnit.SECONDS);
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        process.destroyForcibly();
        throw new IOException(command + " did not get ready: " + e + "; output:\n"
            + String.join("\n", output), e);
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      return new RunningProcess(process, output);
    }

    boolean isAlive() {
      return process.isAlive();
    }

    String output() {
      synchronized (output) {
        return String.join("\n", output);
      }
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A fresh directory for sockets, short enough for the 108-byte sun_path limit. */
  static Path socketDir() throws IOException {
    return Files.createTempDirectory("ttrpc-interop");
  }
}
