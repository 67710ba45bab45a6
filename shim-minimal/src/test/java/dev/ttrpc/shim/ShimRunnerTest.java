package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShimRunnerTest {
  @TempDir Path bundle;

  @Test
  void jsonStartReplyIsWhatContainerd17Parses() {
    String json = ShimRunner.startReplyJson("unix:///run/containerd/s/abc");
    assertEquals(
        "{\"version\":2,\"address\":\"unix:///run/containerd/s/abc\",\"protocol\":\"ttrpc\"}",
        json);
    assertEquals("unix:///run/containerd/s/abc", ShimRunner.addressOf(json));
    assertEquals("unix:///run/containerd/s/abc",
        ShimRunner.addressOf("unix:///run/containerd/s/abc\n"));
  }

  @Test
  void deleteRemovesOnlyADeadDaemonsSocket() throws Exception {
    Path sock = bundle.resolve("s.sock");
    Files.writeString(bundle.resolve("address"), "unix://" + sock);
    int listener = dev.ttrpc.shim.sys.Libc.unixListen(sock, 1);
    ShimRunner.removeDeadSocket(bundle);
    assertEquals(true, Files.exists(sock), "a live daemon keeps its socket");
    dev.ttrpc.shim.sys.Libc.close(listener);
    ShimRunner.removeDeadSocket(bundle);
    assertEquals(false, Files.exists(sock), "a dead daemon's socket is removed");
  }

  @Test
  void annotationsComeFromConfigJson() throws Exception {
    Files.writeString(
        bundle.resolve("config.json"),
        "{\"annotations\":{\"io.containerd.runc.v2.group\":\"g1\",\"n\":1}}");
    assertEquals(Map.of("io.containerd.runc.v2.group", "g1"), ShimRunner.annotations(bundle));
    assertEquals(Map.of(), ShimRunner.annotations(bundle.resolve("missing")));
  }
}
