package dev.ttrpc.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.backend.ContainerRuntime;
import dev.ttrpc.shim.io.Stdio;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ContainerTest {
  private final List<TaskEvent> events = Collections.synchronizedList(new ArrayList<>());
  private FakeRuntime runtime;

  private Container create() throws Exception {
    return Container.create(
        "c1",
        Path.of("/b"),
        new Stdio("", "/fifo/out", "", false),
        List.of(),
        exits -> runtime = new FakeRuntime(exits),
        events::add);
  }

  /** Every scenario, whatever it checks besides, must publish in the order of EventOrder. */
  @org.junit.jupiter.api.AfterEach
  void publishedInTheOrderContainerdRequires() {
    synchronized (events) {
      assertEquals(List.of(), EventOrder.violations(List.copyOf(events)), events.toString());
    }
  }

  private List<String> topics() {
    synchronized (events) {
      return events.stream().map(e -> e.topic() + (e instanceof TaskEvent.Exited x ? ":" + x.id()
          : "")).toList();
    }
  }

  @Test
  void runLifecyclePublishesCreateStartExitDeleteInOrder() throws Exception {
    Container c = create();
    assertEquals(ProcessState.CREATED, c.init().state());
    CompletableFuture<ProcessRecord.Exit> wait = c.waitFor("");
    assertFalse(wait.isDone(), "Wait before Start blocks");
    assertEquals(100, c.start(""));
    assertEquals(ProcessState.RUNNING, c.init().state());
    runtime.exit(100, 7);
    ProcessRecord.Exit exit = wait.get(5, TimeUnit.SECONDS);
    assertEquals(7, exit.status());
    assertEquals(ProcessState.STOPPED, c.init().state());
    ProcessRecord.Exit deleted = c.delete("");
    assertEquals(7, deleted.status());
    assertEquals(
        List.of("/tasks/create", "/tasks/start", "/tasks/exit:c1", "/tasks/delete"), topics());
    assertTrue(runtime.deleted);
  }

  @Test
  void manyWaitersAllSeeTheExit() throws Exception {
    Container c = create();
    List<CompletableFuture<ProcessRecord.Exit>> waits = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      waits.add(c.waitFor(""));
    }
    c.start("");
    runtime.exit(100, 143);
    for (CompletableFuture<ProcessRecord.Exit> w : waits) {
      assertEquals(143, w.get(5, TimeUnit.SECONDS).status());
    }
    // Wait after the exit returns at once.
    assertEquals(143, c.waitFor("").getNow(null).status());
  }

  @Test
  void initStateMachineRefusalsMatchTheRuncShim() throws Exception {
    Container c = create();
    assertMessage("cannot pause task in created state", () -> c.pause());
    assertMessage("cannot resume task in created state", () -> c.resume());
    assertMessage("cannot checkpoint a task in created state", () -> c.checkpoint("/x", null));
    c.start("");
    assertMessage("cannot start a running process", () -> c.start(""));
    assertMessage("cannot delete a running process", () -> c.delete(""));
    assertMessage("cannot resume a running process", () -> c.resume());
    c.pause();
    assertEquals(ProcessState.PAUSED, c.init().state());
    assertMessage("cannot pause a paused container", () -> c.pause());
    assertMessage("cannot exec in a paused state", () -> c.exec("e1", new byte[0], noIo()));
    assertMessage("cannot delete a paused process", () -> c.delete(""));
    c.resume();
    runtime.exit(100, 0);
    c.waitFor("").get(5, TimeUnit.SECONDS);
    assertMessage("cannot start a stopped process", () -> c.start(""));
    assertMessage("cannot pause a stopped container", () -> c.pause());
    assertMessage("cannot update a stopped container", () -> c.update(new byte[0]));
    assertMessage("cannot exec in a stopped state", () -> c.exec("e1", new byte[0], noIo()));
    TaskException e = assertThrows(TaskException.class, () -> c.kill("", 15, false));
    assertEquals(TaskException.Code.NOT_FOUND, e.code());
    assertEquals("process already finished", e.getMessage());
    awaitTopics(5);
    assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed",
        "/tasks/exit:c1"), topics());
  }

  @Test
  void execLifecycleAndErrors() throws Exception {
    Container c = create();
    c.start("");
    c.exec("e1", "{}".getBytes(), noIo());
    TaskException dup = assertThrows(TaskException.class, () -> c.exec("e1", new byte[0], noIo()));
    assertEquals(TaskException.Code.ALREADY_EXISTS, dup.code());
    assertEquals("id e1", dup.getMessage());
    ProcessRecord e1 = c.process("e1");
    assertEquals(ProcessState.CREATED, e1.state());
    assertEquals(0, e1.pid());
    TaskException notCreated = assertThrows(TaskException.class, () -> c.kill("e1", 9, false));
    assertEquals(TaskException.Code.FAILED_PRECONDITION, notCreated.code());
    assertEquals("process not created", notCreated.getMessage());
    int pid = c.start("e1");
    assertEquals(101, pid);
    c.pause();
    assertEquals(ProcessState.PAUSED, c.reportedState(e1), "an exec shows the container's pause");
    c.resume();
    c.kill("e1", 15, false);
    assertEquals(List.of(101), runtime.killedExecs);
    runtime.exit(101, 143);
    assertEquals(143, c.waitFor("e1").get(5, TimeUnit.SECONDS).status());
    TaskException finished = assertThrows(TaskException.class, () -> c.kill("e1", 9, false));
    assertEquals(TaskException.Code.NOT_FOUND, finished.code());
    c.delete("e1");
    TaskException gone = assertThrows(TaskException.class, () -> c.process("e1"));
    assertEquals(TaskException.Code.NOT_FOUND, gone.code());
    assertEquals("process does not exist e1", gone.getMessage());
    assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/exec-added",
        "/tasks/exec-started", "/tasks/paused", "/tasks/resumed", "/tasks/exit:e1"), topics());
  }

  @Test
  void initExitIsPublishedAfterTheExitsOfRunningExecs() throws Exception {
    Container c = create();
    c.start("");
    c.exec("e1", new byte[0], noIo());
    c.start("e1");
    runtime.exit(100, 137);
    assertEquals(137, c.waitFor("").get(5, TimeUnit.SECONDS).status());
    assertFalse(topics().contains("/tasks/exit:c1"), "held until the exec is gone");
    runtime.exit(101, 137);
    for (int i = 0; i < 100 && !topics().contains("/tasks/exit:c1"); i++) {
      Thread.sleep(10);
    }
    List<String> t = topics();
    assertTrue(t.indexOf("/tasks/exit:e1") < t.indexOf("/tasks/exit:c1"), t.toString());
  }

  @Test
  void startIsPublishedBeforeAnExitThatRacesIt() throws Exception {
    Container c = create();
    runtime.exitDuringStart = true;
    c.start("");
    c.waitFor("").get(5, TimeUnit.SECONDS);
    awaitTopics(3);
    assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/exit:c1"), topics());
  }

  @Test
  void oomIsPublishedBeforeTheExitItCaused() throws Exception {
    Container c = create();
    c.start("");
    runtime.oom = true;
    runtime.exit(100, 137);
    c.waitFor("").get(5, TimeUnit.SECONDS);
    awaitTopics(4);
    assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/oom", "/tasks/exit:c1"),
        topics());
  }

  @Test
  void deletingACreatedContainerSkipsTheExitEvent() throws Exception {
    Container c = create();
    c.delete("");
    runtime.exit(100, 137); // runc delete killed the parked init
    Thread.sleep(50);
    assertEquals(List.of("/tasks/create", "/tasks/delete"), topics());
    TaskException again = assertThrows(TaskException.class, () -> c.delete(""));
    assertEquals(TaskException.Code.NOT_FOUND, again.code());
  }

  @Test
  void execStartDuringAnInitExitDoesNotDeadlock() throws Exception {
    Container c = create();
    c.start("");
    c.exec("e1", new byte[0], noIo());
    // The exit path holds its lock while it asks the backend about OOM; an exec Start arrives
    // meanwhile. Both must finish.
    java.util.concurrent.CountDownLatch inOomCheck = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    runtime.oomCheck = () -> {
      inOomCheck.countDown();
      release.await();
    };
    Thread exit = Thread.ofPlatform().start(() -> runtime.exit(100, 0));
    assertTrue(inOomCheck.await(5, TimeUnit.SECONDS));
    CompletableFuture<Object> execStart = new CompletableFuture<>();
    Thread starter = Thread.ofPlatform().start(() -> {
      try {
        execStart.complete(c.start("e1"));
      } catch (Exception e) {
        execStart.complete(e);
      }
    });
    for (int i = 0; i < 500 && starter.getState() != Thread.State.BLOCKED
        && starter.getState() != Thread.State.TERMINATED; i++) {
      Thread.sleep(2);
    }
    release.countDown();
    exit.join(5000);
    assertFalse(exit.isAlive(), "exit path deadlocked");
    execStart.get(5, TimeUnit.SECONDS);
    assertEquals(0, c.waitFor("").get(5, TimeUnit.SECONDS).status());
  }

  @Test
  void anInitExitReportedBeforeCreateReturnsIsNotLost() throws Exception {
    Container c =
        Container.create(
            "c1",
            Path.of("/b"),
            noIo(),
            List.of(),
            exits -> runtime = new FakeRuntime(exits) {
              @Override
              public Spawned create(Stdio stdio) {
                exit(100, 3); // e.g. the backend's watcher saw the exit at once
                return super.create(stdio);
              }
            },
            events::add);
    assertEquals(3, c.waitFor("").get(5, TimeUnit.SECONDS).status());
    awaitTopics(2);
    assertEquals(List.of("/tasks/create", "/tasks/exit:c1"), topics());
  }

  @Test
  void anExecExitReportedBeforeExecReturnsIsNotLost() throws Exception {
    Container c = create();
    c.start("");
    c.exec("e1", new byte[0], noIo());
    runtime.exitDuringExec = true;
    assertEquals(101, c.start("e1"));
    assertEquals(5, c.waitFor("e1").get(5, TimeUnit.SECONDS).status());
    assertEquals(List.of("/tasks/create", "/tasks/start", "/tasks/exec-added",
        "/tasks/exec-started", "/tasks/exit:e1"), topics());
  }

  @Test
  void deleteRightAfterTheExitStillPublishesTheExitFirst() throws Exception {
    for (int i = 0; i < 20; i++) {
      events.clear();
      Container c = create();
      c.start("");
      c.exec("e1", new byte[0], noIo());
      c.start("e1");
      runtime.exit(100, 0);
      c.waitFor("").get(5, TimeUnit.SECONDS);
      // The init's TaskExit is still held for the exec; Delete must not overtake it.
      CompletableFuture<ProcessRecord.Exit> deleted = CompletableFuture.supplyAsync(() -> {
        try {
          return c.delete("");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(5);
      runtime.exit(101, 0);
      deleted.get(20, TimeUnit.SECONDS);
      List<String> t = topics();
      assertEquals(List.of(), EventOrder.violations(List.copyOf(events)), t.toString());
      assertEquals("/tasks/delete", t.get(t.size() - 1), t.toString());
    }
  }

  @Test
  void anExitReportedTwiceIsPublishedOnce() throws Exception {
    Container c = create();
    c.start("");
    c.exec("e1", new byte[0], noIo());
    c.start("e1");
    runtime.exit(101, 1);
    runtime.exit(101, 1);
    runtime.exit(100, 2);
    runtime.exit(100, 2);
    awaitTopics(6);
    Thread.sleep(50);
    assertEquals(1, topics().stream().filter(t -> t.equals("/tasks/exit:e1")).count());
    assertEquals(1, topics().stream().filter(t -> t.equals("/tasks/exit:c1")).count());
  }

  /** The init's TaskExit is queued asynchronously: wait for it. */
  private void awaitTopics(int n) throws InterruptedException {
    for (int i = 0; i < 500 && topics().size() < n; i++) {
      Thread.sleep(10);
    }
  }

  private static Stdio noIo() {
    return new Stdio("", "", "", false);
  }

  private static void assertMessage(String expected, ThrowingRunnable r) {
    TaskException e = assertThrows(TaskException.class, r::run);
    assertEquals(TaskException.Code.UNKNOWN, e.code());
    assertEquals(expected, e.getMessage());
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** A backend that only records calls; exits are injected by the test. */
  private static class FakeRuntime implements ContainerRuntime {
    private final ExitListener exits;
    private final AtomicInteger nextPid = new AtomicInteger(100);
    final List<Integer> killedExecs = new ArrayList<>();
    volatile boolean deleted;
    volatile boolean oom;
    volatile boolean exitDuringStart;
    volatile boolean exitDuringExec;
    volatile ThrowingRunnable oomCheck = () -> {};

    FakeRuntime(ExitListener exits) {
      this.exits = exits;
    }

    void exit(int pid, int status) {
      exits.exited(pid, status);
    }

    @Override
    public Spawned create(Stdio stdio) {
      return new Spawned(nextPid.getAndIncrement(), null);
    }

    @Override
    public void start() throws Exception {
      if (exitDuringStart) {
        Thread t = new Thread(() -> exits.exited(100, 0));
        t.start();
        t.join(100); // blocks on the event lock: must not get ahead of TaskStart
      }
    }

    @Override
    public void kill(int signal, boolean all) {}

    @Override
    public Spawned exec(String execId, byte[] processJson, Stdio stdio) {
      int pid = nextPid.getAndIncrement();
      if (exitDuringExec) {
        exit(pid, 5);
      }
      return new Spawned(pid, null);
    }

    @Override
    public void killExec(int pid, int signal) {
      killedExecs.add(pid);
    }

    @Override
    public void pause() {}

    @Override
    public void resume() {}

    @Override
    public List<Integer> pids() {
      return List.of(100);
    }

    @Override
    public Stats stats() {
      return new Stats("x", new byte[0]);
    }

    @Override
    public void update(byte[] resourcesJson) {}

    @Override
    public void checkpoint(String imagePath, byte[] options) {}

    @Override
    public void delete() {
      deleted = true;
    }

    @Override
    public boolean oomKilled() {
      try {
        oomCheck.run();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return oom;
    }

    @Override
    public void initExited() {}
  }
}
