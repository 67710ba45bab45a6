package dev.ttrpc.conformance.runcshim;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds what the real-shim test needs on this machine (root, {@code containerd-shim-runc-v2},
 * {@code runc}, a static busybox, {@code mkfifo}) and decides what a gap means: with {@code
 * CI=true} the test fails and names every missing piece, because a skipped proof would look green;
 * elsewhere it is skipped with the same explanation.
 *
 * <p>Immutable once found; thread-safe.
 */
record ShimTestPrerequisites(Path shimBinary, Path runc, Path busybox, Path mkfifo) {

  static final String SHIM_BINARY_NAME = "containerd-shim-runc-v2";

  ShimTestPrerequisites {
    requireNonNull(shimBinary, "shimBinary");
    requireNonNull(runc, "runc");
    requireNonNull(busybox, "busybox");
    requireNonNull(mkfifo, "mkfifo");
  }

  /** Returns the tools, or fails (CI) / aborts (elsewhere) the calling test with the reasons. */
  static ShimTestPrerequisites requireAll() {
    List<String> missing = new ArrayList<>();
    if (!runningAsRoot()) {
      missing.add("not running as root (the shim and runc create containers)");
    }
    Optional<Path> shim = onPath(SHIM_BINARY_NAME);
    if (shim.isEmpty()) {
      missing.add(SHIM_BINARY_NAME + " not found on PATH (Debian: apt-get install containerd)");
    }
    Optional<Path> runc = onPath("runc");
    if (runc.isEmpty()) {
      missing.add("runc not found on PATH (Debian: apt-get install runc)");
    }
    Optional<Path> busybox = staticBusybox();
    if (busybox.isEmpty()) {
      missing.add("no statically linked busybox at /bin/busybox (Debian: busybox-static)");
    }
    Optional<Path> mkfifo = onPath("mkfifo");
    if (mkfifo.isEmpty()) {
      missing.add("mkfifo not found on PATH (coreutils)");
    }
    enforce(missing, inCi());
    return new ShimTestPrerequisites(shim.get(), runc.get(), busybox.get(), mkfifo.get());
  }

  /**
   * Does nothing if {@code missing} is empty; otherwise fails the test when {@code ci}, or aborts
   * it (JUnit reports it skipped) when not, naming every missing piece.
   */
  static void enforce(List<String> missing, boolean ci) {
    if (missing.isEmpty()) {
      return;
    }
    String reason = "real containerd-shim-runc-v2 test cannot run: " + String.join("; ", missing);
    if (ci) {
      Assertions.fail(reason + " (CI=true: this test must run, never skip)");
    }
    Assumptions.abort(reason + " (skipped outside CI; CI=true makes this a failure)");
  }

  static boolean inCi() {
    String ci = System.getenv("CI");
    return ci != null && (ci.equalsIgnoreCase("true") || ci.equals("1"));
  }

  /** Reads the effective uid from /proc, which needs no extra module or process. */
  private static boolean runningAsRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          String[] ids = line.substring(4).trim().split("\\s+");
          return ids.length > 1 && ids[1].equals("0");
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    List<String> dirs = new ArrayList<>();
    if (path != null) {
      dirs.addAll(List.of(path.split(":")));
    }
    // Test JVMs sometimes run with a trimmed PATH; the Debian packages install here.
    dirs.addAll(List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"));
    for (String dir : dirs) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * A dynamically linked busybox would need the host's libraries inside the container, so only a
   * static one qualifies: an ELF file without a {@code PT_INTERP} program header.
   */
  private static Optional<Path> staticBusybox() {
    for (String candidate : List.of("/bin/busybox", "/usr/bin/busybox")) {
      Path p = Path.of(candidate);
      if (Files.isRegularFile(p) && Files.isExecutable(p) && Elf.isStaticExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
