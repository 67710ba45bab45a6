package dev.ttrpc.shim.task;

import static dev.ttrpc.shim.task.MountOptions.MS_BIND;
import static dev.ttrpc.shim.task.MountOptions.MS_NODEV;
import static dev.ttrpc.shim.task.MountOptions.MS_NOEXEC;
import static dev.ttrpc.shim.task.MountOptions.MS_NOSUID;
import static dev.ttrpc.shim.task.MountOptions.MS_PRIVATE;
import static dev.ttrpc.shim.task.MountOptions.MS_RDONLY;
import static dev.ttrpc.shim.task.MountOptions.MS_REC;
import static dev.ttrpc.shim.task.MountOptions.MS_RELATIME;
import static dev.ttrpc.shim.task.MountOptions.MS_SHARED;
import static dev.ttrpc.shim.task.MountOptions.MS_SLAVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** How rootfs mount options become mount(2) arguments, or are left to mount(8). */
class MountOptionsTest {
  private static MountOptions.Syscall syscall(String type, String... options) {
    return assertInstanceOf(MountOptions.Syscall.class, MountOptions.parse(type, List.of(options)));
  }

  private static MountOptions.Fallback fallback(String type, String... options) {
    return assertInstanceOf(
        MountOptions.Fallback.class, MountOptions.parse(type, List.of(options)));
  }

  @Test
  void overlayKeyValuesAreTheDataStringInOrder() {
    MountOptions.Syscall s =
        syscall("overlay", "index=off", "workdir=/s/2/work", "upperdir=/s/2/fs",
            "lowerdir=/s/1/fs");
    assertEquals(0, s.flags());
    assertEquals("index=off,workdir=/s/2/work,upperdir=/s/2/fs,lowerdir=/s/1/fs", s.data());
    assertEquals(0, s.propagation());
    assertFalse(s.needsReadOnlyRemount());
  }

  @Test
  void flagsAreTakenOutOfTheData() {
    MountOptions.Syscall s =
        syscall("overlay", "nosuid", "lowerdir=/l", "nodev", "noexec", "relatime", "ro");
    assertEquals(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | MS_RDONLY, s.flags());
    assertEquals("lowerdir=/l", s.data());
  }

  @Test
  void aClearingOptionUndoesOnlyWhatCameBeforeIt() {
    assertEquals(0, syscall("tmpfs", "ro", "rw").flags());
    assertEquals(MS_RDONLY, syscall("tmpfs", "rw", "ro").flags());
    assertEquals(MS_NODEV, syscall("tmpfs", "nosuid", "nodev", "suid").flags());
    assertEquals(0, syscall("tmpfs", "noexec", "exec", "nodev", "dev").flags());
  }

  @Test
  void rbindIsARecursiveBindAndRoOnABindNeedsARemount() {
    MountOptions.Syscall s = syscall("bind", "rbind", "ro");
    assertEquals(MS_BIND | MS_REC | MS_RDONLY, s.flags());
    assertNull(s.data(), "no data: NULL, not an empty string");
    assertTrue(s.needsReadOnlyRemount());
    assertFalse(syscall("bind", "bind").needsReadOnlyRemount());
    assertFalse(syscall("tmpfs", "ro").needsReadOnlyRemount(), "only bind mounts ignore ro");
  }

  @Test
  void propagationIsASeparateCallAndTheLastOneWins() {
    MountOptions.Syscall s = syscall("bind", "rbind", "rshared");
    assertEquals(MS_BIND | MS_REC, s.flags(), "propagation must not reach the first call");
    assertEquals(MS_SHARED | MS_REC, s.propagation());
    assertEquals(MS_PRIVATE, syscall("bind", "bind", "rslave", "private").propagation());
    assertEquals(MS_SLAVE | MS_REC, syscall("bind", "bind", "rslave").propagation());
  }

  @Test
  void defaultsIsANoOp() {
    MountOptions.Syscall s = syscall("tmpfs", "defaults", "size=64k");
    assertEquals(0, s.flags());
    assertEquals("size=64k", s.data());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ext4", "xfs", "fuse.sshfs", "fuse3.fuse-overlayfs", "nfs", "none", ""})
  void typesTheKernelMayNotMountAloneGoToMount8(String type) {
    fallback(type, "ro");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"loop", "loop=/dev/loop3", "offset=4096", "x-systemd.automount", "X-mount.mkdir",
          "nofail", "_netdev", "comment=x", "helper=foo", "remount", "lazytime", "silent",
          "nosymfollow", "=x"})
  void optionsTheTableDoesNotKnowGoToMount8(String option) {
    fallback("overlay", "lowerdir=/l", option);
  }

  @Test
  void overlaysOwnWordsArePassedThroughButNotForOtherTypes() {
    assertEquals("lowerdir=/l,userxattr,volatile",
        syscall("overlay", "lowerdir=/l", "userxattr", "volatile").data());
    fallback("tmpfs", "userxattr");
  }

  @Test
  void aBindTypeWithoutBindOptionIsLeftToMount8() {
    fallback("bind", "ro");
  }

  @ParameterizedTest
  @CsvSource({"3583, true", "3584, false"})
  void dataOfAlmostAPageIsLeftToMount8(int length, boolean syscall) {
    String lower = "lowerdir=" + "a".repeat(length - "lowerdir=".length());
    MountOptions.Decision d = MountOptions.parse("overlay", List.of(lower));
    assertEquals(syscall, d instanceof MountOptions.Syscall, d.toString());
  }

  @Test
  void theLimitCountsBytesNotCharacters() {
    String lower = "lowerdir=" + "\u00e9".repeat(1800); // 3609 bytes, 1809 chars
    fallback("overlay", lower);
  }
}
