package dev.ttrpc.conformance.shim;

/**
 * The per-target state of one group of scenarios, made once per target and run. Its scenarios
 * run one after the other (never concurrently), each in a worker thread of the runner.
 */
public interface ScenarioGroup {

  /**
   * Removes whatever the group's scenarios may have left behind (containers of a story that
   * failed half-way). Runs after the group's last selected scenario; must not throw on things
   * that are already gone.
   */
  void cleanup();
}
