package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShimSocketsTest {
  @Test
  void addressMatchesContainerdsScheme() {
    // sha256("/run/containerd/containerd.sock/default/t1"), as containerd 1.6 computes it.
    assertEquals(
        "unix:///run/containerd/s/"
            + "df6a0c5cd2e9a1a16d9a3f2447365d9fc6021bc1d3d9a4caa2f5b2c4f773758f",
        ShimSockets.socketAddress(
            "/run/containerd/containerd.sock", "default", "t1", ShimSockets.DEFAULT_SOCKET_DIR));
  }

  @Test
  void joinCleansLikeGo() {
    assertEquals("/a/ns/id", ShimSockets.goJoin("/a/", "ns", "id"));
    assertEquals("/a/ns/id", ShimSockets.goJoin("/a//b/../", "ns", "id"));
    assertEquals("ns/id", ShimSockets.goJoin("", "ns", "id"));
    assertEquals("/", ShimSockets.goClean("/../.."));
    assertEquals("../x", ShimSockets.goClean("a/../../x"));
    assertEquals(".", ShimSockets.goClean(""));
  }

  @Test
  void groupIdPrefersGroupThenSandboxThenId() {
    assertEquals("g1", ShimSockets.groupId(
        Map.of(ShimSockets.GROUP_ANNOTATION, "g1", ShimSockets.SANDBOX_ANNOTATION, "p"), "c"));
    assertEquals("p", ShimSockets.groupId(Map.of(ShimSockets.SANDBOX_ANNOTATION, "p"), "c"));
    assertEquals("c", ShimSockets.groupId(Map.of(), "c"));
    assertEquals("c", ShimSockets.groupId(null, "c"));
  }

  @Test
  void socketPathStripsTheScheme() {
    assertEquals(Path.of("/run/x"), ShimSockets.socketPath("unix:///run/x"));
    assertEquals(Path.of("/run/x"), ShimSockets.socketPath("/run/x"));
  }
}
