package dev.ttrpc.shim.runc;

import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.io.ProcessIo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the runc binary with the global flags containerd's runc shim uses ({@code --root R --log
 * B/log.json --log-format json [--systemd-cgroup] [--criu P]}) and turns failures into the same
 * error texts: {@code <prefix>: <last error of log.json>} for the commands that log, {@code runc
 * did not terminate successfully: exit status N: <output>} for the others.
 *
 * <p>Immutable and thread-safe. The runc processes are children of the JDK (which reaps them);
 * the container processes runc leaves behind are not.
 */
public final class Runc {
  private final String binary;
  private final Path root;
  private final Path logJson;
  private final boolean systemdCgroup;
  private final String criu;

  public Runc(String binary, Path root, Path logJson, boolean systemdCgroup, String criu) {
    this.binary = binary;
    this.root = root;
    this.logJson = logJson;
    this.systemdCgroup = systemdCgroup;
    this.criu = criu;
  }

  /** The result of a runc command: exit status and combined output (when captured). */
  public record Result(int exitStatus, String output) {}

  /** A command line: global flags, then {@code args}. */
  public List<String> command(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.add("--root");
    cmd.add(root.toString());
    cmd.add("--log");
    cmd.add(logJson.toString());
    cmd.add("--log-format");
    cmd.add("json");
    if (systemdCgroup) {
      cmd.add("--systemd-cgroup");
    }
    if (criu != null && !criu.isEmpty()) {
      cmd.add("--criu");
      cmd.add(criu);
    }
    cmd.addAll(args);
    return cmd;
  }

  /** A process builder for {@code args} with runc's environment (no NOTIFY_SOCKET). */
  public ProcessBuilder builder(List<String> args) {
    ProcessBuilder pb = new ProcessBuilder(command(args));
    Map<String, String> env = pb.environment();
    env.remove("NOTIFY_SOCKET");
    env.keySet().removeAll(dev.ttrpc.shim.ShimStart.JVM_OPTION_VARIABLES);
    return pb;
  }

  /** Runs a command with stdio given by {@code io} (or /dev/null); returns its exit status. */
  public int runWithIo(List<String> args, ProcessIo io, byte[] stdin)
      throws IOException, InterruptedException {
    ProcessBuilder pb = builder(args);
    if (io != null) {
      io.redirect(pb);
    } else {
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    Process p = pb.start();
    return p.waitFor();
  }

  /** Runs a command capturing combined output; {@code stdin} is written first if not null. */
  public Result run(List<String> args, byte[] stdin) throws IOException, InterruptedException {
    ProcessBuilder pb = builder(args);
    pb.redirectErrorStream(true);
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    }
    Process p = pb.start();
    if (stdin != null) {
      try (var out = p.getOutputStream()) {
        out.write(stdin);
      }
    }
    byte[] output = p.getInputStream().readAllBytes();
    return new Result(p.waitFor(), new String(output, StandardCharsets.UTF_8));
  }

  /** Runs a command that must succeed; else a {@link TaskException} with go-runc's text. */
  public String runOrError(List<String> args, byte[] stdin)
      throws IOException, InterruptedException {
    Result r = run(args, stdin);
    if (r.exitStatus() != 0) {
      throw TaskException.unknown(
          binary + " did not terminate successfully: exit status " + r.exitStatus() + ": "
              + r.output().trim());
    }
    return r.output();
  }

  /**
   * The failure text of a command that logs to log.json: {@code prefix: <last error message>},
   * or {@code prefix: exit status N} when the log has none.
   */
  public TaskException runtimeError(String prefix, int exitStatus) {
    String msg = lastLoggedError();
    return TaskException.unknown(
        prefix + ": " + (msg != null ? msg : binary + " exit status " + exitStatus));
  }

  /** The message of the last {@code "level":"error"} entry of log.json, or null. */
  public String lastLoggedError() {
    try {
      if (!Files.exists(logJson)) {
        return null;
      }
      String last = null;
      for (String line : Files.readAllLines(logJson, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        try {
          Map<String, Object> entry = dev.ttrpc.shim.Json.parseObject(line);
          if ("error".equals(entry.get("level")) && entry.get("msg") instanceof String m) {
            last = m;
          }
        } catch (IllegalArgumentException notJson) {
          // Skip lines runc did not write as JSON.
        }
      }
      return last;
    } catch (IOException e) {
      return null;
    }
  }
}
