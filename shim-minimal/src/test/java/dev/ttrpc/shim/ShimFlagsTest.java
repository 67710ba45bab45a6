package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShimFlagsTest {
  @Test
  void parsesContainerdStartCommandLine() throws Exception {
    ShimFlags f =
        ShimFlags.parse(
            List.of(
                "-namespace", "default", "-address", "/run/containerd/containerd.sock",
                "-publish-binary", "/usr/bin/containerd", "-id", "t1", "-debug", "start"));
    assertEquals("default", f.namespace());
    assertEquals("/run/containerd/containerd.sock", f.address());
    assertEquals("/usr/bin/containerd", f.publishBinary());
    assertEquals("t1", f.id());
    assertTrue(f.debug());
    assertEquals("start", f.action());
  }

  @Test
  void acceptsEqualsFormAndDoubleDashes() throws Exception {
    ShimFlags f = ShimFlags.parse(List.of("--namespace=ns", "-id=x", "--bundle", "/b", "delete"));
    assertEquals("ns", f.namespace());
    assertEquals("x", f.id());
    assertEquals("/b", f.bundle());
    assertEquals("delete", f.action());
    assertFalse(f.debug());
  }

  @Test
  void booleanFlagsDoNotConsumeTheNextArgument() throws Exception {
    ShimFlags f = ShimFlags.parse(List.of("-debug", "start"));
    assertTrue(f.debug());
    assertEquals("start", f.action());
    assertFalse(ShimFlags.parse(List.of("-debug=false")).debug());
  }

  @Test
  void noActionMeansDaemonMode() throws Exception {
    ShimFlags f = ShimFlags.parse(List.of("-namespace", "n", "-id", "i", "-address", "/a"));
    assertEquals("", f.action());
  }

  @Test
  void versionFlag() throws Exception {
    assertTrue(ShimFlags.parse(List.of("-v")).version());
    assertTrue(ShimFlags.parse(List.of("--version")).version());
  }

  @Test
  void unknownFlagIsAUsageErrorWithExitCode2() {
    ShimFlags.UsageException e =
        assertThrows(ShimFlags.UsageException.class, () -> ShimFlags.parse(List.of("-info")));
    assertEquals(2, e.exitCode());
    assertEquals("flag provided but not defined: -info", e.getMessage());
  }

  @Test
  void missingValueIsAUsageError() {
    ShimFlags.UsageException e =
        assertThrows(ShimFlags.UsageException.class, () -> ShimFlags.parse(List.of("-id")));
    assertEquals(2, e.exitCode());
    assertEquals("flag needs an argument: -id", e.getMessage());
  }

  @Test
  void helpExitsZero() {
    ShimFlags.UsageException e =
        assertThrows(ShimFlags.UsageException.class, () -> ShimFlags.parse(List.of("-h")));
    assertEquals(0, e.exitCode());
  }

  @Test
  void argumentsAfterTheActionAreKept() throws Exception {
    ShimFlags f = ShimFlags.parse(List.of("-id", "a", "start", "-debug"));
    assertEquals("start", f.action());
    assertEquals(List.of("-debug"), f.arguments());
    assertFalse(f.debug());
  }

  @Test
  void daemonArgumentsRepeatTheStartFlagsWithoutAction() throws Exception {
    ShimFlags f =
        ShimFlags.parse(
            List.of("-namespace", "n", "-address", "/a", "-publish-binary", "/c", "-id", "i",
                "-debug", "start"));
    assertEquals(
        List.of("-namespace", "n", "-id", "i", "-address", "/a", "-publish-binary", "/c",
            "-debug"),
        f.daemonArguments());
  }

  @Test
  void usageListsEveryFlag() {
    String u = ShimFlags.usage("containerd-shim-minimal-v2");
    for (String flag : List.of("-namespace", "-address", "-publish-binary", "-id", "-bundle",
        "-debug", "-socket", "-v")) {
      assertTrue(u.contains("  " + flag), flag);
    }
  }
}
