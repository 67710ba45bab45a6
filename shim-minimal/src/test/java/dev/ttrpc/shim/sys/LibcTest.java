package dev.ttrpc.shim.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {
  @TempDir Path tmp;

  @Test
  void killOfAGoneProcessReportsEsrch() throws Exception {
    Process p = new ProcessBuilder("true").start();
    int pid = (int) p.pid();
    p.waitFor();
    ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.kill(pid, 0));
    assertEquals(Errno.ESRCH, e.errno());
    assertTrue(e.getMessage().startsWith("kill(" + pid + ", 0): ESRCH ("), e.getMessage());
    assertFalse(Libc.processExists(pid));
    assertTrue(Libc.processExists(Libc.getpid()));
  }

  @Test
  void identityMatchesTheJdk() {
    assertEquals(ProcessHandle.current().pid(), Libc.getpid());
    assertTrue(Libc.geteuid() >= 0);
    assertTrue(Libc.getegid() >= 0);
  }

  @Test
  void subreaperCanBeSetAndRead() throws Exception {
    boolean before = Libc.isChildSubreaper();
    try {
      Libc.setChildSubreaper(true);
      assertTrue(Libc.isChildSubreaper());
      Libc.setChildSubreaper(false);
      assertFalse(Libc.isChildSubreaper());
    } finally {
      Libc.setChildSubreaper(before);
    }
  }

  @Test
  void ptyWindowSizeRoundTrips() throws Exception {
    Libc.Pty pty = Libc.openpty(new Libc.Winsize(40, 120));
    try {
      assertEquals(new Libc.Winsize(40, 120), Libc.getWinsize(pty.master()));
      Libc.setWinsize(pty.master(), new Libc.Winsize(30, 100));
      assertEquals(new Libc.Winsize(30, 100), Libc.getWinsize(pty.slave()));
    } finally {
      Libc.close(pty.master());
      Libc.close(pty.slave());
    }
  }

  @Test
  void winsizeOnANonTerminalIsEnotty() throws Exception {
    int[] p = Libc.pipe();
    try {
      ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.getWinsize(p[0]));
      assertEquals(Errno.ENOTTY, e.errno());
    } finally {
      Libc.close(p[0]);
      Libc.close(p[1]);
    }
  }

  @Test
  void waitidReportsExitCodesOfNativelySpawnedChildren() throws Exception {
    int pid = spawn("/bin/sh", "-c", "exit 7");
    Libc.WaitResult r = Libc.waitid(Libc.P_PID, pid, Libc.WEXITED);
    assertEquals(pid, r.pid());
    assertEquals(Libc.CLD_EXITED, r.code());
    assertEquals(7, r.exitStatus());
  }

  @Test
  void waitidThroughAPidfdReportsSignals() throws Exception {
    int pid = spawn("/bin/sleep", "30");
    int pidfd = Libc.pidfdOpen(pid);
    try {
      assertTrue(Libc.waitid(Libc.P_PIDFD, pidfd, Libc.WEXITED | Libc.WNOHANG) == null);
      Libc.kill(pid, Libc.SIGTERM);
      Libc.WaitResult r = Libc.waitid(Libc.P_PIDFD, pidfd, Libc.WEXITED);
      assertEquals(Libc.CLD_KILLED, r.code());
      assertEquals(143, r.exitStatus());
    } finally {
      Libc.close(pidfd);
    }
  }

  @Test
  void waitidOnAJdkChildIsEchildBecauseTheJdkReapsIt() throws Exception {
    Process p = new ProcessBuilder("true").start();
    assertEquals(0, p.waitFor());
    ErrnoException e =
        assertThrows(
            ErrnoException.class, () -> Libc.waitid(Libc.P_PID, (int) p.pid(), Libc.WEXITED));
    assertEquals(Errno.ECHILD, e.errno());
  }

  @Test
  void spawnDuplicatesDescriptorsAndSetsCwdAndEnv() throws Exception {
    int[] p = Libc.pipe();
    int pid =
        Libc.spawn(
            List.of("/bin/sh", "-c", "pwd; echo \"$FOO\"; echo err >&2"),
            Map.of("FOO", "bar", "PATH", "/usr/bin:/bin"),
            new Libc.SpawnOptions(tmp, Map.of(1, p[1], 2, p[1]), true));
    Libc.close(p[1]);
    try (InputStream in = FdStreams.input(p[0])) {
      String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(tmp.toRealPath() + "\nbar\nerr\n", out);
    }
    assertEquals(0, Libc.waitid(Libc.P_PID, pid, Libc.WEXITED).exitStatus());
  }

  @Test
  void fdStreamsCopyThroughAPipe() throws Exception {
    int[] p = Libc.pipe();
    byte[] data = new byte[100_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (OutputStream out = FdStreams.output(p[1])) {
                    out.write(data);
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                });
    try (InputStream in = FdStreams.input(p[0])) {
      assertArrayEquals(data, in.readAllBytes());
    }
    writer.join();
  }

  @Test
  void mountAndUmount2ReportTheKernelsErrno() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path target = Files.createDirectories(tmp.resolve("t"));
    ErrnoException notMounted =
        assertThrows(ErrnoException.class, () -> Libc.umount2(target, 0));
    assertEquals(Errno.EINVAL, notMounted.errno());
    assertTrue(notMounted.getMessage().startsWith("umount2(" + target + ", 0): EINVAL ("),
        notMounted.getMessage());
    ErrnoException noType =
        assertThrows(ErrnoException.class,
            () -> Libc.mount("none", target, "no-such-filesystem", 0, null));
    assertEquals(Errno.ENODEV, noType.errno());

    Libc.mount("none", target, "tmpfs", 0, "size=64k,mode=0700");
    try {
      Files.writeString(target.resolve("f"), "on tmpfs");
      assertEquals("rwx------", PosixFilePermissions.toString(
          Files.readAttributes(target, PosixFileAttributes.class).permissions()),
          "the data string reached the filesystem");
    } finally {
      Libc.umount2(target, Libc.MNT_DETACH);
    }
    assertFalse(Files.exists(target.resolve("f")), "the file was on the tmpfs, now gone");
  }

  @Test
  void mkfifoCreatesAFifo() throws Exception {
    Path fifo = tmp.resolve("f");
    Libc.mkfifo(fifo, 0600);
    PosixFileAttributes a = Files.readAttributes(fifo, PosixFileAttributes.class);
    assertTrue(a.isOther());
    ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.mkfifo(fifo, 0600));
    assertEquals(Errno.EEXIST, e.errno());
    // O_RDWR on a FIFO never blocks.
    Libc.close(Libc.open(fifo, Libc.O_RDWR | Libc.O_CLOEXEC, 0));
  }

  @Test
  void unixListenRefusesAnExistingSocketAndAcceptsConnections() throws Exception {
    Path sock = tmp.resolve("s.sock");
    int listener = Libc.unixListen(sock, 4);
    try {
      ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.unixListen(sock, 4));
      assertEquals(Errno.EADDRINUSE, e.errno());
      int client = Libc.unixConnect(sock);
      int server = Libc.accept(listener);
      Libc.close(client);
      Libc.close(server);
    } finally {
      Libc.close(listener);
    }
    ErrnoException refused = assertThrows(ErrnoException.class, () -> Libc.unixConnect(sock));
    assertEquals(Errno.ECONNREFUSED, refused.errno());
  }

  @Test
  void receiveFdGetsADescriptorPassedWithScmRights() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(python), "python3 sends the descriptor");
    Path sock = tmp.resolve("console.sock");
    Path payload = tmp.resolve("payload");
    Files.writeString(payload, "through-scm-rights");
    int listener = Libc.unixListen(sock, 1);
    try {
      Process sender =
          new ProcessBuilder(
                  python.toString(),
                  "-c",
                  "import socket,sys,os\n"
                      + "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
                      + "f=os.open(sys.argv[2], os.O_RDONLY)\n"
                      + "socket.send_fds(s, [b'x'], [f])\n",
                  sock.toString(),
                  payload.toString())
              .inheritIO()
              .start();
      int conn = Libc.accept(listener);
      int fd = Libc.receiveFd(conn);
      Libc.close(conn);
      assertEquals(0, sender.waitFor());
      assertTrue(fd >= 0);
      try (InputStream in = FdStreams.input(fd)) {
        assertEquals("through-scm-rights", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } finally {
      Libc.close(listener);
    }
  }

  private static int spawn(String... argv) throws ErrnoException {
    int pid = Libc.spawn(List.of(argv), Map.of(), new Libc.SpawnOptions(null, Map.of(), false));
    assertNotNull(pid);
    return pid;
  }
}
