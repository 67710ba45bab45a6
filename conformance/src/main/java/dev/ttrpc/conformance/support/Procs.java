package dev.ttrpc.conformance.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Looks at host processes through /proc: liveness (a zombie counts as dead, since an orphan's
 * zombie may linger under an init that does not reap), parent pids, command lines, VmRSS.
 *
 * <p>Stateless and thread-safe.
 */
public final class Procs {

  private Procs() {}

  /** Whether {@code pid} runs (exists and is not a zombie). */
  public static boolean alive(long pid) {
    return state(pid).map(s -> s != 'Z' && s != 'X').orElse(false);
  }

  /** Waits up to {@code timeout} for {@code pid} to be gone; returns whether it is. */
  public static boolean awaitGone(long pid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (alive(pid)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** The parent pid of {@code pid}, if it exists. */
  public static OptionalLong parent(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      return OptionalLong.empty();
    }
    String[] fields = stat.substring(close + 2).split(" ");
    return fields.length > 1 ? OptionalLong.of(Long.parseLong(fields[1])) : OptionalLong.empty();
  }

  /** The command line of {@code pid} with arguments separated by single spaces ("" if gone). */
  public static String commandLine(long pid) {
    return read(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ').trim();
  }

  /** Resident set size of {@code pid} in KiB (VmRSS), or -1 if unknown. */
  public static long rssKib(long pid) {
    for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** Live pids whose command line contains every one of {@code fragments}. */
  public static List<Long> matching(String... fragments) {
    List<Long> result = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        long pid = Long.parseLong(p.getFileName().toString());
        String cmd = " " + commandLine(pid) + " ";
        boolean all = true;
        for (String f : fragments) {
          all &= cmd.contains(f);
        }
        if (all && alive(pid)) {
          result.add(pid);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return result;
  }

  private static Optional<Character> state(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    int close = stat.lastIndexOf(')');
    if (close < 0 || close + 2 >= stat.length()) {
      return Optional.empty();
    }
    return Optional.of(stat.charAt(close + 2));
  }

  private static String read(Path path) {
    try {
      return new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
