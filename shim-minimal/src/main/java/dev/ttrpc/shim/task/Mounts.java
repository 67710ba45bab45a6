package dev.ttrpc.shim.task;

import dev.ttrpc.shim.TaskException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mounts a Create request's rootfs into {@code bundle/rootfs} and removes every mount stacked on
 * it again, with the system's {@code mount}/{@code umount} tools. Stateless.
 */
public final class Mounts {
  private Mounts() {}

  /** Mounts each entry on {@code target}, in order; on failure, unmounts what was mounted. */
  public static void mountAll(List<TaskEvent.Mount> mounts, Path target)
      throws IOException, InterruptedException {
    Files.createDirectories(target);
    for (TaskEvent.Mount m : mounts) {
      List<String> cmd = new ArrayList<>(List.of("mount", "-t", m.type()));
      if (!m.options().isEmpty()) {
        cmd.add("-o");
        cmd.add(String.join(",", m.options()));
      }
      cmd.add(m.source());
      cmd.add(target.toString());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0) {
        unmountAll(target);
        throw new TaskException(
            TaskException.Code.UNKNOWN,
            "failed to mount rootfs component " + m.type() + " " + m.source() + ": " + out);
      }
    }
  }

  /** Unmounts every mount on {@code target} (stacked mounts included); quiet if none. */
  public static void unmountAll(Path target) throws IOException, InterruptedException {
    for (int i = 0; i < 64 && isMountPoint(target); i++) {
      Process p = new ProcessBuilder("umount", target.toString()).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (p.waitFor() != 0) {
        new ProcessBuilder("umount", "-l", target.toString()).start().waitFor();
      }
    }
  }

  /** Whether {@code target} appears as a mount point in this process's mountinfo. */
  public static boolean isMountPoint(Path target) throws IOException {
    String t = target.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] f = line.split(" ");
      if (f.length > 4 && unescape(f[4]).equals(t)) {
        return true;
      }
    }
    return false;
  }

  private static String unescape(String s) {
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
        .replace("\\134", "\\");
  }
}
