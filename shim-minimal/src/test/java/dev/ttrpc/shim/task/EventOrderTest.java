package dev.ttrpc.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ttrpc.shim.io.Stdio;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each rule of {@link EventOrder} is detected in a sequence that breaks it (and only that rule).
 * That the container keeps the rules is checked after every {@link ContainerTest} scenario.
 */
class EventOrderTest {
  private static final Instant T = Instant.EPOCH;
  private static final TaskEvent CREATE =
      new TaskEvent.Created("c1", "/b", List.of(), new Stdio("", "", "", false), "", 100);
  private static final TaskEvent START = new TaskEvent.Started("c1", 100);
  private static final TaskEvent INIT_EXIT = new TaskEvent.Exited("c1", "c1", 100, 0, T);
  private static final TaskEvent DELETE = new TaskEvent.Deleted("c1", 100, 0, T);
  private static final TaskEvent ADDED = new TaskEvent.ExecAdded("c1", "e1");
  private static final TaskEvent EXEC_STARTED = new TaskEvent.ExecStarted("c1", "e1", 101);
  private static final TaskEvent EXEC_EXIT = new TaskEvent.Exited("c1", "e1", 101, 0, T);
  private static final TaskEvent OOM = new TaskEvent.Oom("c1");

  private static void assertBreaks(EventOrder.Rule rule, TaskEvent... events) {
    assertEquals(List.of(rule), EventOrder.violations(List.of(events)));
  }

  @Test
  void aCompleteLifecycleBreaksNoRule() {
    assertEquals(List.of(), EventOrder.violations(List.of(CREATE, START, ADDED, EXEC_STARTED,
        new TaskEvent.Paused("c1"), new TaskEvent.Resumed("c1"), EXEC_EXIT, OOM, INIT_EXIT,
        DELETE)));
    assertEquals(List.of(), EventOrder.violations(List.of(CREATE, DELETE)),
        "a created container deleted without start has no TaskExit");
  }

  @Test
  void createFirst() {
    assertBreaks(EventOrder.Rule.CREATE_FIRST, START, CREATE, INIT_EXIT, DELETE);
  }

  @Test
  void startBeforeInitExit() {
    assertBreaks(EventOrder.Rule.START_BEFORE_INIT_EXIT, CREATE, INIT_EXIT, START, DELETE);
  }

  @Test
  void execAddedStartedExited() {
    assertBreaks(EventOrder.Rule.EXEC_ADDED_STARTED_EXITED, CREATE, START, EXEC_STARTED, ADDED,
        EXEC_EXIT, INIT_EXIT, DELETE);
    assertBreaks(EventOrder.Rule.EXEC_ADDED_STARTED_EXITED, CREATE, START, ADDED, EXEC_EXIT,
        INIT_EXIT, DELETE);
  }

  @Test
  void execExitsBeforeInitExit() {
    assertBreaks(EventOrder.Rule.EXEC_EXITS_BEFORE_INIT_EXIT, CREATE, START, ADDED, EXEC_STARTED,
        INIT_EXIT, EXEC_EXIT, DELETE);
  }

  @Test
  void oomBeforeInitExit() {
    assertBreaks(EventOrder.Rule.OOM_BEFORE_INIT_EXIT, CREATE, START, INIT_EXIT, OOM, DELETE);
  }

  @Test
  void initExitBeforeDelete() {
    assertBreaks(EventOrder.Rule.INIT_EXIT_BEFORE_DELETE, CREATE, START, DELETE, INIT_EXIT);
    assertBreaks(EventOrder.Rule.INIT_EXIT_BEFORE_DELETE, CREATE, START, INIT_EXIT, DELETE,
        new TaskEvent.Paused("c1"));
  }

  @Test
  void oneExitPerProcess() {
    assertBreaks(EventOrder.Rule.ONE_EXIT_PER_PROCESS, CREATE, START, INIT_EXIT, INIT_EXIT,
        DELETE);
  }
}
