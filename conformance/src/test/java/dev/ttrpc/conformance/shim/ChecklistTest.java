package dev.ttrpc.conformance.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The checklist's names, groups and {@code --only} selection. */
class ChecklistTest {

  @Test
  void namesAreUniqueAndRequirementsComeEarlierInTheSameGroup() {
    List<Scenario> all = Checklist.all();
    Set<String> seen = new HashSet<>();
    for (Scenario s : all) {
      for (String required : s.requires()) {
        Scenario r = all.stream().filter(x -> x.name().equals(required)).findFirst()
            .orElseThrow(() -> new AssertionError(s.name() + " requires unknown " + required));
        assertTrue(seen.contains(required), s.name() + " requires a later " + required);
        assertEquals(s.group(), r.group(), s.name());
      }
      assertTrue(seen.add(s.name()), "duplicate " + s.name());
    }
    assertEquals(List.of("run", "detached", "tty", "failure"), Checklist.groups());
    // The rows of shim-contract §14 the checklist covers (not 29, 34 and 36: attach to a task
    // that already exited, checkpoint, which needs a working criu, and ctr's signal forwarding).
    Set<String> ids = new HashSet<>(all.stream().map(Scenario::id).toList());
    for (int row : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
        20, 21, 22, 23, 24, 25, 26, 27, 28, 30, 31, 32, 33, 35, 37, 38, 39, 40, 41, 42}) {
      assertTrue(ids.contains(String.format("s%02d", row)), "row " + row + " missing");
    }
  }

  @Test
  void selectionAddsTheStepsAScenarioBuildsOnInRunningOrder() {
    assertEquals(List.of("s01-run-rm-echo", "s03-run-detached", "s04-tasks-ls", "s05-tasks-ps"),
        names(Checklist.select(List.of("s05", "s01-run-rm-echo"))));
    assertEquals(List.of("s25-run-rm-tty", "s26-run-detached-tty", "s27-exec-tty-resize",
        "s28-attach"), names(Checklist.select(List.of("tty"))));
    assertEquals(List.of("s01-run-rm-echo", "run-event-type-urls"),
        names(Checklist.select(List.of("run-event-type-urls"))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Checklist.select(List.of("s99")));
    assertTrue(e.getMessage().contains("no scenario or group 's99'"), e.getMessage());
  }

  private static List<String> names(List<Scenario> scenarios) {
    return scenarios.stream().map(Scenario::name).toList();
  }
}
