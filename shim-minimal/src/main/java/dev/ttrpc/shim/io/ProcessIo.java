package dev.ttrpc.shim.io;

import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.reaper.Reaper;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.FdStreams;
import dev.ttrpc.shim.sys.Libc;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stdio plumbing of one container process, with the keep-alive rules of containerd's runc
 * shim: a client that goes away never makes the process fail, and no output is dropped while
 * the process lives.
 *
 * <ul>
 *   <li>Without a terminal the process gets pipes; the shim copies them to the client's sinks:
 *       FIFOs (written once the client's reader is there, and also held open for reading by the
 *       shim, so that writes never hit EPIPE after the client leaves),
 *       {@code file://} (stdout and stderr appended to one file) or {@code binary://} (a logger
 *       started with the read ends of two pipes as fds 3 and 4 and a readiness pipe as fd 5).
 *   <li>The stdin FIFO is copied into the process's stdin pipe; the shim also holds a
 *       keep-alive writer on it, so the copy sees end-of-file only after {@link #closeStdin()}
 *       (the CloseIO request) and the client's own writer are both gone.
 *   <li>With a terminal, {@link #attachConsole(int)} takes the pty master (from runc's console
 *       socket or {@code openpty}) and copies stdin FIFO → master → stdout sink.
 * </ul>
 *
 * <p>Every copy of every process in the daemon runs on one shared epoll loop thread ({@link
 * IoLoop}), with splice(2) where the kernel allows it; a process costs descriptors, not threads.
 * Thread-safe.
 */
public final class ProcessIo implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessIo.class);
  private static final Duration LOGGER_GRACE = Duration.ofSeconds(12);
  private static final Duration LOGGER_READY = Duration.ofSeconds(10);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private final IoLoop loop;
  private final Stdio stdio;
  private final String namespace;
  private final String id;
  private final List<Integer> childFds = new ArrayList<>();
  private int childStdin = -1;
  private int childStdout = -1;
  private int childStderr = -1;
  private int stdinReader = -1;
  /** The keep-alive writer of the stdin FIFO; taken (set to -1) by whoever closes it. */
  private final AtomicInteger stdinKeepAlive = new AtomicInteger(-1);
  private volatile int consoleMaster = -1;
  private final Map<String, Sink> sinks = new HashMap<>();
  /** Copies made but not yet handed to the loop ({@link #start()}). */
  private final List<Copy> unstarted = new ArrayList<>();
  /** Every copy made; read and ended on the loop thread only. */
  private final List<Copy> copies = new ArrayList<>();
  private CountDownLatch drained = new CountDownLatch(0);
  private int loggerPid = -1;
  private final CompletableFuture<Integer> loggerExit = new CompletableFuture<>();
  private volatile boolean closed;
  /**
   * Told the number of the stdin keep-alive writer by the caller that took it, just before that
   * caller closes it; a no-op except in tests, which pause here to race a second closer.
   */
  private final IntConsumer stdinTaken;

  private ProcessIo(IoLoop loop, Stdio stdio, String namespace, String id, IntConsumer stdinTaken) {
    this.loop = loop;
    this.stdio = stdio;
    this.namespace = namespace;
    this.id = id;
    this.stdinTaken = stdinTaken;
  }

  /**
   * Starts the shared stdio loop and links the native calls the copies use, so that the first
   * process with stdio does not wait for either. For a daemon to call once before its first
   * container (from any thread; a Create that comes first simply does the same work itself).
   */
  public static void prepare() throws ErrnoException {
    IoLoop.shared();
    Libc.linkStdioCalls();
  }

  /**
   * Opens the client's sinks and creates the pipes for a process. Nothing is copied until {@link
   * #start()} (pipes) or {@link #attachConsole(int)} (terminal).
   */
  public static ProcessIo open(Stdio stdio, String namespace, String id) throws IOException {
    return open(stdio, namespace, id, fd -> {});
  }

  /** {@link #open(Stdio, String, String)} with a hook into {@link #closeStdin()}, for tests. */
  static ProcessIo open(Stdio stdio, String namespace, String id, IntConsumer stdinTaken)
      throws IOException {
    ProcessIo io = new ProcessIo(IoLoop.shared(), stdio, namespace, id, stdinTaken);
    try {
      io.setUp();
      return io;
    } catch (IOException | RuntimeException e) {
      io.close();
      throw e;
    }
  }

  private void setUp() throws IOException {
    StdioUri in = StdioUri.parse(stdio.stdin());
    StdioUri out = StdioUri.parse(stdio.stdout());
    StdioUri err = stdio.terminal() ? StdioUri.parse("") : StdioUri.parse(stdio.stderr());
    if (in.kind() != StdioUri.Kind.NONE) {
      if (in.kind() != StdioUri.Kind.FIFO) {
        throw new TaskException(
            TaskException.Code.INVALID_ARGUMENT, "stdin must be a fifo: " + stdio.stdin());
      }
      openStdinFifo(in.path());
    }
    List<StdioUri> outputs = new ArrayList<>();
    outputs.add(out);
    outputs.add(err);
    if (outputs.stream().anyMatch(u -> u.kind() == StdioUri.Kind.BINARY)) {
      startLogger(out.kind() == StdioUri.Kind.BINARY ? out : err);
    }
    int streams = 0;
    for (int i = 0; i < 2; i++) {
      StdioUri u = outputs.get(i);
      if (u.kind() == StdioUri.Kind.NONE) {
        continue;
      }
      String stream = i == 0 ? "stdout" : "stderr";
      Sink sink = sink(u, stream);
      if (stdio.terminal()) {
        continue; // The console copy is set up by attachConsole.
      }
      streams++;
      // Not toward a client's FIFO: containerd's client closes its FIFOs as soon as it has the
      // exit status (before Delete), so what is still buffered then is lost; a bigger pipe
      // would widen that window past the runc shim's (64 KiB pipe + 64 KiB FIFO).
      int[] p = pipe(u.kind() != StdioUri.Kind.FIFO);
      childFds.add(p[1]);
      if (i == 0) {
        childStdout = p[1];
      } else {
        childStderr = p[1];
      }
      unstarted.add(copy(stream + "-" + id, p[0], sink, false, this::countDrained));
    }
    drained = new CountDownLatch(stdio.terminal() && out.kind() != StdioUri.Kind.NONE ? 1 : streams);
  }

  /**
   * A pipe for the process; {@code enlarge}d where the kernel allows, so that a process writing
   * 100 MB wakes the loop (and is woken) once per MiB instead of once per 64 KiB.
   */
  private static int[] pipe(boolean enlarge) throws ErrnoException {
    int[] p = Libc.pipe();
    if (enlarge) {
      Sink.enlargePipe(p[0]);
    }
    return p;
  }

  /** A copy owning {@code source}; on failure closes it, so that no descriptor leaks. */
  private Copy copy(String name, int source, Sink sink, boolean stdin, Runnable onEnd)
      throws ErrnoException {
    try {
      Copy c = new Copy(loop, name, source, sink, stdin, onEnd);
      copies.add(c);
      return c;
    } catch (ErrnoException | RuntimeException e) {
      Libc.closeQuietly(source);
      throw e;
    }
  }

  private void countDrained() {
    drained.countDown();
  }

  private void openStdinFifo(Path fifo) throws IOException {
    // O_RDWR never blocks on a FIFO; it lets the O_RDONLY and O_WRONLY opens below return at once.
    int rw = Libc.open(fifo, Libc.O_RDWR | Libc.O_CLOEXEC, 0);
    try {
      stdinReader = Libc.open(fifo, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
      stdinKeepAlive.set(Libc.open(fifo, Libc.O_WRONLY | Libc.O_CLOEXEC, 0));
    } finally {
      Libc.closeQuietly(rw);
    }
    // The client then writes more per wake-up of the loop; input it wrote and the process never
    // read is of no use after the process's end anyway.
    Sink.enlargePipe(stdinReader);
    if (!stdio.terminal()) {
      int[] p = pipe(true);
      childStdin = p[0];
      childFds.add(p[0]);
      Sink toProcess = pipeSink(p[1]);
      int reader = stdinReader;
      stdinReader = -1;
      unstarted.add(copy("stdin-" + id, reader, toProcess, true, () -> {}));
    }
  }

  /** A sink over a pipe's write end the shim owns, made non-blocking for the loop. */
  private static Sink pipeSink(int fd) throws ErrnoException {
    try {
      Libc.setNonBlocking(fd, true);
    } catch (ErrnoException e) {
      Libc.closeQuietly(fd);
      throw e;
    }
    return new Sink.Fd(fd);
  }

  private Sink sink(StdioUri uri, String stream) throws IOException {
    switch (uri.kind()) {
      case FIFO -> {
        Sink s = new Sink.Fifo(uri.path(), stream + "-" + id, loop);
        sinks.put(stream, s);
        return s;
      }
      case FILE -> {
        Sink shared = sinks.get("file");
        if (shared == null) {
          Path parent = uri.path().toAbsolutePath().getParent();
          if (parent != null) {
            Files.createDirectories(parent);
          }
          // Blocking on purpose: a regular file never says EAGAIN, and epoll cannot watch one.
          shared = new Sink.Fd(Libc.open(uri.path(),
              Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | Libc.O_CLOEXEC, 0666));
          sinks.put("file", shared);
        }
        sinks.put(stream, shared);
        return shared;
      }
      case BINARY -> {
        Sink s = sinks.get("logger-" + stream);
        sinks.put(stream, s);
        return s;
      }
      default -> throw new IllegalStateException("no sink for " + uri);
    }
  }

  /** Starts a {@code binary://} logger: fd 3 = stdout, fd 4 = stderr, fd 5 = readiness. */
  private void startLogger(StdioUri uri) throws IOException {
    int[] out = Libc.pipe();
    int[] err = Libc.pipe();
    int[] ready = Libc.pipe();
    List<String> argv = new ArrayList<>();
    argv.add(uri.path().toString());
    argv.addAll(uri.args());
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("CONTAINER_ID", id);
    env.put("CONTAINER_NAMESPACE", namespace);
    try {
      loggerPid =
          Libc.spawn(
              argv, env, new Libc.SpawnOptions(null, Map.of(3, out[0], 4, err[0], 5, ready[1]),
                  false));
    } catch (ErrnoException | RuntimeException e) {
      // Our ends too: nobody else will close them.
      Libc.closeQuietly(out[1]);
      Libc.closeQuietly(err[1]);
      Libc.closeQuietly(ready[0]);
      throw e;
    } finally {
      Libc.closeQuietly(out[0]);
      Libc.closeQuietly(err[0]);
      Libc.closeQuietly(ready[1]);
    }
    Reaper.watchChild(loggerPid, (pid, status) -> loggerExit.complete(status));
    try {
      sinks.put("logger-stdout", pipeSink(out[1]));
    } catch (ErrnoException e) {
      Libc.closeQuietly(err[1]);
      Libc.closeQuietly(ready[0]);
      throw e;
    }
    try {
      sinks.put("logger-stderr", pipeSink(err[1]));
    } catch (ErrnoException e) {
      Libc.closeQuietly(ready[0]);
      throw e;
    }
    // The logger signals readiness by writing a byte to, or closing, fd 5.
    InputStream r = FdStreams.input(ready[0]);
    CompletableFuture<Integer> signalled = new CompletableFuture<>();
    Thread.ofPlatform().daemon().name("logger-ready-" + id).start(() -> {
      try (r) {
        signalled.complete(r.read());
      } catch (IOException e) {
        signalled.completeExceptionally(e);
      }
    });
    try {
      signalled.get(LOGGER_READY.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      signal(loggerPid, Libc.SIGKILL);
      throw new IOException(
          "logging binary " + uri.path() + " did not signal readiness on fd 5 within "
              + LOGGER_READY.toSeconds() + " s");
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IOException("waiting for logging binary " + uri.path(), e);
    }
  }

  /** Applies this IO's child ends to a {@link ProcessBuilder} (through /proc/self/fd). */
  public void redirect(ProcessBuilder pb) {
    pb.redirectInput(childStdin < 0 ? Redirect.from(new File("/dev/null")) : procFd(childStdin, true));
    pb.redirectOutput(childStdout < 0 ? Redirect.DISCARD : procFd(childStdout, false));
    pb.redirectError(childStderr < 0 ? Redirect.DISCARD : procFd(childStderr, false));
  }

  /**
   * This IO's child ends as a {@link Libc.SpawnOptions} descriptor map (0, 1, 2 → the pipes);
   * streams without a pipe are left out, so the child gets {@code /dev/null} there.
   */
  public synchronized Map<Integer, Integer> childFds() {
    Map<Integer, Integer> fds = new HashMap<>();
    if (childStdin >= 0) {
      fds.put(0, childStdin);
    }
    if (childStdout >= 0) {
      fds.put(1, childStdout);
    }
    if (childStderr >= 0) {
      fds.put(2, childStderr);
    }
    return fds;
  }

  private static Redirect procFd(int fd, boolean input) {
    File f = new File("/proc/self/fd/" + fd);
    return input ? Redirect.from(f) : Redirect.appendTo(f);
  }

  /** Starts the copies; call once the process (or runc) holds the child ends. */
  public synchronized void start() {
    List<Copy> batch = List.copyOf(unstarted);
    unstarted.clear();
    if (!batch.isEmpty()) {
      loop.execute(() -> batch.forEach(Copy::start));
    }
    closeChildEnds();
  }

  /** Closes the shim's copies of the process's pipe ends, so that EOF can reach the copies. */
  public synchronized void closeChildEnds() {
    for (int fd : childFds) {
      Libc.closeQuietly(fd);
    }
    childFds.clear();
  }

  /** Takes ownership of a pty master and copies stdin FIFO → master → stdout sink. */
  public synchronized void attachConsole(int master) throws ErrnoException {
    consoleMaster = master;
    List<Copy> batch = new ArrayList<>();
    int reader = stdinReader;
    stdinReader = -1;
    if (reader >= 0) {
      batch.add(copy("stdin-" + id, reader, pipeSink(Libc.dup(master)), true, () -> {}));
    }
    Sink out = sinks.get("stdout");
    int fromPty = Libc.dup(master);
    if (out != null) {
      batch.add(copy("console-" + id, fromPty, out, false, this::countDrained));
    } else {
      batch.add(copy("console-" + id, fromPty, new Sink.Discard(), false, () -> {}));
    }
    loop.execute(() -> batch.forEach(Copy::start));
  }

  /** Sets the console size (ResizePty); a no-op without a console. */
  public void resize(int width, int height) throws ErrnoException {
    int m = consoleMaster;
    if (m >= 0) {
      Libc.setWinsize(m, new Libc.Winsize(height, width));
    }
  }

  /** CloseIO: drops the keep-alive writer, so stdin reaches EOF once the client closes too. */
  public void closeStdin() {
    // Atomic take: CloseIO and close() may race, and a second close(2) of the same number could
    // hit a descriptor reopened meanwhile (another container's pipe, a socket).
    int fd = stdinKeepAlive.getAndSet(-1);
    if (fd >= 0) {
      stdinTaken.accept(fd);
      Libc.closeQuietly(fd);
    }
  }

  /** Waits up to {@code timeout} for every output copy to reach end-of-file. */
  public boolean awaitDrained(Duration timeout) throws InterruptedException {
    return drained.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Bytes moved by splice(2) so far, in this JVM (for tests and diagnostics). */
  static final java.util.concurrent.atomic.AtomicLong SPLICED =
      new java.util.concurrent.atomic.AtomicLong();

  /** Whether output copies may use splice(2); off only to exercise the read/write path. */
  static volatile boolean spliceEnabled =
      !Boolean.getBoolean("dev.ttrpc.shim.io.noSplice");

  /**
   * Closes everything still open: copies end where they are (output not yet copied is dropped,
   * as when the descriptors of a thread-per-copy design are closed). Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeChildEnds();
    closeStdin();
    Libc.closeQuietly(stdinReader);
    stdinReader = -1;
    Libc.closeQuietly(consoleMaster);
    consoleMaster = -1;
    List<Copy> all = List.copyOf(copies);
    List<Sink> allSinks = List.copyOf(new java.util.LinkedHashSet<>(sinks.values()));
    unstarted.clear();
    try {
      if (!loop.call(() -> {
        all.forEach(Copy::end);
        allSinks.forEach(Sink::forceClose);
      }, CLOSE_WAIT)) {
        LOG.warn("closing the stdio of {}: the stdio loop did not answer within {} s", id,
            CLOSE_WAIT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (loggerPid > 0) {
      stopLogger(loggerPid, loggerExit);
      loggerPid = -1;
    }
  }

  /**
   * Asks the logger to finish (SIGTERM), and kills it if it is still there after {@link
   * #LOGGER_GRACE}. Its exit is collected by the {@link Reaper}, which watches it since start.
   */
  private static void stopLogger(int pid, CompletableFuture<Integer> exited) {
    if (exited.isDone()) {
      return;
    }
    signal(pid, Libc.SIGTERM);
    CompletableFuture.delayedExecutor(LOGGER_GRACE.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> {
          if (!exited.isDone()) {
            signal(pid, Libc.SIGKILL);
          }
        });
  }

  private static void signal(int pid, int signal) {
    try {
      Libc.kill(pid, signal);
    } catch (ErrnoException e) {
      LOG.debug("signalling logger {}: {}", pid, e.toString());
    }
  }
}
