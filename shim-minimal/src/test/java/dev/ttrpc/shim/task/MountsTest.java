package dev.ttrpc.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.sys.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rootfs mounts of a Create request (needs root, like the shim). */
class MountsTest {
  @TempDir Path dir;

  @Test
  void mountsStackedEntriesAndRemovesThemAll() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Files.writeString(lower.resolve("a"), "lower");
    Files.writeString(upper.resolve("b"), "upper");
    Path target = dir.resolve("bundle/rootfs");
    Mounts.mountAll(
        List.of(
            new TaskEvent.Mount("bind", lower.toString(), "", List.of("rbind", "ro")),
            new TaskEvent.Mount("bind", upper.toString(), "", List.of("rbind"))),
        target);
    assertTrue(Mounts.isMountPoint(target));
    assertEquals("upper", Files.readString(target.resolve("b")), "the last mount is on top");
    Mounts.unmountAll(target);
    assertFalse(Mounts.isMountPoint(target));
    assertFalse(Files.exists(target.resolve("b")));
  }

  @Test
  void aFailingMountIsAnErrorAndLeavesNothingMounted() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path target = dir.resolve("rootfs");
    TaskException e =
        assertThrows(
            TaskException.class,
            () ->
                Mounts.mountAll(
                    List.of(new TaskEvent.Mount("bind", dir.resolve("missing").toString(), "",
                        List.of("rbind"))),
                    target));
    assertTrue(e.getMessage().startsWith("failed to mount rootfs component bind "),
        e.getMessage());
    assertFalse(Mounts.isMountPoint(target));
  }
}
