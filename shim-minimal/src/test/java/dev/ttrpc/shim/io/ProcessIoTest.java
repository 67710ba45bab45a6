package dev.ttrpc.shim.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.shim.sys.Libc;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessIoTest {
  @TempDir Path dir;

  @Test
  void fifoStdioKeepsStdinOpenUntilCloseIoAndCopiesOutputByteForByte() throws Exception {
    Path in = dir.resolve("stdin");
    Path out = dir.resolve("stdout");
    Libc.mkfifo(in, 0600);
    Libc.mkfifo(out, 0600);
    ProcessIo io = ProcessIo.open(new Stdio(in.toString(), out.toString(), "", false), "ns", "c");
    ProcessBuilder pb = new ProcessBuilder("cat");
    io.redirect(pb);
    Process cat = pb.start();
    io.start();

    byte[] data = new byte[3 * 1024 * 1024];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7 + i / 1000);
    }
    CompletableFuture<byte[]> received =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream r = new FileInputStream(out.toFile())) {
                return r.readAllBytes();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try (OutputStream w = new FileOutputStream(in.toFile())) {
      w.write(data);
    }
    // The client closed its writer, but the shim's keep-alive writer holds stdin open.
    Thread.sleep(300);
    assertTrue(cat.isAlive(), "stdin must not reach EOF before CloseIO");
    io.closeStdin();
    assertTrue(cat.waitFor(10, TimeUnit.SECONDS));
    assertTrue(io.awaitDrained(Duration.ofSeconds(10)));
    assertArrayEquals(data, received.get(10, TimeUnit.SECONDS));
    io.close();
  }

  @Test
  void outputWithoutAReaderNeverFailsTheProcess() throws Exception {
    Path out = dir.resolve("stdout");
    Libc.mkfifo(out, 0600);
    ProcessIo io = ProcessIo.open(new Stdio("", out.toString(), "", false), "ns", "c");
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", "echo lost-but-harmless; exit 0");
    io.redirect(pb);
    Process p = pb.start();
    io.start();
    // No client ever opens the FIFO: the shim's own read-write descriptor absorbs the write.
    assertEquals(0, p.waitFor());
    io.close();
  }

  @Test
  void outputOfAProcessThatEndedBeforeTheClientOpenedItsReaderIsNotLost() throws Exception {
    Path out = dir.resolve("stdout");
    Libc.mkfifo(out, 0600);
    ProcessIo io = ProcessIo.open(new Stdio("", out.toString(), "", false), "ns", "c");
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", "echo early-output");
    io.redirect(pb);
    Process p = pb.start();
    io.start();
    assertEquals(0, p.waitFor());
    Thread.sleep(200);
    try (InputStream r = new FileInputStream(out.toFile())) {
      assertEquals("early-output\n", new String(r.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertTrue(io.awaitDrained(Duration.ofSeconds(5)));
    io.close();
  }

  @Test
  void fileUriAppendsBothStreams() throws Exception {
    Path log = dir.resolve("sub/c.log");
    ProcessIo io =
        ProcessIo.open(new Stdio("", "file://" + log, "file://" + log, false), "ns", "c");
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", "echo out; echo err >&2");
    io.redirect(pb);
    Process p = pb.start();
    io.start();
    assertEquals(0, p.waitFor());
    assertTrue(io.awaitDrained(Duration.ofSeconds(5)));
    io.close();
    String text = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(text.contains("out\n") && text.contains("err\n"), text);
  }

  @Test
  void closeIoRacingCloseClosesTheKeepAliveWriterOnlyOnce() throws Exception {
    Path in = dir.resolve("stdin");
    Libc.mkfifo(in, 0600);
    for (int round = 0; round < 400; round++) {
      ProcessIo io = ProcessIo.open(new Stdio(in.toString(), "", "", false), "ns", "c");
      java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(2);
      int[] canary = {-1};
      Thread closeIo = Thread.ofPlatform().start(() -> {
        try {
          go.await();
          io.closeStdin();
          // Takes the lowest free number: the keep-alive writer's, if it was just closed.
          canary[0] = Libc.open(Path.of("/dev/null"), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      go.await();
      io.close();
      closeIo.join();
      Path link = Path.of("/proc/self/fd/" + canary[0]);
      try {
        assertEquals(Path.of("/dev/null"), java.nio.file.Files.readSymbolicLink(link),
            "round " + round + ": a descriptor opened after CloseIO was closed by close()");
      } finally {
        Libc.closeQuietly(canary[0]);
      }
    }
  }

  @Test
  void aLoggerThatCannotBeStartedLeaksNoDescriptor() throws Exception {
    Path out = dir.resolve("out");
    // Warm up whatever the JDK opens lazily on the first failure.
    assertThrows(Exception.class, () -> ProcessIo.open(
        new Stdio("", "binary:///nonexistent/logger", "", false), "ns", "c"));
    long before = openDescriptors();
    for (int i = 0; i < 5; i++) {
      assertThrows(Exception.class, () -> ProcessIo.open(
          new Stdio("", "binary:///nonexistent/logger", "", false), "ns", "c"));
    }
    assertEquals(before, openDescriptors(), "descriptors leaked by failed logger starts");
    assertTrue(!java.nio.file.Files.exists(out));
  }

  private static long openDescriptors() throws java.io.IOException {
    try (var s = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }
}
