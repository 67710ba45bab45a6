package dev.ttrpc.shim.process;

import dev.ttrpc.shim.TaskException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Finds the program a container process will exec, as the kernel would see it from inside the
 * container's root: absolute symlink targets are taken relative to that root, not the host.
 *
 * <p>The process backend checks this at Create so that a missing program fails the task's
 * creation, as runc does, instead of making the started process exit with 127.
 */
final class RootfsExecutable {
  private static final int MAX_SYMLINKS = 40;

  private RootfsExecutable() {}

  /**
   * Checks that {@code program} resolves to an executable regular file under {@code root}: a
   * path when it contains a slash (relative to {@code cwd}), else the first match on {@code
   * pathEnv}.
   *
   * @throws TaskException UNKNOWN with runc's wording when it does not
   */
  static void check(Path root, String cwd, String program, String pathEnv) {
    if (program.contains("/")) {
      String absolute = program.startsWith("/") ? program : cwd + "/" + program;
      if (!isExecutable(root, absolute)) {
        throw new TaskException(
            TaskException.Code.UNKNOWN,
            "exec: \"" + program + "\": stat " + program + ": no such file or directory");
      }
      return;
    }
    for (String dir : pathEnv.split(":", -1)) {
      String candidate = (dir.isEmpty() ? cwd : dir) + "/" + program;
      if (isExecutable(root, candidate)) {
        return;
      }
    }
    throw new TaskException(
        TaskException.Code.UNKNOWN,
        "exec: \"" + program + "\": executable file not found in $PATH");
  }

  private static boolean isExecutable(Path root, String pathInRoot) {
    try {
      Path resolved = resolve(root, pathInRoot);
      return resolved != null
          && Files.isRegularFile(resolved, LinkOption.NOFOLLOW_LINKS)
          && Files.isExecutable(resolved);
    } catch (IOException e) {
      return false;
    }
  }

  /** The host path of {@code pathInRoot} with every symlink followed inside {@code root}. */
  private static Path resolve(Path root, String pathInRoot) throws IOException {
    Path current = root;
    String remaining = pathInRoot;
    int links = 0;
    while (true) {
      String[] parts = remaining.split("/");
      boolean restarted = false;
      for (int i = 0; i < parts.length; i++) {
        String part = parts[i];
        if (part.isEmpty() || part.equals(".")) {
          continue;
        }
        if (part.equals("..")) {
          current = current.equals(root) ? root : current.getParent();
          continue;
        }
        Path next = current.resolve(part);
        if (Files.isSymbolicLink(next)) {
          if (++links > MAX_SYMLINKS) {
            return null;
          }
          String target = Files.readSymbolicLink(next).toString();
          StringBuilder rest = new StringBuilder(target);
          for (int j = i + 1; j < parts.length; j++) {
            rest.append('/').append(parts[j]);
          }
          if (target.startsWith("/")) {
            current = root;
          }
          remaining = rest.toString();
          restarted = true;
          break;
        }
        if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
          return null;
        }
        current = next;
      }
      if (!restarted) {
        return current;
      }
    }
  }
}
