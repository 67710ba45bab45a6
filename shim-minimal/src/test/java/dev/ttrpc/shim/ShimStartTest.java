package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.shim.sys.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShimStartTest {
  @TempDir Path tmp;

  @Test
  void startsADaemonWithTheListenerOnFd3AndReusesItWhileItLives() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    Path marker = tmp.resolve("daemon-env");
    String address = "unix://" + tmp.resolve("s").resolve("sock");
    // The "daemon" records what it got, then keeps the listener (fd 3) open.
    List<String> daemon =
        List.of("/bin/sh", "-c",
            "{ pwd; ls -l /proc/$$/fd/3; echo \"opts=${JAVA_TOOL_OPTIONS:-none}\"; echo \"$@\"; }"
                + " > " + marker + ".tmp; mv " + marker + ".tmp " + marker + "; exec sleep 30", "sh");
    Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "JAVA_TOOL_OPTIONS", "-Xnoisy");

    ShimStart.Result first =
        ShimStart.start(bundle, address, daemon, List.of("-id", "c1"), env, a -> a);
    assertFalse(first.reused());
    assertEquals(address, Files.readString(bundle.resolve("address")));
    assertTrue(ShimStart.canConnect(ShimSockets.socketPath(address)));
    waitFor(marker);
    List<String> seen = Files.readAllLines(marker);
    assertEquals(bundle.toRealPath().toString(), seen.get(0));
    assertTrue(seen.get(1).contains("socket:"), seen.get(1));
    assertEquals("opts=none", seen.get(2));
    assertEquals("-id c1", seen.get(3));

    Path bundle2 = Files.createDirectories(tmp.resolve("bundle2"));
    ShimStart.Result second = ShimStart.start(bundle2, address, daemon, List.of(), env, a -> a);
    assertTrue(second.reused());
    assertEquals(address, Files.readString(bundle2.resolve("address")));

    Libc.kill(first.daemonPid(), Libc.SIGKILL);
    Libc.waitid(Libc.P_PID, first.daemonPid(), Libc.WEXITED);
    assertFalse(ShimStart.canConnect(ShimSockets.socketPath(address)));
    ShimStart.Result third = ShimStart.start(bundle2, address, daemon, List.of(), env, a -> a);
    assertFalse(third.reused());
    assertNotEquals(first.daemonPid(), third.daemonPid());
    Libc.kill(third.daemonPid(), Libc.SIGKILL);
    Libc.waitid(Libc.P_PID, third.daemonPid(), Libc.WEXITED);
  }

  @Test
  void daemonEnvironmentDropsJvmOptionVariables() {
    Map<String, String> env =
        ShimStart.daemonEnvironment(
            Map.of("JAVA_TOOL_OPTIONS", "x", "JDK_JAVA_OPTIONS", "y", "_JAVA_OPTIONS", "z",
                "TTRPC_ADDRESS", "/t"));
    assertEquals(Map.of("TTRPC_ADDRESS", "/t"), env);
  }

  private static void waitFor(Path file) throws InterruptedException {
    for (int i = 0; i < 200 && !(Files.exists(file) && sizeOf(file) > 0); i++) {
      Thread.sleep(25);
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
