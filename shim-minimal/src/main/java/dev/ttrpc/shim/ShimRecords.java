package dev.ttrpc.shim;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Small text records that let the launcher script answer {@code start} and {@code delete}
 * without a JVM, and only when it can prove the answer is the one the JVM would give.
 *
 * <ul>
 *   <li><b>Daemon record</b> ({@code <socket>.daemon}, next to the group's socket): written by
 *       {@code start} right after it spawned a daemon; names the daemon (pid + start time + boot
 *       id), the namespace, containerd address and group it serves, and the containerd process
 *       that asked (pid + start time). The daemon removes it when it begins to shut down.
 *   <li><b>Delete record</b> ({@code <bundle>/shim-deleted}): written by the daemon once a task's
 *       Delete finished cleanly (backend deleted, rootfs unmounted); holds the serialized
 *       DeleteResponse. Both the launcher and the JVM's {@code delete} print those bytes, so the
 *       two paths answer alike.
 * </ul>
 *
 * <p>Format: a version line, then {@code key=value} lines; values never hold a newline (a value
 * that would is not recorded at all, and the launcher falls back to the JVM). Files are written
 * to a temporary name and renamed into place, so a reader never sees half a record. Stateless
 * and thread-safe.
 */
public final class ShimRecords {
  /** Suffix of the daemon record next to a group's socket file. */
  public static final String DAEMON_SUFFIX = ".daemon";

  /** Name of the delete record in a task's bundle. */
  public static final String DELETED_FILE = "shim-deleted";

  static final String DAEMON_VERSION = "shim-daemon 1";
  static final String DELETED_VERSION = "shim-deleted 1";

  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  private ShimRecords() {}

  /** One process, told apart from a later one with the same pid by its start time. */
  public record ProcessIdentity(int pid, long startTime) {
    /** The identity of a running process, if it is running (and not a zombie). */
    public static Optional<ProcessIdentity> of(long pid) {
      OptionalLong start = ShimRecords.startTime(pid);
      return start.isPresent()
          ? Optional.of(new ProcessIdentity((int) pid, start.getAsLong()))
          : Optional.empty();
    }

    /** "pid starttime", as the launcher compares it. */
    String text() {
      return pid + " " + startTime;
    }
  }

  /** The daemon record's path for a socket file. */
  public static Path daemonRecord(Path socket) {
    return socket.resolveSibling(socket.getFileName() + DAEMON_SUFFIX);
  }

  /**
   * Records that {@code daemon} serves {@code socket} for the group. Best effort: without the
   * record the launcher only takes the slow path.
   */
  public static void writeDaemonRecord(
      Path socket,
      ProcessIdentity daemon,
      String namespace,
      String containerdAddress,
      String group,
      ProcessIdentity containerd) {
    requireNonNull(daemon, "daemon");
    requireNonNull(containerd, "containerd");
    Map<String, String> m = new LinkedHashMap<>();
    m.put("pid", Integer.toString(daemon.pid()));
    m.put("start", Long.toString(daemon.startTime()));
    m.put("boot", bootId());
    m.put("namespace", namespace);
    m.put("address", containerdAddress);
    m.put("group", group);
    m.put("containerd", containerd.text());
    write(daemonRecord(socket), DAEMON_VERSION, m);
  }

  /** Removes the socket's daemon record if it names {@code daemonPid} (and no other daemon). */
  public static void removeDaemonRecord(Path socket, int daemonPid) {
    Path record = daemonRecord(socket);
    Map<String, String> m = read(record, DAEMON_VERSION);
    if (m != null && Integer.toString(daemonPid).equals(m.get("pid"))) {
      try {
        Files.deleteIfExists(record);
      } catch (IOException e) {
        // The launcher checks the daemon's identity anyway: a dead daemon's record is ignored.
      }
    }
  }

  /**
   * Records the clean Delete of task {@code id} in its bundle, with the response the {@code
   * delete} action is to print. {@code containerd} is the process that sent the Delete.
   */
  public static void writeDeleteRecord(
      Path bundle,
      String namespace,
      String containerdAddress,
      String id,
      ProcessIdentity containerd,
      byte[] response) {
    requireNonNull(containerd, "containerd");
    StringBuilder octal = new StringBuilder(response.length * 4);
    for (byte b : response) {
      int v = b & 0xff;
      octal.append('\\').append((char) ('0' + (v >> 6))).append((char) ('0' + ((v >> 3) & 7)))
          .append((char) ('0' + (v & 7)));
    }
    Map<String, String> m = new LinkedHashMap<>();
    m.put("namespace", namespace);
    m.put("address", containerdAddress);
    m.put("id", id);
    m.put("bundle", bundle.toAbsolutePath().toString());
    m.put("boot", bootId());
    m.put("containerd", containerd.text());
    m.put("response", octal.toString());
    write(bundle.resolve(DELETED_FILE), DELETED_VERSION, m);
  }

  /**
   * The response recorded for a clean Delete of task {@code id} of {@code namespace} in {@code
   * bundle}, if there is a well-formed record for exactly that task.
   */
  public static Optional<byte[]> deletedResponse(Path bundle, String namespace, String id) {
    Map<String, String> m = read(bundle.resolve(DELETED_FILE), DELETED_VERSION);
    if (m == null || !namespace.equals(m.get("namespace")) || !id.equals(m.get("id"))) {
      return Optional.empty();
    }
    String octal = m.getOrDefault("response", "");
    if (octal.isEmpty() || octal.length() % 4 != 0) {
      return Optional.empty();
    }
    byte[] out = new byte[octal.length() / 4];
    for (int i = 0; i < out.length; i++) {
      int v = 0;
      if (octal.charAt(4 * i) != '\\') {
        return Optional.empty();
      }
      for (int k = 1; k <= 3; k++) {
        char c = octal.charAt(4 * i + k);
        if (c < '0' || c > '7') {
          return Optional.empty();
        }
        v = v * 8 + (c - '0');
      }
      if (v > 0xff) {
        return Optional.empty();
      }
      out[i] = (byte) v;
    }
    return Optional.of(out);
  }

  /** Start time in clock ticks since boot (field 22 of {@code /proc/<pid>/stat}), if alive. */
  public static OptionalLong startTime(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
    } catch (IOException | java.io.UncheckedIOException e) {
      return OptionalLong.empty();
    }
    // The command name may contain spaces and parentheses: fields start after the last ") ".
    int close = stat.lastIndexOf(") ");
    if (close < 0) {
      return OptionalLong.empty();
    }
    String[] fields = stat.substring(close + 2).trim().split(" ");
    if (fields.length < 20 || "ZXx".contains(fields[0])) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(fields[19]));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  static String bootId() {
    try {
      return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "";
    }
  }

  private static void write(Path file, String version, Map<String, String> values) {
    StringBuilder sb = new StringBuilder(version).append('\n');
    for (Map.Entry<String, String> e : values.entrySet()) {
      String v = e.getValue();
      if (v == null || v.isEmpty() || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
        // Not recordable: without the record the launcher takes the JVM path, which is right.
        return;
      }
      sb.append(e.getKey()).append('=').append(v).append('\n');
    }
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, sb, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // Nothing more to do: the record is an optimisation.
      }
    }
  }

  /** The record's values, or null if it is absent, a link, or not of {@code version}. */
  static Map<String, String> read(Path file, String version) {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    try {
      var lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      if (lines.isEmpty() || !lines.get(0).equals(version)) {
        return null;
      }
      Map<String, String> m = new LinkedHashMap<>();
      for (String line : lines.subList(1, lines.size())) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          m.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      return m;
    } catch (IOException e) {
      return null;
    }
  }
}
