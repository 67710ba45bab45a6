package dev.ttrpc.shim.task;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order in which containerd must see one container's task events, written once. {@link
 * Container} publishes in this order; {@link #violations} checks a published sequence against
 * it (the tests of the container model and of the daemon use it).
 *
 * <p>How {@link Container} keeps each rule: events are published under the container's lock, in
 * the same critical section as the state change they report ({@link Rule#CREATE_FIRST}, {@link
 * Rule#START_BEFORE_INIT_EXIT}, {@link Rule#EXEC_ADDED_STARTED_EXITED}); an exit that arrives
 * before its pid is recorded is applied after the create/exec-started event; the backend is asked
 * about OOM before the init's exit is recorded ({@link Rule#OOM_BEFORE_INIT_EXIT}); the init's
 * exit is queued behind the exits of the execs still running ({@link
 * Rule#EXEC_EXITS_BEFORE_INIT_EXIT}); Delete waits until the init's exit is published ({@link
 * Rule#INIT_EXIT_BEFORE_DELETE}); a process's exit is recorded once ({@link
 * Rule#ONE_EXIT_PER_PROCESS}).
 */
public final class EventOrder {
  private EventOrder() {}

  /** The rules, each with the text a violation reports. */
  public enum Rule {
    /** TaskCreate comes before any other event of the container. */
    CREATE_FIRST("an event before TaskCreate"),
    /** TaskStart, if published, comes before the init's TaskExit. */
    START_BEFORE_INIT_EXIT("TaskStart after the init's TaskExit"),
    /** An exec's TaskExecAdded, TaskExecStarted and TaskExit come in this order. */
    EXEC_ADDED_STARTED_EXITED("exec events out of order (added, started, exit)"),
    /** The exits of exec processes come before the init's TaskExit. */
    EXEC_EXITS_BEFORE_INIT_EXIT("an exec's TaskExit after the init's"),
    /** TaskOOM comes before the init's TaskExit (the exit it caused). */
    OOM_BEFORE_INIT_EXIT("TaskOOM after the init's TaskExit"),
    /** The init's TaskExit comes before TaskDelete, and nothing follows TaskDelete. */
    INIT_EXIT_BEFORE_DELETE("the init's TaskExit after TaskDelete, or an event after it"),
    /** Each process (init or exec) has at most one TaskExit. */
    ONE_EXIT_PER_PROCESS("two TaskExit events for one process");

    private final String violation;

    Rule(String violation) {
      this.violation = violation;
    }

    /** What a sequence that breaks this rule shows. */
    public String violation() {
      return violation;
    }
  }

  /** The rules {@code events} (one container's, in publishing order) break; empty if none. */
  public static List<Rule> violations(List<TaskEvent> events) {
    Set<Rule> broken = new java.util.LinkedHashSet<>();
    boolean created = false;
    boolean started = false;
    boolean initExited = false;
    boolean deleted = false;
    Set<String> added = new HashSet<>();
    Set<String> execStarted = new HashSet<>();
    Map<String, Integer> exits = new HashMap<>();
    for (TaskEvent e : events) {
      if (deleted) {
        broken.add(Rule.INIT_EXIT_BEFORE_DELETE);
      }
      if (!created && !(e instanceof TaskEvent.Created)) {
        broken.add(Rule.CREATE_FIRST);
      }
      switch (e) {
        case TaskEvent.Created c -> created = true;
        case TaskEvent.Started s -> {
          if (initExited) {
            broken.add(Rule.START_BEFORE_INIT_EXIT);
          }
          started = true;
        }
        case TaskEvent.ExecAdded a -> added.add(a.execId());
        case TaskEvent.ExecStarted s -> {
          if (!added.contains(s.execId())) {
            broken.add(Rule.EXEC_ADDED_STARTED_EXITED);
          }
          execStarted.add(s.execId());
        }
        case TaskEvent.Exited x -> {
          if (exits.merge(x.id(), 1, Integer::sum) > 1) {
            broken.add(Rule.ONE_EXIT_PER_PROCESS);
          }
          if (x.id().equals(x.containerId())) {
            initExited = true;
          } else {
            if (!execStarted.contains(x.id())) {
              broken.add(Rule.EXEC_ADDED_STARTED_EXITED);
            }
            if (initExited) {
              broken.add(Rule.EXEC_EXITS_BEFORE_INIT_EXIT);
            }
          }
        }
        case TaskEvent.Oom o -> {
          if (initExited) {
            broken.add(Rule.OOM_BEFORE_INIT_EXIT);
          }
        }
        case TaskEvent.Deleted d -> {
          if (started && !initExited) {
            // Delete refuses a running init, so a started one has exited: its TaskExit is due.
            broken.add(Rule.INIT_EXIT_BEFORE_DELETE);
          }
          deleted = true;
        }
        case TaskEvent.Paused p -> {}
        case TaskEvent.Resumed r -> {}
      }
    }
    return new ArrayList<>(broken);
  }
}
