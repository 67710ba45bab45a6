package dev.ttrpc.conformance.runcshim;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A named pipe the test reads a process's output from, the way a containerd client does: the FIFO
 * exists before the shim is told about it, and a reader is already waiting when the shim opens it
 * for writing (the runc shim's {@code open(O_WRONLY)} blocks until then).
 *
 * <p>{@link #startReading()} collects everything until the last writer closes, on a thread of its
 * own. Thread-safe.
 */
final class Fifo implements AutoCloseable {
  private final Path path;
  private final StringBuilder text = new StringBuilder();
  private boolean eof;
  private IOException failure;

  private Fifo(Path path) {
    this.path = path;
  }

  /** Creates the FIFO (mode 0600) with the system's {@code mkfifo}. */
  static Fifo create(Path mkfifo, Path path) {
    requireNonNull(path, "path");
    ShimCommands.Result r =
        ShimCommands.run(
            Duration.ofSeconds(10), null, null, mkfifo.toString(), "-m", "0600", path.toString());
    if (r.exitCode() != 0) {
      throw new IllegalStateException("mkfifo " + path + " failed: " + r);
    }
    return new Fifo(path);
  }

  Path path() {
    return path;
  }

  /** Starts the reader; its open blocks (on its own thread) until a writer appears. */
  Fifo startReading() {
    Thread reader = new Thread(this::read, "fifo-reader-" + path.getFileName());
    reader.setDaemon(true);
    reader.start();
    return this;
  }

  private void read() {
    byte[] buf = new byte[4096];
    try (InputStream in = Files.newInputStream(path)) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        // Output here is short ASCII lines, so a chunk never splits a character.
        String chunk = new String(buf, 0, n, StandardCharsets.UTF_8);
        synchronized (this) {
          text.append(chunk);
          notifyAll();
        }
      }
    } catch (IOException e) {
      synchronized (this) {
        failure = e;
      }
    }
    synchronized (this) {
      eof = true;
      notifyAll();
    }
  }

  /**
   * Opens the FIFO for writing as a client's stdin would, writes {@code data} and closes this
   * writer again. The open blocks until a reader exists, so it runs on a thread of its own and is
   * bounded by {@code timeout}.
   */
  void writeAndClose(byte[] data, Duration timeout) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.WRITE)) {
                out.write(data);
                done.complete(null);
              } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
              }
            },
            "fifo-writer-" + path.getFileName());
    writer.setDaemon(true);
    writer.start();
    try {
      done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("nobody opened " + path + " for reading within " + timeout, e);
    }
  }

  /** Waits until the text read so far contains {@code expected}; returns that text. */
  synchronized String awaitContains(String expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (text.indexOf(expected) < 0) {
      if (eof) {
        throw new AssertionError(
            path.getFileName() + " closed without \"" + expected + "\"; got \"" + text + "\"");
      }
      waitUntil(deadline, "\"" + expected + "\"");
    }
    return text.toString();
  }

  /** Waits until every writer has closed the FIFO; returns everything written to it. */
  synchronized String awaitEof(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!eof) {
      waitUntil(deadline, "EOF");
    }
    if (failure != null) {
      throw new AssertionError("reading " + path + " failed", failure);
    }
    return text.toString();
  }

  private void waitUntil(long deadline, String what) throws InterruptedException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new AssertionError(
          "no " + what + " on " + path.getFileName() + " in time; got \"" + text + "\"");
    }
    wait(Math.max(1, left / 1_000_000));
  }

  /**
   * Releases a reader or writer of ours still blocked in {@code open} because the shim never came:
   * opening the FIFO read-write never blocks on Linux and counts as the missing peer.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (eof) {
        return;
      }
    }
    try {
      FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
    } catch (IOException ignored) {
      // The FIFO is gone with its directory: nothing can be blocked on it any more.
    }
  }
}
