package dev.ttrpc.shim.task;

import dev.ttrpc.shim.io.ProcessIo;
import dev.ttrpc.shim.io.Stdio;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One process of a container (init or exec) as the task service sees it: state, pid, stdio and
 * exit. Guarded by its own monitor; {@link #exit()} completes once the exit status is recorded.
 */
public final class ProcessRecord {
  /** A recorded exit. {@code exitedAt} is null while the process has not exited. */
  public record Exit(int pid, int status, Instant exitedAt) {}

  private final String execId;
  private final Stdio stdio;
  private final byte[] spec;
  private final CompletableFuture<Exit> exit = new CompletableFuture<>();
  private ProcessState state = ProcessState.CREATED;
  private int pid;
  private ProcessIo io;

  ProcessRecord(String execId, Stdio stdio, byte[] spec) {
    this.execId = execId;
    this.stdio = stdio;
    this.spec = spec;
  }

  /** "" for the init process. */
  public String execId() {
    return execId;
  }

  public Stdio stdio() {
    return stdio;
  }

  byte[] spec() {
    return spec;
  }

  public synchronized ProcessState state() {
    return state;
  }

  synchronized void state(ProcessState s) {
    state = s;
  }

  public synchronized int pid() {
    return pid;
  }

  synchronized void spawned(int pid, ProcessIo io) {
    this.pid = pid;
    this.io = io;
  }

  synchronized ProcessIo io() {
    return io;
  }

  /** Completes with the exit once recorded; never completes for a process that never ran. */
  public CompletableFuture<Exit> exit() {
    return exit;
  }

  /** The exit if recorded, else a zero status and no time. */
  public Exit exitOrNone() {
    Exit e = exit.getNow(null);
    return e != null ? e : new Exit(pid(), 0, null);
  }

  /** Records the exit: STOPPED, status and time; returns false if already recorded. */
  synchronized boolean recordExit(int status, Instant at) {
    if (exit.isDone()) {
      return false;
    }
    if (state != ProcessState.DELETED) {
      state = ProcessState.STOPPED;
    }
    exit.complete(new Exit(pid, status, at));
    return true;
  }
}
