package dev.ttrpc.shim.io;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.shim.sys.Libc;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
  void largeBinaryOutputArrivesByteForByteThroughSplice() throws Exception {
    assertTrue(ProcessIo.spliceEnabled);
    long before = ProcessIo.SPLICED.get();
    copyLargeBinaryOutput();
    assertEquals(16 * 1024 * 1024, ProcessIo.SPLICED.get() - before, "all of it spliced");
  }

  @Test
  void largeBinaryOutputArrivesByteForByteThroughReadAndWrite() throws Exception {
    ProcessIo.spliceEnabled = false;
    try {
      long before = ProcessIo.SPLICED.get();
      copyLargeBinaryOutput();
      assertEquals(before, ProcessIo.SPLICED.get(), "nothing spliced");
    } finally {
      ProcessIo.spliceEnabled = true;
    }
  }

  /**
   * 16 MiB of every byte value, written by the process in odd-sized pieces, read by the client
   * in small random pieces; the client closes its reader half-way and opens it again, as a
   * client that detaches and re-attaches would: nothing is lost, nothing repeated.
   */
  private void copyLargeBinaryOutput() throws Exception {
    Path out = dir.resolve("stdout");
    Path src = dir.resolve("data");
    Libc.mkfifo(out, 0600);
    byte[] data = new byte[16 * 1024 * 1024];
    new java.util.Random(42).nextBytes(data);
    java.nio.file.Files.write(src, data);
    ProcessIo io = ProcessIo.open(new Stdio("", out.toString(), "", false), "ns", "c");
    ProcessBuilder pb = new ProcessBuilder("dd", "if=" + src, "bs=7777", "status=none");
    io.redirect(pb);
    Process p = pb.start();
    io.start();
    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
    java.util.Random sizes = new java.util.Random(7);
    for (int round = 0; round < 2; round++) {
      try (InputStream r = new FileInputStream(out.toFile())) {
        byte[] buf = new byte[70_000];
        int limit = round == 0 ? data.length / 3 : data.length;
        while (got.size() < limit) {
          int n = r.read(buf, 0, 1 + sizes.nextInt(Math.min(buf.length, limit - got.size())));
          if (n < 0) {
            break;
          }
          got.write(buf, 0, n);
        }
      }
    }
    assertEquals(0, p.waitFor());
    assertTrue(io.awaitDrained(Duration.ofSeconds(10)));
    io.close();
    assertEquals(data.length, got.size());
    assertArrayEquals(data, got.toByteArray());
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
  void fileUriTakesLargeBinaryOutputByteForByte() throws Exception {
    // The kernel does not splice into a file opened for appending: the read/write path.
    Path log = dir.resolve("big.log");
    Path src = dir.resolve("data");
    byte[] data = new byte[8 * 1024 * 1024 + 13];
    new java.util.Random(3).nextBytes(data);
    java.nio.file.Files.write(src, data);
    java.nio.file.Files.write(log, new byte[] {1, 2, 3});
    ProcessIo io = ProcessIo.open(new Stdio("", "file://" + log, "", false), "ns", "c");
    ProcessBuilder pb = new ProcessBuilder("cat", src.toString());
    io.redirect(pb);
    Process p = pb.start();
    io.start();
    assertEquals(0, p.waitFor());
    assertTrue(io.awaitDrained(Duration.ofSeconds(10)));
    io.close();
    byte[] got = java.nio.file.Files.readAllBytes(log);
    assertEquals(data.length + 3, got.length);
    assertArrayEquals(data, java.util.Arrays.copyOfRange(got, 3, got.length));
  }

  @Test
  void closeRacingCloseIoClosesTheKeepAliveWriterOnceAndSparesItsReusedNumber() throws Exception {
    Path in = dir.resolve("stdin");
    Libc.mkfifo(in, 0600);
    List<Integer> taken = new CopyOnWriteArrayList<>();
    AtomicBoolean first = new AtomicBoolean(true);
    CountDownLatch paused = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    // CloseIO pauses once it holds the keep-alive writer's number, as a preemption there would.
    ProcessIo io = ProcessIo.open(new Stdio(in.toString(), "", "", false), "ns", "c", fd -> {
      taken.add(fd);
      if (first.compareAndSet(true, false)) {
        paused.countDown();
        try {
          resume.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    Thread closeIo = Thread.ofPlatform().name("close-io").start(io::closeStdin);
    assertTrue(paused.await(10, TimeUnit.SECONDS), "CloseIO never took the keep-alive writer");
    int number = taken.get(0);
    Path link = Path.of("/proc/self/fd/" + number);
    int canary = -1;
    try {
      io.close();
      if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        // close() let the number go while CloseIO still means to close it: the kernel hands out
        // the lowest free number, so the next open (a socket, another container's pipe) gets it.
        int devNull = Libc.open(Path.of("/dev/null"), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        Libc.dup2(devNull, number);
        Libc.closeQuietly(devNull);
        canary = number;
      }
    } finally {
      resume.countDown();
      closeIo.join(TimeUnit.SECONDS.toMillis(10));
    }
    try {
      int reused = canary;
      assertAll(
          () -> assertEquals(List.of(number), taken,
              "the keep-alive writer must be taken, and closed, by exactly one caller"),
          () -> {
            if (reused >= 0) {
              assertTrue(Files.exists(link, LinkOption.NOFOLLOW_LINKS)
                      && Files.readSymbolicLink(link).equals(Path.of("/dev/null")),
                  "CloseIO closed a descriptor that reused the keep-alive writer's number");
            }
          },
          // The number may be reused by now (by anyone), but not by the FIFO's writer.
          () -> assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS)
                  && Files.readSymbolicLink(link).equals(in.toRealPath()),
              "the keep-alive writer is still open after CloseIO and close()"));
    } finally {
      Libc.closeQuietly(canary);
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
