package dev.ttrpc.shim.backend;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import dev.ttrpc.shim.io.ProcessIo;
import dev.ttrpc.shim.io.Stdio;
import dev.ttrpc.shim.task.TaskEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The backend seam: what a backend does for one container. The container model ({@code
 * dev.ttrpc.shim.task.Container}) owns the state machine, the error texts and the events, and
 * calls a backend only in states where containerd's runc shim would run the matching runc
 * command; a backend only drives its processes.
 *
 * <p><b>Threads.</b> Request calls for one container ({@link #create}, {@link #start}, {@link
 * #exec}, {@link #kill}, {@link #killExec}, {@link #pause}, {@link #resume}, {@link #pids}, {@link
 * #stats}, {@link #update}, {@link #checkpoint}, {@link #delete}) are serialised by the container
 * and run on a ttRPC request thread; they may block (run a command, wait for a file). {@link
 * #oomKilled()} is also called from a poller thread, and {@link #initExited()} from the thread
 * that reports the init's exit; neither may call back into the container.
 *
 * <p><b>Exits.</b> A backend reports every exit of a process it spawned (init and execs) through
 * the {@link ExitListener} it was created with, exactly once per pid, from any thread. An exit may
 * be reported before {@link #create} or {@link #exec} has returned the pid; the container copes.
 *
 * <p><b>Errors.</b> A {@code dev.ttrpc.shim.TaskException} carries the status code and text
 * containerd should see; any other exception becomes {@code UNKNOWN} with its message.
 */
public interface ContainerRuntime {

  /** Receives process exits: pid and shell-style status (128 + signal when killed). */
  @FunctionalInterface
  interface ExitListener {
    void exited(int pid, int status);
  }

  /** Builds the backend for a new container; called once per Create, before anything runs. */
  @FunctionalInterface
  interface Factory {
    ContainerRuntime create(CreateRequest request, ExitListener exits) throws Exception;
  }

  /**
   * What a backend learns about a new container.
   *
   * @param namespace the containerd namespace
   * @param id the container id
   * @param bundle the bundle directory (holds {@code config.json})
   * @param spec the parsed OCI spec ({@code config.json})
   * @param annotations the spec's annotations
   * @param options the Create request's runtime options, or null
   * @param rootfs the mounts to stack on {@code bundle/rootfs}, in order
   */
  record CreateRequest(
      String namespace,
      String id,
      Path bundle,
      Map<String, Object> spec,
      Map<String, String> annotations,
      Any options,
      List<TaskEvent.Mount> rootfs) {
    public CreateRequest {
      requireNonNull(namespace, "namespace");
      requireNonNull(id, "id");
      requireNonNull(bundle, "bundle");
      requireNonNull(spec, "spec");
      annotations = Map.copyOf(annotations);
      rootfs = List.copyOf(rootfs);
    }
  }

  /** The init process as created: its pid and its stdio. */
  record Spawned(int pid, ProcessIo io) {}

  /** A statistics payload: a protobuf type URL and the serialized message. */
  record Stats(String typeUrl, byte[] value) {}

  /**
   * Creates the container with its init process parked before the user program. On failure
   * nothing of the container may be left running or mounted.
   */
  Spawned create(Stdio stdio) throws Exception;

  /** Lets the init process run the user program. */
  void start() throws Exception;

  /** Signals the init process, or every process of the container if {@code all}. */
  void kill(int signal, boolean all) throws Exception;

  /** Starts an exec process described by OCI process JSON. */
  Spawned exec(String execId, byte[] processJson, Stdio stdio) throws Exception;

  /** Signals one exec process. */
  void killExec(int pid, int signal) throws Exception;

  /** Freezes every process of the container. */
  void pause() throws Exception;

  /** Thaws the container. */
  void resume() throws Exception;

  /** Host pids of every process of the container. */
  List<Integer> pids() throws Exception;

  /** The container's resource statistics. */
  Stats stats() throws Exception;

  /** Applies OCI {@code LinuxResources} JSON. */
  void update(byte[] resourcesJson) throws Exception;

  /** Checkpoints the container into {@code imagePath} ({@code options}: backend-specific). */
  void checkpoint(String imagePath, byte[] options) throws Exception;

  /** Removes the container's runtime state (init is gone or never started) and its mounts. */
  void delete() throws Exception;

  /** Whether the container was OOM-killed since the last call (checked before exit events). */
  boolean oomKilled();

  /** Called once after the init process exited (e.g. to kill what it left behind). */
  void initExited();
}
