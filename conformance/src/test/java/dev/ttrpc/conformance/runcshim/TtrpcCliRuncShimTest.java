package dev.ttrpc.conformance.runcshim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.TtrpcTool;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.DeleteRequest;
import dev.ttrpc.proto.containerd.task.v2.KillRequest;
import dev.ttrpc.proto.containerd.task.v2.StartRequest;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.proto.containerd.task.v2.WaitRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code ttrpc} tool against the real {@code containerd-shim-runc-v2}, as an operator
 * would point it at a shim socket: State (with no option at all), Pids and Stats of a running
 * container with the built-in containerd schemas, and a shim's NOT_FOUND as exit status and
 * message. The container is set up
 * and torn down with our generated Task client ({@link RuncShimSession}).
 *
 * <p>Needs root, {@code containerd-shim-runc-v2}, {@code runc} and a static busybox. With {@code
 * CI=true} missing pieces fail the test; elsewhere they skip it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TtrpcCliRuncShimTest {
  private static final List<String> INIT_ARGS =
      List.of("sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done");
  private static final Pattern PID = Pattern.compile("\"pid\":(\\d+)");
  private static final Pattern PIDS_CURRENT = Pattern.compile("\"pids\":\\{\"current\":\"(\\d+)\"");

  @TempDir Path workDir;

  private ShimTestPrerequisites tools;

  @BeforeEach
  void requirePrerequisites() {
    tools = ShimTestPrerequisites.requireAll();
  }

  @Test
  void stateAndPidsAndStatsOfARunningContainer() throws Exception {
    try (RuncShimSession s = RuncShimSession.start(tools, workDir, "cli", INIT_ARGS, null)) {
      TaskTtrpc.TaskStub task = s.task();
      String id = s.id();
      int pid =
          task.create(
                  CreateTaskRequest.newBuilder()
                      .setId(id)
                      .setBundle(s.bundle().dir().toString())
                      .build())
              .getPid();
      task.start(StartRequest.newBuilder().setId(id).build());
      try {
        String request = "{\"id\":\"" + id + "\"}";

        // Exactly as an operator types it: State needs no namespace metadata.
        CommandResult state =
            TtrpcTool.run(
                "call", "--compact", s.address(), "containerd.task.v2.Task/State", request);
        assertEquals(0, state.exitCode(), state::describe);
        assertTrue(state.stdout().startsWith("{\"id\":\"" + id + "\",\"bundle\":\""
            + s.bundle().dir() + "\",\"pid\":" + pid + ",\"status\":\"RUNNING\""),
            state::describe);

        CommandResult pids = shim(s, "Pids", request);
        assertEquals(0, pids.exitCode(), pids::describe);
        assertTrue(pids.stdout().startsWith("{\"processes\":[{\"pid\":"), pids::describe);
        List<Integer> listed =
            PID.matcher(pids.stdout()).results().map(m -> Integer.parseInt(m.group(1))).toList();
        assertTrue(listed.contains(pid), "Pids lists the init " + pid + ": " + pids.describe());

        CommandResult stats = shim(s, "Stats", request);
        assertEquals(0, stats.exitCode(), stats::describe);
        assertTrue(
            stats.stdout().startsWith("{\"stats\":{\"@type\":\"io.containerd.cgroups.v1.Metrics\"")
                || stats.stdout().startsWith(
                    "{\"stats\":{\"@type\":\"io.containerd.cgroups.v2.Metrics\""),
            "the shim's bare type URL, decoded with the built-in metrics schema: "
                + stats.describe());
        Matcher current = PIDS_CURRENT.matcher(stats.stdout());
        assertTrue(current.find(), stats::describe);
        assertTrue(Integer.parseInt(current.group(1)) >= 1, stats::describe);
      } finally {
        task.kill(KillRequest.newBuilder().setId(id).setSignal(9).setAll(true).build());
        task.wait(WaitRequest.newBuilder().setId(id).build());
        task.delete(DeleteRequest.newBuilder().setId(id).build());
      }
    }
  }

  @Test
  void aShimErrorBecomesExitStatusAndMessage() throws Exception {
    try (RuncShimSession s = RuncShimSession.start(tools, workDir, "cli-err", INIT_ARGS, null)) {
      CommandResult r = shim(s, "State", "{\"id\":\"no-such-task\"}");
      assertEquals(64 + 5, r.exitCode(), r::describe);
      assertEquals("ttrpc: NOT_FOUND (5): container not created: not found\n", r.stderr(),
          r::describe);
      assertEquals("", r.stdout(), r::describe);
    }
  }

  /** {@code ttrpc call -n NAMESPACE --compact ADDRESS containerd.task.v2.Task/METHOD JSON}. */
  private static CommandResult shim(RuncShimSession s, String method, String json) {
    return TtrpcTool.run(
        "call", "-n", s.namespace(), "--compact", "--timeout", "30s", s.address(),
        "containerd.task.v2.Task/" + method, json);
  }
}
