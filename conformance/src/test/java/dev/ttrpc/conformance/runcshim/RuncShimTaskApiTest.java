package dev.ttrpc.conformance.runcshim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.ttrpc.Status.Code;
import dev.ttrpc.StatusException;
import dev.ttrpc.proto.containerd.events.TaskCreate;
import dev.ttrpc.proto.containerd.events.TaskDelete;
import dev.ttrpc.proto.containerd.events.TaskExecAdded;
import dev.ttrpc.proto.containerd.events.TaskExecStarted;
import dev.ttrpc.proto.containerd.events.TaskExit;
import dev.ttrpc.proto.containerd.events.TaskPaused;
import dev.ttrpc.proto.containerd.events.TaskResumed;
import dev.ttrpc.proto.containerd.events.TaskStart;
import dev.ttrpc.proto.containerd.runc.v1.Options;
import dev.ttrpc.proto.containerd.runc.v1.ProcessDetails;
import dev.ttrpc.proto.containerd.task.v2.CloseIORequest;
import dev.ttrpc.proto.containerd.task.v2.ConnectRequest;
import dev.ttrpc.proto.containerd.task.v2.ConnectResponse;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskRequest;
import dev.ttrpc.proto.containerd.task.v2.CreateTaskResponse;
import dev.ttrpc.proto.containerd.task.v2.DeleteRequest;
import dev.ttrpc.proto.containerd.task.v2.DeleteResponse;
import dev.ttrpc.proto.containerd.task.v2.ExecProcessRequest;
import dev.ttrpc.proto.containerd.task.v2.KillRequest;
import dev.ttrpc.proto.containerd.task.v2.PauseRequest;
import dev.ttrpc.proto.containerd.task.v2.PidsRequest;
import dev.ttrpc.proto.containerd.task.v2.PidsResponse;
import dev.ttrpc.proto.containerd.task.v2.ResumeRequest;
import dev.ttrpc.proto.containerd.task.v2.ShutdownRequest;
import dev.ttrpc.proto.containerd.task.v2.StartRequest;
import dev.ttrpc.proto.containerd.task.v2.StartResponse;
import dev.ttrpc.proto.containerd.task.v2.StateRequest;
import dev.ttrpc.proto.containerd.task.v2.StateResponse;
import dev.ttrpc.proto.containerd.task.v2.StatsRequest;
import dev.ttrpc.proto.containerd.task.v2.StatsResponse;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.proto.containerd.task.v2.WaitRequest;
import dev.ttrpc.proto.containerd.task.v2.WaitResponse;
import dev.ttrpc.proto.containerd.v1.types.ProcessInfo;
import dev.ttrpc.proto.containerd.v1.types.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proof against the real thing: our generated {@code containerd.task.v2.Task} client and our {@code
 * Events} server talk to Debian's {@code containerd-shim-runc-v2} (containerd 1.6) and runc, with
 * no containerd involved. The test plays containerd: it prepares the bundle, runs the shim's {@code
 * start} action, drives a busybox container through its whole life over ttRPC, receives the shim's
 * events, and finally runs the shim's {@code delete} action.
 *
 * <p>Every message that comes back is also checked for unknown fields, so a field number that
 * differs from containerd's schema shows up here even where no assertion reads that field.
 *
 * <p>Needs root, {@code containerd-shim-runc-v2}, {@code runc} and a static busybox. With {@code
 * CI=true} missing pieces fail the test; elsewhere they skip it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RuncShimTaskApiTest {
  private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration OUTPUT_TIMEOUT = Duration.ofSeconds(15);
  private static final String PROCESS_SPEC_TYPE_URL =
      "types.containerd.io/opencontainers/runtime-spec/1/Process";
  private static final int SIGKILL = 9;
  private static final int SIGTERM = 15;

  /**
   * Container init: prints to both streams, then idles until SIGTERM, which it answers with exit 42
   * (as PID 1 of its namespace it would otherwise ignore SIGTERM). {@code wait} on a background
   * sleep lets the trap run at once instead of after the sleep.
   */
  private static final List<String> INIT_ARGS =
      List.of(
          "sh",
          "-c",
          "trap 'echo got-term; exit 42' TERM; echo hello-from-init; echo err-from-init >&2;"
              + " while :; do sleep 1 & wait $!; done");

  @TempDir Path workDir;

  private ShimTestPrerequisites tools;

  @BeforeEach
  void requirePrerequisites() {
    tools = ShimTestPrerequisites.requireAll();
  }

  @Test
  void generatedTaskClientDrivesRealRuncShimThroughWholeTaskLifecycle() throws Exception {
    // Runtime options as ctr would send them for io.containerd.runc.v2, with a runc binary and
    // root of our choosing so that the shim's use of them is visible.
    Options options =
        Options.newBuilder()
            .setBinaryName(tools.runc().toString())
            .setRoot(workDir.resolve("runc-root").toString())
            .build();
    try (RuncShimSession s =
        RuncShimSession.start(tools, workDir, "lifecycle", INIT_ARGS, options)) {
      withDiagnostics(s, () -> lifecycle(s));
    }
  }

  @Test
  void errorsOfRealRuncShimArriveWithTheirCodesAndMessages() throws Exception {
    try (RuncShimSession s = RuncShimSession.start(tools, workDir, "errors", INIT_ARGS, null)) {
      withDiagnostics(s, () -> errors(s));
    }
  }

  @Test
  void stdinFifoFeedsTheInitUntilCloseIo() throws Exception {
    List<String> catThenReport = List.of("sh", "-c", "cat; echo stdin-closed");
    try (RuncShimSession s = RuncShimSession.start(tools, workDir, "stdio", catThenReport, null)) {
      withDiagnostics(s, () -> stdio(s));
    }
  }

  private void stdio(RuncShimSession s) throws Exception {
    String id = s.id();
    TaskTtrpc.TaskStub task = s.task();
    Fifo in = s.newInputFifo("stdin");
    Fifo out = s.newOutputFifo("stdout");
    Fifo err = s.newOutputFifo("stderr");
    call(
        task.create(
            CreateTaskRequest.newBuilder()
                .setId(id)
                .setBundle(s.bundle().dir().toString())
                .setStdin(in.path().toString())
                .setStdout(out.path().toString())
                .setStderr(err.path().toString())
                .build()));
    call(task.start(startOf(id, "")));
    assertEquals(in.path().toString(), call(task.state(stateOf(id, ""))).getStdin());

    in.writeAndClose("line-one\nline-two\n".getBytes(StandardCharsets.UTF_8), OUTPUT_TIMEOUT);
    out.awaitContains("line-one\nline-two\n", OUTPUT_TIMEOUT);
    // Our writer is gone, but the shim's own keep-alive writer keeps cat from seeing EOF ...
    assertEquals(Status.RUNNING, call(task.state(stateOf(id, ""))).getStatus());
    assertFalse(out.awaitContains("line-two\n", OUTPUT_TIMEOUT).contains("stdin-closed"));

    // ... until CloseIO closes it.
    call(task.closeIO(CloseIORequest.newBuilder().setId(id).setStdin(true).build()));
    WaitResponse exit = call(task.wait(waitOf(id, "")));
    assertEquals(0, exit.getExitStatus(), exit.toString());
    assertEquals("line-one\nline-two\nstdin-closed\n", out.awaitEof(OUTPUT_TIMEOUT));
    assertEquals("", err.awaitEof(OUTPUT_TIMEOUT));
    call(task.delete(deleteOf(id, "")));
  }

  private void lifecycle(RuncShimSession s) throws Exception {
    String id = s.id();
    String bundle = s.bundle().dir().toString();
    TaskTtrpc.TaskStub task = s.task();

    // start: only the address on stdout, nothing on stderr, and the same in ./address.
    assertEquals("", s.startResult().stderr(), "start must keep stderr empty");
    assertTrue(
        s.address().matches("unix:///run/containerd/s/[0-9a-f]{64}"),
        "start printed " + s.startResult());
    assertEquals(
        s.address(), Files.readString(s.bundle().dir().resolve("address")).trim(), "./address");

    Fifo initOut = s.newOutputFifo("init-stdout");
    Fifo initErr = s.newOutputFifo("init-stderr");
    CreateTaskResponse created =
        call(
            task.create(
                CreateTaskRequest.newBuilder()
                    .setId(id)
                    .setBundle(bundle)
                    .setTerminal(false)
                    .setStdout(initOut.path().toString())
                    .setStderr(initErr.path().toString())
                    .setOptions(s.runtimeOptions())
                    .build()));
    int initPid = created.getPid();
    assertTrue(initPid > 0, "Create returns the init pid: " + created);
    // The shim decoded our Options: it records binary_name and runs runc under our root.
    Path bundleDir = s.bundle().dir();
    assertEquals(tools.runc().toString(), Files.readString(bundleDir.resolve("runtime")));
    String savedOptions = Files.readString(bundleDir.resolve("options.json"));
    assertTrue(
        savedOptions.contains("\"binary_name\":\"" + tools.runc() + "\"")
            && savedOptions.contains("\"root\":\"" + workDir.resolve("runc-root") + "\""),
        "options.json: " + savedOptions);
    assertTrue(
        Files.isRegularFile(s.runcStateDir().resolve(id).resolve("state.json")),
        "runc state under the root from the options: " + s.runcStateDir());

    // As ctr does: Wait on the init before it even starts. The call stays in flight on the same
    // connection while everything below runs, and completes only when the init exits.
    CompletableFuture<WaitResponse> earlyWait =
        task.withTimeout(Duration.ofMinutes(2)).waitAsync(waitOf(id, ""));

    StateResponse createdState = call(task.state(stateOf(id, "")));
    assertEquals(Status.CREATED, createdState.getStatus(), createdState.toString());
    assertEquals(id, createdState.getId());
    assertEquals(bundle, createdState.getBundle());
    assertEquals(initPid, createdState.getPid());
    assertEquals(initOut.path().toString(), createdState.getStdout(), "stdio paths are echoed");
    assertEquals(initErr.path().toString(), createdState.getStderr());

    ConnectResponse connected = call(task.connect(ConnectRequest.newBuilder().setId(id).build()));
    assertEquals(initPid, connected.getTaskPid(), connected.toString());
    Optional<ProcessHandle> daemon = ProcessHandle.of(connected.getShimPid());
    assertTrue(daemon.isPresent() && daemon.get().isAlive(), "Connect names the live shim pid");
    assertEquals(
        s.shimDaemon().map(ProcessHandle::pid).orElse(-1L),
        (long) connected.getShimPid(),
        "shim_pid is the daemon started by start");

    StartResponse started = call(task.start(startOf(id, "")));
    assertEquals(initPid, started.getPid(), "Start returns the init pid");
    initOut.awaitContains("hello-from-init\n", OUTPUT_TIMEOUT);
    initErr.awaitContains("err-from-init\n", OUTPUT_TIMEOUT);
    StateResponse running = call(task.state(stateOf(id, "")));
    assertEquals(Status.RUNNING, running.getStatus(), running.toString());
    assertEquals(initPid, running.getPid());

    PidsResponse initOnly = call(task.pids(PidsRequest.newBuilder().setId(id).build()));
    assertTrue(
        initOnly.getProcessesList().stream().anyMatch(p -> p.getPid() == initPid),
        "Pids lists the init: " + initOnly);

    // Pause/Resume through runc's freezer.
    call(task.pause(PauseRequest.newBuilder().setId(id).build()));
    assertEquals(Status.PAUSED, call(task.state(stateOf(id, ""))).getStatus(), "after Pause");
    call(task.resume(ResumeRequest.newBuilder().setId(id).build()));
    assertEquals(Status.RUNNING, call(task.state(stateOf(id, ""))).getStatus(), "after Resume");

    // Exec e1: runs to completion with exit 7, output through its own FIFO.
    Fifo e1Out = s.newOutputFifo("e1-stdout");
    Fifo e1Err = s.newOutputFifo("e1-stderr");
    call(
        task.exec(
            execOf(
                id,
                "e1",
                e1Out.path(),
                e1Err.path(),
                List.of("sh", "-c", "echo exec-out; echo exec-err >&2; exit 7"))));
    StateResponse e1Created = call(task.state(stateOf(id, "e1")));
    assertEquals(Status.CREATED, e1Created.getStatus(), "an exec only runs at Start");
    assertEquals(0, e1Created.getPid(), e1Created.toString());
    assertEquals("e1", e1Created.getId());
    int e1Pid = call(task.start(startOf(id, "e1"))).getPid();
    assertTrue(e1Pid > 0 && e1Pid != initPid, "exec pid " + e1Pid);
    WaitResponse e1Exit = call(task.wait(waitOf(id, "e1")));
    assertEquals(7, e1Exit.getExitStatus(), e1Exit.toString());
    assertRecent(e1Exit.getExitedAt(), "e1 exited_at");
    assertEquals("exec-out\n", e1Out.awaitEof(OUTPUT_TIMEOUT), "exec stdout");
    assertEquals("exec-err\n", e1Err.awaitEof(OUTPUT_TIMEOUT), "exec stderr");
    StateResponse e1Stopped = call(task.state(stateOf(id, "e1")));
    assertEquals(Status.STOPPED, e1Stopped.getStatus(), e1Stopped.toString());
    assertEquals(7, e1Stopped.getExitStatus());
    DeleteResponse e1Deleted = call(task.delete(deleteOf(id, "e1")));
    assertEquals(7, e1Deleted.getExitStatus(), e1Deleted.toString());
    assertEquals(e1Pid, e1Deleted.getPid());
    assertEquals(e1Exit.getExitedAt(), e1Deleted.getExitedAt(), "Delete reports Wait's exit");

    // Exec e2: runs until SIGKILL (137), and shows up in Pids with its exec id.
    Fifo e2Out = s.newOutputFifo("e2-stdout");
    Fifo e2Err = s.newOutputFifo("e2-stderr");
    call(task.exec(execOf(id, "e2", e2Out.path(), e2Err.path(), List.of("sleep", "1000"))));
    int e2Pid = call(task.start(startOf(id, "e2"))).getPid();
    PidsResponse withExec = call(task.pids(PidsRequest.newBuilder().setId(id).build()));
    ProcessInfo e2Info =
        withExec.getProcessesList().stream()
            .filter(p -> p.getPid() == e2Pid)
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("Pids lacks exec pid " + e2Pid + ": " + withExec));
    ProcessDetails details = unpack(e2Info.getInfo(), ProcessDetails.getDefaultInstance());
    assertEquals("e2", details.getExecId(), "ProcessDetails of the exec");
    assertCgroupStats(call(task.stats(StatsRequest.newBuilder().setId(id).build())));
    call(task.kill(KillRequest.newBuilder().setId(id).setExecId("e2").setSignal(SIGKILL).build()));
    WaitResponse e2Exit = call(task.wait(waitOf(id, "e2")));
    assertEquals(128 + SIGKILL, e2Exit.getExitStatus(), e2Exit.toString());
    assertEquals("", e2Out.awaitEof(OUTPUT_TIMEOUT));
    call(task.delete(deleteOf(id, "e2")));

    // Init: SIGTERM, trapped into exit 42.
    assertFalse(earlyWait.isDone(), "Wait on a running init must not return: " + earlyWait);
    call(task.kill(KillRequest.newBuilder().setId(id).setSignal(SIGTERM).build()));
    WaitResponse initExit = call(task.wait(waitOf(id, "")));
    assertEquals(42, initExit.getExitStatus(), initExit.toString());
    assertRecent(initExit.getExitedAt(), "init exited_at");
    assertEquals(initExit, call(earlyWait.get(30, TimeUnit.SECONDS)), "early Wait sees the exit");
    assertEquals("hello-from-init\ngot-term\n", initOut.awaitEof(OUTPUT_TIMEOUT), "init stdout");
    assertEquals("err-from-init\n", initErr.awaitEof(OUTPUT_TIMEOUT), "init stderr");
    StateResponse stopped = call(task.state(stateOf(id, "")));
    assertEquals(Status.STOPPED, stopped.getStatus(), stopped.toString());
    assertEquals(42, stopped.getExitStatus());
    assertEquals(initExit.getExitedAt(), stopped.getExitedAt());

    DeleteResponse deleted = call(task.delete(deleteOf(id, "")));
    assertEquals(initPid, deleted.getPid(), deleted.toString());
    assertEquals(42, deleted.getExitStatus());
    assertEquals(initExit.getExitedAt(), deleted.getExitedAt());

    List<RecordingEventsService.Forwarded> events =
        s.events().awaitEvent(e -> e.topic().equals("/tasks/delete"), EVENT_TIMEOUT);

    // Shutdown: nothing is held any more, so the daemon exits and removes its socket. The reply
    // may lose the race with the daemon's exit; containerd ignores a closed connection too.
    try {
      call(task.shutdown(ShutdownRequest.newBuilder().setId(id).build()));
    } catch (StatusException e) {
      assertEquals(Code.UNAVAILABLE, e.code(), "Shutdown may only fail by the connection closing");
    }
    daemon.get().onExit().get(30, TimeUnit.SECONDS);
    s.client().closeFuture().get(30, TimeUnit.SECONDS);
    assertFalse(Files.exists(s.socketPath()), "the shim removes its socket on shutdown");

    // The delete action, as containerd runs it once the connection is gone.
    ShimCommands.Result deleteAction = s.runDeleteAction();
    assertEquals(0, deleteAction.exitCode(), deleteAction.toString());
    DeleteResponse fromBinary = decodeFully(deleteAction.stdout(), DeleteResponse.parser());
    assertEquals(initPid, fromBinary.getPid(), "delete reads init.pid: " + fromBinary);
    assertEquals(128 + SIGKILL, fromBinary.getExitStatus(), "delete reports SIGKILL");
    assertRecent(fromBinary.getExitedAt(), "delete exited_at");

    assertEvents(s, events, initPid, e1Pid, e2Pid, initExit);
  }

  private void assertEvents(
      RuncShimSession s,
      List<RecordingEventsService.Forwarded> events,
      int initPid,
      int e1Pid,
      int e2Pid,
      WaitResponse initExit)
      throws InvalidProtocolBufferException {
    String id = s.id();
    List<String> topics = events.stream().map(RecordingEventsService.Forwarded::topic).toList();
    assertEquals(
        List.of(
            "/tasks/create",
            "/tasks/start",
            "/tasks/paused",
            "/tasks/resumed",
            "/tasks/exec-added",
            "/tasks/exec-started",
            "/tasks/exit",
            "/tasks/exec-added",
            "/tasks/exec-started",
            "/tasks/exit",
            "/tasks/exit",
            "/tasks/delete"),
        topics,
        "events in order");
    for (RecordingEventsService.Forwarded f : events) {
      assertEquals(s.namespace(), f.envelope().getNamespace(), "envelope namespace");
      assertEquals(s.namespace(), f.metadataNamespace(), "containerd-namespace-ttrpc metadata");
      assertTrue(f.envelope().hasTimestamp(), "envelope timestamp");
      assertRecent(f.envelope().getTimestamp(), "envelope timestamp");
      assertFullyDecoded(f.envelope());
    }

    TaskCreate create =
        unpack(events.get(0).envelope().getEvent(), TaskCreate.getDefaultInstance());
    assertEquals(id, create.getContainerId());
    assertEquals(s.bundle().dir().toString(), create.getBundle());
    assertEquals(initPid, create.getPid());
    assertFalse(create.getIo().getTerminal());
    assertTrue(create.getIo().getStdout().endsWith("init-stdout"), create.toString());
    assertTrue(create.getIo().getStderr().endsWith("init-stderr"), create.toString());

    TaskStart start = unpack(events.get(1).envelope().getEvent(), TaskStart.getDefaultInstance());
    assertEquals(id, start.getContainerId());
    assertEquals(initPid, start.getPid());

    TaskPaused paused =
        unpack(events.get(2).envelope().getEvent(), TaskPaused.getDefaultInstance());
    assertEquals(id, paused.getContainerId());
    TaskResumed resumed =
        unpack(events.get(3).envelope().getEvent(), TaskResumed.getDefaultInstance());
    assertEquals(id, resumed.getContainerId());

    assertExec(events.get(4), events.get(5), id, "e1", e1Pid);
    assertExit(events.get(6), id, "e1", e1Pid, 7);
    assertExec(events.get(7), events.get(8), id, "e2", e2Pid);
    assertExit(events.get(9), id, "e2", e2Pid, 128 + SIGKILL);
    TaskExit initExitEvent = assertExit(events.get(10), id, id, initPid, 42);
    assertEquals(initExit.getExitedAt(), initExitEvent.getExitedAt(), "exit event vs Wait");

    TaskDelete delete =
        unpack(events.get(11).envelope().getEvent(), TaskDelete.getDefaultInstance());
    assertEquals(id, delete.getContainerId());
    assertEquals(initPid, delete.getPid());
    assertEquals(42, delete.getExitStatus());
    assertEquals(initExit.getExitedAt(), delete.getExitedAt());
    assertEquals("", delete.getId(), "TaskDelete of init carries no exec id");
  }

  /**
   * The shim reads the container's cgroup and answers with the Metrics message of the host's cgroup
   * version, both large schemas: decoding them completely checks every field number the shim fills
   * in.
   */
  private static void assertCgroupStats(StatsResponse stats) throws InvalidProtocolBufferException {
    Any any = stats.getStats();
    switch (any.getTypeUrl()) {
      case "io.containerd.cgroups.v1.Metrics" -> {
        var m = unpack(any, dev.ttrpc.proto.io.containerd.cgroups.v1.Metrics.getDefaultInstance());
        assertTrue(m.getPids().getCurrent() >= 2, "init, its sleep and e2 run: " + m.getPids());
        assertTrue(m.getMemory().getUsage().getUsage() > 0, "memory usage: " + m.getMemory());
        assertTrue(m.getCpu().getUsage().getTotal() > 0, "cpu usage: " + m.getCpu());
      }
      case "io.containerd.cgroups.v2.Metrics" -> {
        var m = unpack(any, dev.ttrpc.proto.io.containerd.cgroups.v2.Metrics.getDefaultInstance());
        assertTrue(m.getPids().getCurrent() >= 2, "init, its sleep and e2 run: " + m.getPids());
        assertTrue(m.getMemory().getUsage() > 0, "memory usage: " + m.getMemory());
        assertTrue(m.getCpu().getUsageUsec() > 0, "cpu usage: " + m.getCpu());
      }
      default -> fail("Stats answered with an unexpected type: " + any.getTypeUrl());
    }
  }

  private static void assertExec(
      RecordingEventsService.Forwarded added,
      RecordingEventsService.Forwarded started,
      String id,
      String execId,
      int pid)
      throws InvalidProtocolBufferException {
    TaskExecAdded a = unpack(added.envelope().getEvent(), TaskExecAdded.getDefaultInstance());
    assertEquals(id, a.getContainerId());
    assertEquals(execId, a.getExecId());
    TaskExecStarted st =
        unpack(started.envelope().getEvent(), TaskExecStarted.getDefaultInstance());
    assertEquals(id, st.getContainerId());
    assertEquals(execId, st.getExecId());
    assertEquals(pid, st.getPid());
  }

  private static TaskExit assertExit(
      RecordingEventsService.Forwarded f, String id, String processId, int pid, int status)
      throws InvalidProtocolBufferException {
    TaskExit exit = unpack(f.envelope().getEvent(), TaskExit.getDefaultInstance());
    assertEquals(id, exit.getContainerId(), exit.toString());
    assertEquals(processId, exit.getId(), "TaskExit.id is the exec id, or the container id");
    assertEquals(pid, exit.getPid());
    assertEquals(status, exit.getExitStatus());
    assertRecent(exit.getExitedAt(), "TaskExit exited_at");
    return exit;
  }

  private void errors(RuncShimSession s) throws Exception {
    String id = s.id();
    TaskTtrpc.TaskStub task = s.task();

    assertStatus(
        Code.NOT_FOUND,
        "container not created: not found",
        () -> task.state(stateOf("no-such-task", "")));

    Fifo out = s.newOutputFifo("stdout");
    Fifo err = s.newOutputFifo("stderr");
    int initPid =
        call(task.create(
                CreateTaskRequest.newBuilder()
                    .setId(id)
                    .setBundle(s.bundle().dir().toString())
                    .setStdout(out.path().toString())
                    .setStderr(err.path().toString())
                    .build()))
            .getPid();
    call(task.start(startOf(id, "")));
    out.awaitContains("hello-from-init\n", OUTPUT_TIMEOUT);

    assertStatus(
        Code.UNKNOWN, "cannot delete a running process", () -> task.delete(deleteOf(id, "")));
    assertStatus(
        Code.NOT_FOUND,
        "process does not exist nope: not found",
        () -> task.start(startOf(id, "nope")));

    ExecProcessRequest exec =
        execOf(
            id,
            "e1",
            s.newOutputFifo("e1-stdout").path(),
            s.newOutputFifo("e1-stderr").path(),
            List.of("true"));
    call(task.exec(exec));
    assertStatus(Code.ALREADY_EXISTS, "id e1: already exists", () -> task.exec(exec));
    assertStatus(
        Code.FAILED_PRECONDITION,
        "process not created: failed precondition",
        () ->
            task.kill(
                KillRequest.newBuilder().setId(id).setExecId("e1").setSignal(SIGKILL).build()));
    call(task.delete(deleteOf(id, "e1")));
    assertStatus(
        Code.NOT_FOUND,
        "process does not exist e1: not found",
        () -> task.delete(deleteOf(id, "e1")));

    call(task.kill(KillRequest.newBuilder().setId(id).setSignal(SIGKILL).build()));
    WaitResponse exit = call(task.wait(waitOf(id, "")));
    assertEquals(128 + SIGKILL, exit.getExitStatus(), exit.toString());
    assertStatus(
        Code.NOT_FOUND,
        "process already finished: not found",
        () -> task.kill(KillRequest.newBuilder().setId(id).setSignal(SIGKILL).build()));
    assertEquals(initPid, call(task.delete(deleteOf(id, ""))).getPid());
    assertStatus(
        Code.NOT_FOUND, "container not created: not found", () -> task.delete(deleteOf(id, "")));
  }

  // ---- helpers ----

  private interface Body {
    void run() throws Exception;
  }

  /** Runs {@code body}; on failure, attaches the shim's log so CI output explains itself. */
  private static void withDiagnostics(RuncShimSession s, Body body) throws Exception {
    try {
      body.run();
    } catch (Exception | AssertionError e) {
      e.addSuppressed(new AssertionError("shim session: " + s.diagnostics()));
      throw e;
    }
  }

  private static void assertStatus(Code code, String message, Executable call) {
    try {
      call.execute();
    } catch (StatusException e) {
      assertEquals(code, e.code(), e.getMessage());
      assertEquals(message, e.status().message(), "status message");
      return;
    } catch (Throwable t) {
      fail("expected " + code + " but got " + t, t);
    }
    fail("expected " + code + " \"" + message + "\" but the call succeeded");
  }

  /** Every response must decode without leftovers: unknown fields mean a schema mismatch. */
  private static <T extends Message> T call(T response) {
    assertFullyDecoded(response);
    return response;
  }

  private static <T extends Message> T unpack(Any any, T prototype)
      throws InvalidProtocolBufferException {
    // Bare full names, as containerd's typeurl registry writes them (no type.googleapis.com/).
    assertEquals(prototype.getDescriptorForType().getFullName(), any.getTypeUrl(), "Any.type_url");
    @SuppressWarnings("unchecked")
    T message = (T) prototype.getParserForType().parseFrom(any.getValue());
    assertFullyDecoded(message);
    assertEquals(any.getValue(), message.toByteString(), "re-encoding gives the shim's bytes");
    return message;
  }

  private static <T extends Message> T decodeFully(byte[] bytes, com.google.protobuf.Parser<T> p)
      throws InvalidProtocolBufferException {
    T message = p.parseFrom(bytes);
    assertFullyDecoded(message);
    return message;
  }

  private static void assertFullyDecoded(Message message) {
    assertTrue(
        message.getUnknownFields().asMap().isEmpty(),
        () ->
            message.getDescriptorForType().getFullName()
                + " has fields our schema does not know (field number mismatch?): "
                + message.getUnknownFields().asMap().keySet()
                + " in "
                + message);
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (field.getKey().isRepeated()) {
        for (Object element : (List<?>) field.getValue()) {
          assertFullyDecoded((Message) element);
        }
      } else {
        assertFullyDecoded((Message) field.getValue());
      }
    }
  }

  /** Set, and from this test run (same host clock; generous bounds, not a timing check). */
  private static void assertRecent(Timestamp t, String what) {
    Instant at = Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    Instant now = Instant.now();
    assertTrue(
        at.isAfter(now.minus(Duration.ofMinutes(10))) && !at.isAfter(now.plusSeconds(5)),
        what + " = " + at + ", now " + now);
  }

  private static StateRequest stateOf(String id, String execId) {
    return StateRequest.newBuilder().setId(id).setExecId(execId).build();
  }

  private static StartRequest startOf(String id, String execId) {
    return StartRequest.newBuilder().setId(id).setExecId(execId).build();
  }

  private static WaitRequest waitOf(String id, String execId) {
    return WaitRequest.newBuilder().setId(id).setExecId(execId).build();
  }

  private static DeleteRequest deleteOf(String id, String execId) {
    return DeleteRequest.newBuilder().setId(id).setExecId(execId).build();
  }

  /** An exec as ctr sends it: the OCI process as JSON in an Any with the runtime-spec URL. */
  private static ExecProcessRequest execOf(
      String id, String execId, Path stdout, Path stderr, List<String> args) {
    String process =
        "{\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0}, \"args\": "
            + OciBundle.jsonArray(args)
            + ", \"env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"], \"cwd\": \"/\"}";
    return ExecProcessRequest.newBuilder()
        .setId(id)
        .setExecId(execId)
        .setTerminal(false)
        .setStdout(stdout.toString())
        .setStderr(stderr.toString())
        .setSpec(
            Any.newBuilder()
                .setTypeUrl(PROCESS_SPEC_TYPE_URL)
                .setValue(ByteString.copyFrom(process, StandardCharsets.UTF_8))
                .build())
        .build();
  }
}
