package dev.ttrpc.conformance.shim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ctr checklist of shim-contract §14 as named scenarios, in the order they run: groups
 * {@code run}, {@code detached}, {@code tty} and {@code failure}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Checklist {

  private Checklist() {}

  /** Every scenario, in running order. */
  public static List<Scenario> all() {
    List<Scenario> all = new ArrayList<>();
    all.addAll(RunLifecycleScenarios.scenarios());
    all.addAll(DetachedTaskScenarios.scenarios());
    all.addAll(TtyScenarios.scenarios());
    all.addAll(ShimFailureScenarios.scenarios());
    return List.copyOf(all);
  }

  /** The scenarios of {@code group}, in running order. */
  public static List<Scenario> group(String group) {
    List<Scenario> result = all().stream().filter(s -> s.group().equals(group)).toList();
    if (result.isEmpty()) {
      throw new IllegalArgumentException("no scenario group " + group);
    }
    return result;
  }

  /** The group names, in running order. */
  public static List<String> groups() {
    return all().stream().map(Scenario::group).distinct().toList();
  }

  /**
   * What this machine lacks to run {@code scenario} beyond a working private containerd (e.g.
   * {@code script} for the terminal scenarios), or null if nothing.
   */
  public static String missingTool(Scenario scenario) {
    return switch (scenario.group()) {
      case TtyScenarios.GROUP -> TtyScenarios.missingTool();
      case CriScenarios.GROUP -> CriScenarios.missingTool();
      default -> null;
    };
  }

  /**
   * The scenarios {@code selectors} name, with the earlier steps they {@linkplain
   * Scenario#requires() require}, in running order. A selector is a scenario's full name, its
   * checklist number ({@code s03}) or a group name.
   *
   * @throws IllegalArgumentException for a selector that names nothing, listing what exists
   */
  public static List<Scenario> select(List<String> selectors) {
    return select(all(), selectors);
  }

  /** Like {@link #select(List)}, among the scenarios {@code all} (in running order). */
  public static List<Scenario> select(List<Scenario> all, List<String> selectors) {
    Map<String, Scenario> byName = new LinkedHashMap<>();
    all.forEach(s -> byName.put(s.name(), s));
    Set<String> chosen = new LinkedHashSet<>();
    for (String selector : selectors) {
      List<Scenario> matched = all.stream()
          .filter(s -> s.name().equals(selector) || s.id().equals(selector)
              || s.group().equals(selector))
          .toList();
      if (matched.isEmpty()) {
        throw new IllegalArgumentException("no scenario or group '" + selector
            + "'; groups: " + String.join(", ", all.stream().map(Scenario::group).distinct()
                .toList()) + "; scenarios: "
            + String.join(", ", byName.keySet()));
      }
      matched.forEach(s -> addWithRequirements(s, byName, chosen));
    }
    return all.stream().filter(s -> chosen.contains(s.name())).toList();
  }

  private static void addWithRequirements(
      Scenario s, Map<String, Scenario> byName, Set<String> chosen) {
    if (!chosen.add(s.name())) {
      return;
    }
    for (String required : s.requires()) {
      addWithRequirements(byName.get(required), byName, chosen);
    }
  }
}
