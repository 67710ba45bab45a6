package dev.ttrpc.conformance.shim;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One named scenario of the ctr checklist (shim-contract §14): ctr commands and the checks of
 * their output, exit codes and task events. Scenarios of one {@linkplain #group() group} share a
 * {@link ScenarioGroup} instance per target, which holds what a story carries from step to step
 * (e.g. the detached container's init pid); {@link #requires()} names the earlier steps a step
 * builds on.
 *
 * @param name unique name, e.g. {@code s03-run-detached} (the checklist row, then what it does)
 * @param summary one line for reports
 * @param group the group (and {@link ScenarioGroup} class) the scenario belongs to
 * @param needs features the runtime must support, else the scenario is skipped
 * @param requires names of scenarios that must run before this one (same group)
 * @param timeout how long the scenario may take on one target before it is failed
 * @param groupFactory makes the group's per-target state (the same for every scenario of a group)
 * @param step what it does
 */
public record Scenario(
    String name, String summary, String group, Set<Feature> needs, List<String> requires,
    Duration timeout, Function<ShimCtr, ? extends ScenarioGroup> groupFactory,
    Step<ScenarioGroup> step) {

  /** The default {@link #timeout()}: ctr's own commands time out after a minute each. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(3);

  /** A scenario's body, run against one target's group instance. */
  @FunctionalInterface
  public interface Step<G> {
    void run(G group) throws Exception;
  }

  public Scenario {
    requireNonNull(name, "name");
    requireNonNull(summary, "summary");
    requireNonNull(group, "group");
    needs = Set.copyOf(needs);
    requires = List.copyOf(requires);
    requireNonNull(timeout, "timeout");
    requireNonNull(groupFactory, "groupFactory");
    requireNonNull(step, "step");
  }

  /** The same scenario with another timeout. */
  public Scenario withTimeout(Duration newTimeout) {
    return new Scenario(name, summary, group, needs, requires, newTimeout, groupFactory, step);
  }

  /** The checklist row number, e.g. {@code s03}, or the whole name if it has none. */
  public String id() {
    int dash = name.indexOf('-');
    return dash < 0 ? name : name.substring(0, dash);
  }

  /**
   * Builds the scenarios of one group in order, all sharing a {@link ScenarioGroup} made by
   * {@code factory} per target.
   *
   * @param <G> the group class
   */
  public static final class GroupBuilder<G extends ScenarioGroup> {
    private final String group;
    private final Function<ShimCtr, G> factory;
    private final java.util.ArrayList<Scenario> scenarios = new java.util.ArrayList<>();

    public GroupBuilder(String group, Function<ShimCtr, G> factory) {
      this.group = requireNonNull(group, "group");
      this.factory = requireNonNull(factory, "factory");
    }

    /** Adds a scenario with the default timeout. */
    public GroupBuilder<G> add(String name, String summary, Set<Feature> needs,
        List<String> requires, Step<G> step) {
      return add(name, summary, needs, requires, DEFAULT_TIMEOUT, step);
    }

    /** Adds a scenario. */
    @SuppressWarnings("unchecked")
    public GroupBuilder<G> add(String name, String summary, Set<Feature> needs,
        List<String> requires, Duration timeout, Step<G> step) {
      scenarios.add(new Scenario(name, summary, group, needs, requires, timeout, factory,
          g -> step.run((G) g)));
      return this;
    }

    public List<Scenario> build() {
      return List.copyOf(scenarios);
    }
  }
}
