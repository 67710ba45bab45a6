package dev.ttrpc.shim.minimal;

import java.util.List;

/**
 * What a backend does for one container; {@link Container} holds the state machine and calls
 * these only in states where containerd's runc shim would run the corresponding runc command.
 *
 * <p>Calls for one container are serialised by the container, except {@link #oomKilled()} and
 * {@link #initExited()}, which the exit path calls. A backend reports process exits through the
 * {@link ExitListener} it was created with.
 */
public interface ContainerRuntime {

  /** Receives process exits: pid and shell-style status (128 + signal when killed). */
  @FunctionalInterface
  interface ExitListener {
    void exited(int pid, int status);
  }

  /** The init process as created: its pid and its stdio. */
  record Spawned(int pid, ProcessIo io) {}

  /** A statistics payload: a protobuf type URL and the serialized message. */
  record Stats(String typeUrl, byte[] value) {}

  /** Creates the container with its init process parked before the user program. */
  Spawned create(Stdio stdio) throws Exception;

  /** Lets the init process run the user program. */
  void start() throws Exception;

  /** Signals the init process, or every process of the container if {@code all}. */
  void kill(int signal, boolean all) throws Exception;

  /** Starts an exec process described by OCI process JSON. */
  Spawned exec(String execId, byte[] processJson, Stdio stdio) throws Exception;

  /** Signals one exec process. */
  void killExec(int pid, int signal) throws Exception;

  void pause() throws Exception;

  void resume() throws Exception;

  /** Host pids of every process of the container. */
  List<Integer> pids() throws Exception;

  Stats stats() throws Exception;

  /** Applies OCI {@code LinuxResources} JSON. */
  void update(byte[] resourcesJson) throws Exception;

  void checkpoint(String imagePath, byte[] options) throws Exception;

  /** Removes the container's runtime state (init is gone or never started). */
  void delete() throws Exception;

  /** Whether the container was OOM-killed since the last call (checked before exit events). */
  boolean oomKilled();

  /** Called once after the init process exited (e.g. to kill what it left behind). */
  void initExited();
}
