package dev.ttrpc.shim.task;

/**
 * Lifecycle states of a container process, numbered as {@code containerd.v1.types.Status} (plus
 * {@link #DELETED}, which never goes on the wire).
 */
public enum ProcessState {
  CREATED(1, "created"),
  RUNNING(2, "running"),
  STOPPED(3, "stopped"),
  PAUSED(4, "paused"),
  PAUSING(5, "pausing"),
  DELETED(0, "deleted");

  private final int wireValue;
  private final String word;

  ProcessState(int wireValue, String word) {
    this.wireValue = wireValue;
    this.word = word;
  }

  /** The {@code containerd.v1.types.Status} number. */
  public int wireValue() {
    return wireValue;
  }

  /** The word used in containerd's error messages ("cannot start a running process"). */
  public String word() {
    return word;
  }
}
