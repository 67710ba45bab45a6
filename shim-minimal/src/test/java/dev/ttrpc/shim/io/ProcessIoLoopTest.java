package dev.ttrpc.shim.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.shim.reaper.Reaper;
import dev.ttrpc.shim.sys.Libc;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared stdio loop: many processes, back-pressure, vanished readers, end of input. A broken
 * copy can leave a test blocked in open(2) of a FIFO whose writer is gone, which no interrupt
 * ends: the timeout runs each test on a thread of its own, so that such a bug fails the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessIoLoopTest {
  @TempDir Path dir;

  /** Spawns {@code argv} with the IO's child ends (posix_spawn: no JDK reaper thread). */
  private static CompletableFuture<Integer> spawn(ProcessIo io, String... argv) throws Exception {
    int pid = Libc.spawn(List.of(argv), Map.of("PATH", "/usr/bin:/bin"),
        new Libc.SpawnOptions(null, io.childFds(), false));
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Reaper.watchChild(pid, (p, status) -> exit.complete(status));
    io.start();
    return exit;
  }

  private static int threads() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Threads:")) {
        return Integer.parseInt(line.substring(8).trim());
      }
    }
    throw new IllegalStateException("no Threads: line");
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  @Test
  void manyProcessesShareOneLoopThreadAndEachOutputArrivesByteForByte() throws Exception {
    int n = 12;
    int size = 3 * 1024 * 1024; // More than the process's pipe and the FIFO hold together.
    IoLoop.shared(); // The one loop thread exists before counting.
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<byte[]>> received = new ArrayList<>();
    List<byte[]> sent = new ArrayList<>();
    List<Path> fifos = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path fifo = dir.resolve("out" + i);
      Libc.mkfifo(fifo, 0600);
      fifos.add(fifo);
      byte[] data = random(size, i);
      sent.add(data);
      Files.write(dir.resolve("data" + i), data);
      // The readers are platform threads started before the count; each opens its FIFO (so the
      // shim's writer can open too) and waits before reading, so all copies are stalled at once.
      CompletableFuture<byte[]> got = new CompletableFuture<>();
      received.add(got);
      Thread.ofPlatform().daemon().start(() -> {
        try (InputStream r = new FileInputStream(fifo.toFile())) {
          go.await();
          got.complete(r.readAllBytes());
        } catch (Exception e) {
          got.completeExceptionally(e);
        }
      });
    }
    Thread.sleep(200);
    int before = threads();
    List<ProcessIo> ios = new ArrayList<>();
    List<CompletableFuture<Integer>> exits = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ProcessIo io = ProcessIo.open(new Stdio("", fifos.get(i).toString(), "", false), "ns",
          "c" + i);
      ios.add(io);
      exits.add(spawn(io, "/bin/cat", dir.resolve("data" + i).toString()));
    }
    Thread.sleep(500);
    int during = threads();
    for (CompletableFuture<Integer> e : exits) {
      assertFalse(e.isDone(), "a process finished although nobody read its output");
    }
    // A thread per copy would add n (or 2n with FIFO openers); JIT threads may come and go.
    assertTrue(during - before <= 2,
        "threads grew from " + before + " to " + during + " for " + n + " processes");
    go.countDown();
    for (int i = 0; i < n; i++) {
      assertEquals(0, exits.get(i).get(20, TimeUnit.SECONDS));
      assertTrue(ios.get(i).awaitDrained(Duration.ofSeconds(20)));
      byte[] got = received.get(i).get(20, TimeUnit.SECONDS);
      assertEquals(size, got.length, "bytes of process " + i);
      assertArrayEquals(sha256(sent.get(i)), sha256(got), "content of process " + i);
      ios.get(i).close();
    }
  }

  @Test
  void prepareBesideCreatesKeepsTheOneSharedLoop() throws Exception {
    // A daemon prepares the loop on a thread of its own while its first Create may open the
    // loop too: all of them must end up with the one loop, which then copies as before.
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<IoLoop>> seen = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      boolean prepare = i % 2 == 0;
      CompletableFuture<IoLoop> loop = new CompletableFuture<>();
      seen.add(loop);
      Thread.ofPlatform().daemon().start(() -> {
        try {
          go.await();
          if (prepare) {
            ProcessIo.prepare();
          }
          loop.complete(IoLoop.shared());
        } catch (Exception e) {
          loop.completeExceptionally(e);
        }
      });
    }
    go.countDown();
    IoLoop shared = seen.get(0).get(10, TimeUnit.SECONDS);
    for (CompletableFuture<IoLoop> loop : seen) {
      assertSame(shared, loop.get(10, TimeUnit.SECONDS));
    }
    ProcessIo.prepare();
    assertSame(shared, IoLoop.shared(), "a second prepare keeps the loop");
    Path log = dir.resolve("after-prepare.log");
    ProcessIo io = ProcessIo.open(new Stdio("", "file://" + log, "", false), "ns", "p");
    assertEquals(0, spawn(io, "/bin/echo", "copied").get(10, TimeUnit.SECONDS));
    assertTrue(io.awaitDrained(Duration.ofSeconds(10)));
    io.close();
    assertEquals("copied\n", Files.readString(log));
  }

  @Test
  void aReaderThatStopsHoldsBackItsProcessOnlyAndLosesNothing() throws Exception {
    Path slow = dir.resolve("slow");
    Path fast = dir.resolve("fast");
    Libc.mkfifo(slow, 0600);
    Libc.mkfifo(fast, 0600);
    byte[] data = random(6 * 1024 * 1024 + 5, 11);
    Files.write(dir.resolve("data"), data);
    int slowReader = Libc.open(slow, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
    ProcessIo stalled = ProcessIo.open(new Stdio("", slow.toString(), "", false), "ns", "slow");
    CompletableFuture<Integer> stalledExit =
        spawn(stalled, "/bin/cat", dir.resolve("data").toString());
    try {
      // The other process's copy goes on while the first sink is full.
      ProcessIo other = ProcessIo.open(new Stdio("", fast.toString(), "", false), "ns", "fast");
      CompletableFuture<byte[]> fastGot = CompletableFuture.supplyAsync(() -> {
        try (InputStream r = new FileInputStream(fast.toFile())) {
          return r.readAllBytes();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(100);
      CompletableFuture<Integer> otherExit =
          spawn(other, "/bin/cat", dir.resolve("data").toString());
      assertArrayEquals(data, fastGot.get(20, TimeUnit.SECONDS));
      assertEquals(0, otherExit.get(10, TimeUnit.SECONDS));
      assertTrue(other.awaitDrained(Duration.ofSeconds(10)));
      other.close();

      assertFalse(stalledExit.isDone(), "the process must wait for its reader, not lose output");
      assertFalse(stalled.awaitDrained(Duration.ofMillis(10)));
      // Now read slowly, in small pieces with pauses: every byte arrives, in order.
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      try (InputStream r = new FileInputStream(slow.toFile())) {
        Libc.closeQuietly(slowReader);
        slowReader = -1;
        byte[] buf = new byte[50_000];
        int pieces = 0;
        int k;
        while ((k = r.read(buf)) > 0) {
          got.write(buf, 0, k);
          if (++pieces % 20 == 0) {
            Thread.sleep(5);
          }
        }
      }
      assertEquals(0, stalledExit.get(20, TimeUnit.SECONDS));
      assertTrue(stalled.awaitDrained(Duration.ofSeconds(10)));
      assertEquals(data.length, got.size());
      assertArrayEquals(data, got.toByteArray());
    } finally {
      Libc.closeQuietly(slowReader);
      stalled.close();
    }
  }

  @Test
  void aLoggerThatGoesAwayNeverBlocksTheProcess() throws Exception {
    // A binary:// logger that signals readiness by closing fd 5, then exits: writes to its pipe
    // fail with EPIPE, and the shim must drain the process's output into nothing.
    Path logger = dir.resolve("logger.sh");
    Files.writeString(logger, "#!/bin/sh\nexec 3<&- 4<&- 5>&-\nexit 0\n");
    Files.setPosixFilePermissions(logger, PosixFilePermissions.fromString("rwx------"));
    Path src = dir.resolve("data");
    Files.write(src, random(8 * 1024 * 1024, 5));
    ProcessIo io = ProcessIo.open(
        new Stdio("", "binary://" + logger, "binary://" + logger, false), "ns", "gone");
    try {
      Thread.sleep(300); // The logger is gone before the process writes.
      CompletableFuture<Integer> exit =
          spawn(io, "/bin/sh", "-c", "cat " + src + "; cat " + src + " >&2");
      assertEquals(0, exit.get(20, TimeUnit.SECONDS));
      assertTrue(io.awaitDrained(Duration.ofSeconds(10)));
    } finally {
      io.close();
    }
  }

  @Test
  void aLoggerGetsStdoutAndStderrByteForByte() throws Exception {
    Path logger = dir.resolve("logger.sh");
    Path outLog = dir.resolve("out.log");
    Path errLog = dir.resolve("err.log");
    Files.writeString(logger, "#!/bin/sh\nexec 5>&-\ncat <&3 >\"$1\" & cat <&4 >\"$2\"\nwait\n");
    Files.setPosixFilePermissions(logger, PosixFilePermissions.fromString("rwx------"));
    byte[] out = random(5 * 1024 * 1024 + 1, 21);
    byte[] err = random(3 * 1024 * 1024 + 7, 22);
    Files.write(dir.resolve("o"), out);
    Files.write(dir.resolve("e"), err);
    String uri = "binary://" + logger + "?" + outLog + "&" + errLog;
    ProcessIo io = ProcessIo.open(new Stdio("", uri, uri, false), "ns", "logged");
    try {
      CompletableFuture<Integer> exit = spawn(io, "/bin/sh", "-c",
          "cat " + dir.resolve("o") + "; cat " + dir.resolve("e") + " >&2");
      assertEquals(0, exit.get(20, TimeUnit.SECONDS));
      assertTrue(io.awaitDrained(Duration.ofSeconds(10)));
    } finally {
      io.close(); // Closing the pipes lets the logger's cats end.
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((Files.size(outLog) < out.length || Files.size(errLog) < err.length)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertArrayEquals(sha256(out), sha256(Files.readAllBytes(outLog)));
    assertArrayEquals(sha256(err), sha256(Files.readAllBytes(errLog)));
  }

  @Test
  void stdinBytesArriveExactlyAndCloseIoWithoutAWriterEndsIt() throws Exception {
    Path in = dir.resolve("stdin");
    Path out = dir.resolve("stdout");
    Libc.mkfifo(in, 0600);
    Libc.mkfifo(out, 0600);
    byte[] data = random(4 * 1024 * 1024 + 3, 31);
    ProcessIo io = ProcessIo.open(new Stdio(in.toString(), out.toString(), "", false), "ns", "in");
    try {
      CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
        try (InputStream r = new FileInputStream(out.toFile())) {
          return r.readAllBytes();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      CompletableFuture<Integer> exit = spawn(io, "/usr/bin/sha256sum");
      try (OutputStream w = new FileOutputStream(in.toFile())) {
        w.write(data);
      }
      Thread.sleep(200);
      assertFalse(exit.isDone(), "stdin must stay open until CloseIO");
      io.closeStdin();
      assertEquals(0, exit.get(10, TimeUnit.SECONDS));
      assertTrue(io.awaitDrained(Duration.ofSeconds(10)));
      String expected = HexFormat.of().formatHex(sha256(data)) + "  -\n";
      assertEquals(expected, new String(got.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    } finally {
      io.close();
    }

    // CloseIO before any client writer: the process sees end of input at once.
    Path in2 = dir.resolve("stdin2");
    Libc.mkfifo(in2, 0600);
    ProcessIo io2 = ProcessIo.open(new Stdio(in2.toString(), "", "", false), "ns", "in2");
    try {
      CompletableFuture<Integer> exit = spawn(io2, "/bin/cat");
      Thread.sleep(100);
      assertFalse(exit.isDone());
      io2.closeStdin();
      assertEquals(0, exit.get(10, TimeUnit.SECONDS));
    } finally {
      io2.close();
    }
  }

  @Test
  void aConsoleCopiesStdinToThePtyAndThePtyToStdout() throws Exception {
    Path in = dir.resolve("stdin");
    Path out = dir.resolve("stdout");
    Libc.mkfifo(in, 0600);
    Libc.mkfifo(out, 0600);
    ProcessIo io = ProcessIo.open(new Stdio(in.toString(), out.toString(), "", true), "ns", "tty");
    Libc.Pty pty = Libc.openpty(null);
    CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
      try (InputStream r = new FileInputStream(out.toFile())) {
        return r.readAllBytes();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Map<Integer, Integer> fds = new HashMap<>();
    fds.put(0, pty.slave());
    fds.put(1, pty.slave());
    fds.put(2, pty.slave());
    int pid = Libc.spawn(List.of("/bin/sh", "-c", "read line; echo \"got:$line\""),
        Map.of("PATH", "/usr/bin:/bin"), new Libc.SpawnOptions(null, fds, true));
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Reaper.watchChild(pid, (p, status) -> exit.complete(status));
    Libc.closeQuietly(pty.slave());
    io.attachConsole(pty.master());
    try {
      try (OutputStream w = new FileOutputStream(in.toFile())) {
        w.write("hello\n".getBytes(StandardCharsets.UTF_8));
      }
      assertEquals(0, exit.get(10, TimeUnit.SECONDS));
      assertTrue(io.awaitDrained(Duration.ofSeconds(10)));
    } finally {
      io.close();
    }
    String text = new String(got.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    // The terminal echoes the input and turns \n into \r\n.
    assertTrue(text.contains("got:hello\r\n"), text);
  }

  @Test
  void aPrivilegedShimGivesTheProcessAMebibytePipeTowardsALoggerButNotTowardsAClient()
      throws Exception {
    // A logger that never reads: what the process can write before blocking is its pipe plus the
    // logger's 64 KiB pipe: 900 KiB fit in a 1 MiB pipe, not in a default one.
    Path logger = dir.resolve("logger.sh");
    Files.writeString(logger, "#!/bin/sh\nexec 5>&-\nexec sleep 60\n");
    Files.setPosixFilePermissions(logger, PosixFilePermissions.fromString("rwx------"));
    Files.write(dir.resolve("data"), random(900 * 1024, 41));
    ProcessIo io = ProcessIo.open(
        new Stdio("", "binary://" + logger, "", false), "ns", "big-pipe");
    try {
      CompletableFuture<Integer> exit = spawn(io, "/bin/cat", dir.resolve("data").toString());
      if (Sink.ENLARGE_PIPES) {
        assertEquals(0, exit.get(10, TimeUnit.SECONDS));
      } else {
        Thread.sleep(500);
        assertFalse(exit.isDone(), "a default pipe cannot hold 900 KiB");
      }
    } finally {
      io.close();
    }

    // Towards a client's FIFO nothing is enlarged: with no reader, 200 KiB do not fit.
    Path out = dir.resolve("stdout");
    Libc.mkfifo(out, 0600);
    ProcessIo toClient = ProcessIo.open(new Stdio("", out.toString(), "", false), "ns", "fifo");
    try {
      CompletableFuture<Integer> exit = spawn(toClient, "/bin/sh", "-c",
          "head -c 204800 " + dir.resolve("data"));
      Thread.sleep(500);
      assertFalse(exit.isDone(), "the process must not buffer more than a default pipe");
    } finally {
      toClient.close();
    }
  }
}
