package dev.ttrpc.shim.io;

import dev.ttrpc.shim.TaskException;
import dev.ttrpc.shim.reaper.Reaper;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.FdStreams;
import dev.ttrpc.shim.sys.Libc;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.concurrent.atomic.AtomicBoolean;
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
 *   <li>The stdin FIFO is read by a copier into the process's stdin pipe; the shim also holds a
 *       keep-alive writer on it, so the copier sees end-of-file only after {@link #closeStdin()}
 *       (the CloseIO request) and the client's own writer are both gone.
 *   <li>With a terminal, {@link #attachConsole(int)} takes the pty master (from runc's console
 *       socket or {@code openpty}) and copies stdin FIFO → master → stdout sink.
 * </ul>
 *
 * <p>Output copiers run on platform threads (their reads block in native code). Thread-safe.
 */
public final class ProcessIo implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessIo.class);
  private static final int BUFFER = 32 * 1024;
  /** Largest splice: a whole default pipe (16 pages). */
  private static final long SPLICE_CHUNK = 64 * 1024;
  private static final Duration LOGGER_GRACE = Duration.ofSeconds(12);
  private static final Duration LOGGER_READY = Duration.ofSeconds(10);

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
  private final List<Runnable> starts = new ArrayList<>();
  private CountDownLatch drained = new CountDownLatch(0);
  private int loggerPid = -1;
  private final CompletableFuture<Integer> loggerExit = new CompletableFuture<>();
  private volatile boolean closed;
  /**
   * Told the number of the stdin keep-alive writer by the caller that took it, just before that
   * caller closes it; a no-op except in tests, which pause here to race a second closer.
   */
  private final IntConsumer stdinTaken;

  private ProcessIo(Stdio stdio, String namespace, String id, IntConsumer stdinTaken) {
    this.stdio = stdio;
    this.namespace = namespace;
    this.id = id;
    this.stdinTaken = stdinTaken;
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
    ProcessIo io = new ProcessIo(stdio, namespace, id, stdinTaken);
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
        continue; // The console copier is set up by attachConsole.
      }
      streams++;
      int[] p = Libc.pipe();
      childFds.add(p[1]);
      if (i == 0) {
        childStdout = p[1];
      } else {
        childStderr = p[1];
      }
      int source = p[0];
      starts.add(() -> startPipeCopier(stream + "-" + id, source, sink));
    }
    drained = new CountDownLatch(stdio.terminal() && out.kind() != StdioUri.Kind.NONE ? 1 : streams);
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
    if (!stdio.terminal()) {
      int[] p = Libc.pipe();
      childStdin = p[0];
      childFds.add(p[0]);
      int reader = stdinReader;
      stdinReader = -1;
      starts.add(
          () -> startStdinCopier(FdStreams.input(reader), FdStreams.output(p[1])));
    }
  }

  private Sink sink(StdioUri uri, String stream) throws IOException {
    switch (uri.kind()) {
      case FIFO -> {
        Sink s = new Sink(new FifoOutput(uri.path(), stream + "-" + id));
        s.users.incrementAndGet();
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
          shared = new Sink(new FileOutputStream(uri.path().toFile(), true));
          sinks.put("file", shared);
        }
        shared.users.incrementAndGet();
        sinks.put(stream, shared);
        return shared;
      }
      case BINARY -> {
        Sink s = sinks.get("logger-" + stream);
        s.users.incrementAndGet();
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
    sinks.put("logger-stdout", new Sink(FdStreams.output(out[1])));
    sinks.put("logger-stderr", new Sink(FdStreams.output(err[1])));
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

  /** Starts the copiers; call once the process (or runc) holds the child ends. */
  public synchronized void start() {
    for (Runnable r : starts) {
      r.run();
    }
    starts.clear();
    closeChildEnds();
  }

  /** Closes the shim's copies of the process's pipe ends, so that EOF can reach the copiers. */
  public synchronized void closeChildEnds() {
    for (int fd : childFds) {
      Libc.closeQuietly(fd);
    }
    childFds.clear();
  }

  /** Takes ownership of a pty master and copies stdin FIFO → master → stdout sink. */
  public synchronized void attachConsole(int master) throws ErrnoException {
    consoleMaster = master;
    int reader = stdinReader;
    stdinReader = -1;
    if (reader >= 0) {
      startStdinCopier(FdStreams.input(reader), FdStreams.output(Libc.dup(master)));
    }
    Sink out = sinks.get("stdout");
    InputStream fromPty = FdStreams.input(Libc.dup(master));
    if (out != null) {
      startCopier("console-" + id, fromPty, out);
    } else {
      startCopier("console-" + id, fromPty, new Sink(OutputStream.nullOutputStream()));
    }
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

  /** Waits up to {@code timeout} for every output copier to reach end-of-file. */
  public boolean awaitDrained(Duration timeout) throws InterruptedException {
    return drained.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void startStdinCopier(InputStream from, OutputStream to) {
    Thread.ofPlatform()
        .daemon()
        .name("stdin-" + id)
        .stackSize(256 * 1024)
        .start(
            () -> {
              byte[] buf = new byte[BUFFER];
              try (from;
                  to) {
                int n;
                while ((n = from.read(buf)) > 0) {
                  to.write(buf, 0, n);
                }
              } catch (IOException e) {
                if (!closed) {
                  LOG.debug("stdin copy of " + id + " ended", e);
                }
              }
            });
  }

  /**
   * Copies the process's output pipe {@code source} into {@code sink}: inside the kernel with
   * splice(2) while the sink takes it (a client FIFO), else (a file opened for appending, which
   * the kernel refuses to splice into, a logger pipe, or after a failed splice) with read/write.
   * Owns {@code source}.
   */
  private void startPipeCopier(String name, int source, Sink sink) {
    if (!(sink.out instanceof FifoOutput fifo) || !spliceEnabled) {
      startCopier(name, FdStreams.input(source), sink);
      return;
    }
    Thread.ofPlatform()
        .daemon()
        .name(name)
        .stackSize(256 * 1024)
        .start(
            () -> {
              boolean handedOver = false;
              try {
                while (true) {
                  long n = fifo.spliceFrom(source);
                  if (n == 0) {
                    return; // End of the process's output.
                  }
                  if (n > 0) {
                    SPLICED.addAndGet(n);
                  }
                  if (n < 0) {
                    // The kernel cannot splice here: the plain copier takes over, same sink.
                    handedOver = true;
                    runCopier(name, FdStreams.input(source), sink);
                    return;
                  }
                }
              } catch (IOException e) {
                // The sink failed (closed): keep draining so the process never blocks.
                handedOver = true;
                LOG.debug(name + ": splice into the sink failed, discarding output", e);
                runCopier(name, FdStreams.input(source), new Sink(OutputStream.nullOutputStream()),
                    sink);
              } finally {
                if (!handedOver) {
                  Libc.closeQuietly(source);
                  sink.release();
                  drained.countDown();
                }
              }
            });
  }

  /** Bytes moved by splice(2) so far, in this JVM (for tests and diagnostics). */
  static final java.util.concurrent.atomic.AtomicLong SPLICED =
      new java.util.concurrent.atomic.AtomicLong();

  /** Whether output copies may use splice(2); off only to exercise the read/write path. */
  static volatile boolean spliceEnabled =
      !Boolean.getBoolean("dev.ttrpc.shim.io.noSplice");

  private void startCopier(String name, InputStream from, Sink sink) {
    Thread.ofPlatform()
        .daemon()
        .name(name)
        .stackSize(256 * 1024)
        .start(() -> runCopier(name, from, sink));
  }

  private void runCopier(String name, InputStream from, Sink sink) {
    runCopier(name, from, sink, sink);
  }

  /** Copies {@code from} into {@code sink} until EOF; then releases {@code owner}. */
  private void runCopier(String name, InputStream from, Sink sink, Sink owner) {
    byte[] buf = new byte[BUFFER];
    boolean sinkOk = true;
    try (from) {
      int n;
      while ((n = from.read(buf)) > 0) {
        if (sinkOk) {
          try {
            sink.write(buf, n);
          } catch (IOException e) {
            // Keep draining: a vanished reader must not block or kill the process.
            sinkOk = false;
            LOG.debug(name + ": sink failed, discarding output", e);
          }
        }
      }
    } catch (IOException e) {
      if (!closed) {
        LOG.debug(name + " ended", e);
      }
    } finally {
      owner.release();
      drained.countDown();
    }
  }

  /** Closes everything still open; copiers end as their descriptors go. Idempotent. */
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
    for (Sink s : sinks.values()) {
      s.forceClose();
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

  /** An output target possibly shared by stdout and stderr; closed when its last user is done. */
  private static final class Sink {
    final OutputStream out;
    final AtomicInteger users = new AtomicInteger();
    private final Object writeLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();

    Sink(OutputStream out) {
      this.out = out;
    }

    void write(byte[] b, int n) throws IOException {
      synchronized (writeLock) {
        out.write(b, 0, n);
      }
    }

    void release() {
      if (users.decrementAndGet() <= 0) {
        forceClose();
      }
    }

    /** Closes without waiting for a writer blocked on a client that never came. */
    void forceClose() {
      if (closed.compareAndSet(false, true)) {
        try {
          out.close();
        } catch (IOException e) {
          LOG.debug("closing a sink", e);
        }
      }
    }
  }

  /**
   * A client's output FIFO, opened as containerd's runc shim does: write-only, waiting (in the
   * background) until the client has opened its reading end, then read-only by the shim too, so
   * that a client leaving later never causes EPIPE. Writes wait for the client; until then the
   * output stays in the process's pipe. Waiting for the client first matters: a FIFO drops its
   * buffered data when its last descriptor closes, so output written and closed before the
   * client's reader arrived would be lost.
   */
  private static final class FifoOutput extends OutputStream {
    private final Path fifo;
    private final CompletableFuture<int[]> fds = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Held while writing; the writer descriptor is closed only by its holder. */
    private final java.util.concurrent.locks.ReentrantLock writing =
        new java.util.concurrent.locks.ReentrantLock();
    private final java.lang.foreign.MemorySegment buffer =
        java.lang.foreign.Arena.ofAuto().allocate(BUFFER);
    private boolean writerClosed;

    FifoOutput(Path fifo, String name) {
      this.fifo = fifo;
      Thread.ofPlatform()
          .daemon()
          .name("fifo-open-" + name)
          .stackSize(128 * 1024)
          .start(
              () -> {
                try {
                  int w = Libc.open(fifo, Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
                  int r = Libc.open(fifo, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
                  fds.complete(new int[] {w, r});
                } catch (ErrnoException e) {
                  fds.completeExceptionally(e);
                }
              });
    }

    private int writer() throws IOException {
      try {
        return fds.get()[0];
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the reader of " + fifo, e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException("opening " + fifo, e.getCause());
      }
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      int w = writer();
      writing.lock();
      try {
        while (len > 0) {
          if (closed.get()) {
            throw new IOException("closed");
          }
          int chunk = Math.min(len, BUFFER);
          java.lang.foreign.MemorySegment.copy(
              b, off, buffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, chunk);
          Libc.writeFully(w, buffer, chunk);
          off += chunk;
          len -= chunk;
        }
      } finally {
        closeWriterIfClosed();
        writing.unlock();
      }
    }

    /**
     * Moves what {@code source} (a pipe) holds into the FIFO with splice(2), waiting for the
     * client's reader first as {@link #write} does. Returns the bytes moved, 0 at the end of
     * {@code source}, or -1 if the kernel cannot splice between the two.
     */
    long spliceFrom(int source) throws IOException {
      int w = writer();
      writing.lock();
      try {
        if (closed.get()) {
          throw new IOException("closed");
        }
        return Libc.splice(source, w, SPLICE_CHUNK, Libc.SPLICE_F_MOVE);
      } catch (ErrnoException e) {
        if (e.errno() == dev.ttrpc.shim.sys.Errno.EINVAL) {
          return -1;
        }
        throw e;
      } finally {
        closeWriterIfClosed();
        writing.unlock();
      }
    }

    /** Called with the lock held. */
    private void closeWriterIfClosed() {
      if (closed.get() && !writerClosed && fds.isDone() && !fds.isCompletedExceptionally()) {
        writerClosed = true;
        Libc.closeQuietly(fds.join()[0]);
      }
    }

    @Override
    public void close() {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      int unblock = -1;
      if (!fds.isDone()) {
        // Nobody ever opened the reading end: become the reader so the blocked open returns.
        try {
          unblock = Libc.open(fifo, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        } catch (ErrnoException e) {
          LOG.debug("unblocking " + fifo, e);
        }
      }
      try {
        int[] f = fds.get(5, TimeUnit.SECONDS);
        Libc.closeQuietly(f[1]);
        Libc.closeQuietly(unblock);
        // A writer blocked on a full pipe keeps the lock; it closes the descriptor when its write
        // ends (at the latest when the client's reader goes away).
        if (writing.tryLock()) {
          try {
            closeWriterIfClosed();
          } finally {
            writing.unlock();
          }
        }
      } catch (Exception e) {
        Libc.closeQuietly(unblock);
        LOG.debug("closing " + fifo, e);
      }
    }
  }
}
