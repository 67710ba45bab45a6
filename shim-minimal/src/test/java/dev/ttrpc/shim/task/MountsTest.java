package dev.ttrpc.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.sys.Libc;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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

  /** One mountinfo line of a mount point: per-mount options, optional fields, type, super options. */
  private record MountInfo(List<String> options, List<String> optional, String type,
      List<String> superOptions) {}

  /** The top mount on {@code target} (the last line naming it), or null. */
  private static MountInfo mountInfo(Path target) throws IOException {
    MountInfo found = null;
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (!f[4].equals(target.toString())) {
        continue;
      }
      int dash = Arrays.asList(f).indexOf("-");
      found = new MountInfo(List.of(f[5].split(",")), List.of(f).subList(6, dash), f[dash + 1],
          List.of(f[dash + 3].split(",")));
    }
    return found;
  }

  private static TaskEvent.Mount overlay(Path lower, Path upper, Path work) {
    return new TaskEvent.Mount("overlay", "overlay", "",
        List.of("index=off", "workdir=" + work, "upperdir=" + upper, "lowerdir=" + lower));
  }

  @Test
  void anOverlayIsMountedWritableThroughAndRemoved() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Path work = Files.createDirectories(dir.resolve("work"));
    Files.writeString(lower.resolve("a"), "lower");
    Path target = dir.resolve("bundle/rootfs");
    Mounts.mountAll(List.of(overlay(lower, upper, work)), target);
    try {
      MountInfo info = mountInfo(target);
      assertEquals("overlay", info.type());
      assertTrue(info.options().contains("rw"), info.toString());
      assertTrue(info.superOptions().contains("lowerdir=" + lower), info.toString());
      assertTrue(info.superOptions().contains("upperdir=" + upper), info.toString());
      assertEquals("lower", Files.readString(target.resolve("a")));
      Files.writeString(target.resolve("b"), "written");
      assertEquals("written", Files.readString(upper.resolve("b")), "writes land in upperdir");
      assertFalse(Files.exists(lower.resolve("b")));
    } finally {
      Mounts.unmountAll(target);
    }
    assertFalse(Mounts.isMountPoint(target));
    assertFalse(Files.exists(target.resolve("a")));
  }

  @Test
  void aReadOnlyOverlayTakesTheFlagFromTheOptions() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path lower = Files.createDirectories(dir.resolve("lower"));
    Files.writeString(lower.resolve("a"), "lower");
    Path other = Files.createDirectories(dir.resolve("lower2"));
    Path target = dir.resolve("rootfs");
    Mounts.mountAll(
        List.of(new TaskEvent.Mount("overlay", "overlay", "",
            List.of("ro", "nosuid", "lowerdir=" + lower + ":" + other))),
        target);
    try {
      MountInfo info = mountInfo(target);
      assertEquals("overlay", info.type());
      assertTrue(info.options().contains("ro") && info.options().contains("nosuid"),
          info.toString());
      assertFalse(info.superOptions().contains("nosuid"), "flags are not passed as data");
      assertThrows(FileSystemException.class, () -> Files.writeString(target.resolve("b"), "x"));
    } finally {
      Mounts.unmountAll(target);
    }
    assertFalse(Mounts.isMountPoint(target));
  }

  @Test
  void aReadOnlyBindIsRemountedReadOnly() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("a"), "source");
    Path target = dir.resolve("rootfs");
    Mounts.mountAll(
        List.of(new TaskEvent.Mount("bind", src.toString(), "", List.of("rbind", "ro"))), target);
    try {
      MountInfo info = mountInfo(target);
      assertTrue(info.options().contains("ro"), info.toString());
      assertEquals("source", Files.readString(target.resolve("a")));
      assertThrows(FileSystemException.class, () -> Files.writeString(target.resolve("b"), "x"));
      assertFalse(Files.exists(src.resolve("b")));
    } finally {
      Mounts.unmountAll(target);
    }
    assertFalse(Mounts.isMountPoint(target));
    // The source itself stays writable: the read-only state belongs to the bind mount.
    Files.writeString(src.resolve("b"), "x");
  }

  @Test
  void aWritableBindStaysWritable() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path src = Files.createDirectories(dir.resolve("src"));
    Path target = dir.resolve("rootfs");
    Mounts.mountAll(
        List.of(new TaskEvent.Mount("bind", src.toString(), "", List.of("bind", "rw"))), target);
    try {
      assertTrue(mountInfo(target).options().contains("rw"));
      Files.writeString(target.resolve("b"), "x");
      assertEquals("x", Files.readString(src.resolve("b")));
    } finally {
      Mounts.unmountAll(target);
    }
  }

  @Test
  void propagationOptionsAreApplied() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path src = Files.createDirectories(dir.resolve("src"));
    Path shared = dir.resolve("shared");
    Path priv = dir.resolve("private");
    Mounts.mountAll(
        List.of(new TaskEvent.Mount("bind", src.toString(), "", List.of("rbind", "rshared"))),
        shared);
    try {
      Mounts.mountAll(
          List.of(new TaskEvent.Mount("bind", src.toString(), "", List.of("rbind", "rprivate"))),
          priv);
      try {
        assertTrue(mountInfo(shared).optional().stream().anyMatch(o -> o.startsWith("shared:")),
            mountInfo(shared).toString());
        assertTrue(mountInfo(priv).optional().isEmpty(), mountInfo(priv).toString());
      } finally {
        Mounts.unmountAll(priv);
      }
    } finally {
      Mounts.unmountAll(shared);
    }
    assertFalse(Mounts.isMountPoint(shared));
    assertFalse(Mounts.isMountPoint(priv));
  }

  @Test
  void aMissingLowerdirIsAClearErrorAndLeavesNothingMounted() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path upper = Files.createDirectories(dir.resolve("upper"));
    Path work = Files.createDirectories(dir.resolve("work"));
    Path src = Files.createDirectories(dir.resolve("src"));
    Path target = dir.resolve("rootfs");
    TaskException e =
        assertThrows(
            TaskException.class,
            () ->
                Mounts.mountAll(
                    List.of(
                        new TaskEvent.Mount("bind", src.toString(), "", List.of("rbind")),
                        overlay(dir.resolve("missing"), upper, work)),
                    target));
    assertEquals(
        "failed to mount rootfs component overlay overlay: ENOENT: No such file or directory",
        e.getMessage());
    assertFalse(Mounts.isMountPoint(target), "the bind mounted first is gone too");
  }

  @Test
  void optionsForMount8StillMount() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("a"), "source");
    Path target = dir.resolve("rootfs");
    Mounts.mountAll(
        List.of(new TaskEvent.Mount("bind", src.toString(), "",
            List.of("rbind", "ro", "x-test.comment"))),
        target);
    try {
      assertTrue(mountInfo(target).options().contains("ro"));
      assertEquals("source", Files.readString(target.resolve("a")));
    } finally {
      Mounts.unmountAll(target);
    }
    assertFalse(Mounts.isMountPoint(target));
  }

  @Test
  void aBusyMountIsDetachedLazily() throws Exception {
    assumeTrue(Libc.geteuid() == 0, "mounting needs root");
    Path src = Files.createDirectories(dir.resolve("src"));
    Files.writeString(src.resolve("a"), "source");
    Path target = dir.resolve("rootfs");
    Mounts.mountAll(
        List.of(new TaskEvent.Mount("bind", src.toString(), "", List.of("rbind"))), target);
    try (FileChannel open = FileChannel.open(target.resolve("a"))) {
      Mounts.unmountAll(target);
      assertFalse(Mounts.isMountPoint(target));
      assertEquals(6, open.size(), "the open file still reads from the detached mount");
    }
  }

  @Test
  void unmountingWhatIsNotMountedIsQuiet() throws Exception {
    Mounts.unmountAll(dir);
    Mounts.unmountAll(dir.resolve("does-not-exist"));
    assertFalse(Mounts.isMountPoint(dir));
  }
}
