package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
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

  @Test
  void startInputComesFromStdinOrFromTheLaunchersHex() throws Exception {
    byte[] options = {0x0a, 0x01, 0x78, 0x12, 0x00, (byte) 0xff};
    assertArrayEquals(options,
        ShimRunner.startInputBytes(null, new ByteArrayInputStream(options)), "no property: stdin");
    assertArrayEquals(options, ShimRunner.startInputBytes("0a01781200ff",
        new ByteArrayInputStream(new byte[] {1, 2})), "hex in the property, stdin left alone");
    assertArrayEquals(options, ShimRunner.startInputBytes("-",
        new ByteArrayInputStream("0a01781200ff\n".getBytes(StandardCharsets.US_ASCII))),
        "hex on stdin (the launcher's here-doc)");
    assertArrayEquals(new byte[0], ShimRunner.startInputBytes("",
        new ByteArrayInputStream(new byte[0])), "an empty stdin read by the launcher");
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ShimRunner.startInputBytes("0a0", new ByteArrayInputStream(new byte[0])));
    assertEquals("runtime options from the launcher are not hex (dev.ttrpc.shim.startInput)",
        bad.getMessage());
  }
}
