package dev.ttrpc.shim.io;

import dev.ttrpc.shim.sys.Errno;
import dev.ttrpc.shim.sys.ErrnoException;
import dev.ttrpc.shim.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread that drives every stdio copy of the daemon: an epoll set over non-blocking
 * descriptors, level-triggered, with a task queue (woken through an eventfd) and one-shot timers.
 * A container adds descriptors, not threads.
 *
 * <p>Threading: {@link #execute}, {@link #call} and {@link #inLoop} may be called from any thread;
 * everything else, and every {@link Handler}, runs on the loop thread only, so the state of the
 * copies needs no locks. Handlers must not block: a blocking call would stall every container's
 * output.
 */
final class IoLoop {
  private static final Logger LOG = LoggerFactory.getLogger(IoLoop.class);
  private static final int MAX_EVENTS = 64;
  /** The largest single read or splice; also the size of the shared read/write buffer. */
  static final int CHUNK = 1024 * 1024;

  private static IoLoop shared;

  /** Reacts to readiness of a registered descriptor (its epoll event mask). Loop thread only. */
  interface Handler {
    void ready(int events);
  }

  private final int epfd;
  private final int wakeFd;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Map<Long, Handler> handlers = new HashMap<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final MemorySegment wakeBuffer = Arena.ofAuto().allocate(8);
  /** The read/write buffer shared by every copy that cannot splice (loop thread only). */
  final MemorySegment scratch = Arena.ofAuto().allocate(CHUNK);
  /** Errno and result room for the loop's calls (loop thread only). */
  final Libc.CallState calls = new Libc.CallState(Arena.ofAuto());
  private long nextToken = 1;

  private record Timer(long due, long seq, Runnable task) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(due, o.due);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private IoLoop() throws ErrnoException {
    epfd = Libc.epollCreate();
    int w;
    try {
      w = Libc.eventfd();
      Libc.epollCtl(epfd, Libc.EPOLL_CTL_ADD, w, Libc.EPOLLIN, 0L);
    } catch (ErrnoException | RuntimeException e) {
      Libc.closeQuietly(epfd);
      throw e;
    }
    wakeFd = w;
    thread = Thread.ofPlatform().daemon().name("stdio-loop").stackSize(256 * 1024)
        .unstarted(this::run);
    thread.start();
  }

  /** The daemon's loop, started on first use and never stopped (it idles in epoll_wait). */
  static synchronized IoLoop shared() throws ErrnoException {
    if (shared == null) {
      shared = new IoLoop();
    }
    return shared;
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on the loop thread, after the tasks submitted before it. */
  void execute(Runnable task) {
    tasks.add(task);
    if (!inLoop() && wakePending.compareAndSet(false, true)) {
      wake(1);
    }
  }

  /**
   * Runs {@code task} on the loop thread and waits up to {@code timeout} for it (directly when
   * called on the loop thread). Returns whether it ran.
   */
  boolean call(Runnable task, Duration timeout) throws InterruptedException {
    if (inLoop()) {
      task.run();
      return true;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    execute(() -> {
      try {
        task.run();
      } finally {
        done.complete(null);
      }
    });
    try {
      done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      return false;
    }
  }

  private void wake(long value) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment v = arena.allocate(8);
      v.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, value);
      long n = Libc.writeNonBlocking(new Libc.CallState(arena), wakeFd, v, 8);
      if (n < 0 && n != -Errno.EAGAIN) {
        LOG.warn("waking the stdio loop failed: {}", Errno.name((int) -n));
      }
    }
  }

  /** Runs {@code task} on the loop thread after {@code delay}. Loop thread only. */
  void schedule(Duration delay, Runnable task) {
    timers.add(new Timer(System.nanoTime() + delay.toNanos(), nextToken++, task));
  }

  /**
   * Adds {@code fd} to the epoll set for {@code events}; returns the token to pass to {@link
   * #remove}. Loop thread only.
   */
  long add(int fd, int events, Handler handler) throws ErrnoException {
    long token = nextToken++;
    Libc.epollCtl(epfd, Libc.EPOLL_CTL_ADD, fd, events, token);
    handlers.put(token, handler);
    return token;
  }

  /**
   * Takes {@code fd} out of the epoll set; events already fetched for {@code token} are dropped.
   * Call before closing {@code fd}: the set holds the open file, not the number, so a copy of the
   * descriptor elsewhere would keep it reporting. Loop thread only.
   */
  void remove(int fd, long token) {
    if (handlers.remove(token) != null) {
      try {
        Libc.epollCtl(epfd, Libc.EPOLL_CTL_DEL, fd, 0, 0L);
      } catch (ErrnoException e) {
        LOG.debug("removing fd {} from the stdio loop: {}", fd, e.toString());
      }
    }
  }

  private void run() {
    MemorySegment events = Arena.ofAuto().allocate(Libc.EPOLL_EVENT_SIZE * MAX_EVENTS, 8);
    while (true) {
      try {
        int timeout = runTimersAndTasks();
        int n = Libc.epollWait(calls, epfd, events, MAX_EVENTS, timeout);
        for (int i = 0; i < n; i++) {
          long token = Libc.epollData(events, i);
          if (token == 0L) {
            // Drain first, then allow new wake-ups: the other order could swallow a wake-up
            // whose task is queued after this round's tasks ran.
            Libc.readNonBlocking(calls, wakeFd, wakeBuffer, 8);
            wakePending.set(false);
            continue;
          }
          Handler h = handlers.get(token);
          if (h != null) {
            dispatch(h, Libc.epollEvents(events, i));
          }
        }
      } catch (ErrnoException | RuntimeException e) {
        // The loop must outlive any one copy's failure, or every container's output would stop.
        LOG.error("stdio loop", e);
      }
    }
  }

  private static void dispatch(Handler h, int events) {
    try {
      h.ready(events);
    } catch (RuntimeException e) {
      LOG.error("stdio copy failed", e);
    }
  }

  /** Runs due timers and queued tasks; returns the epoll timeout until the next timer. */
  private int runTimersAndTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      runSafely(task);
    }
    long now = System.nanoTime();
    Timer t;
    while ((t = timers.peek()) != null && t.due - now <= 0) {
      timers.poll();
      runSafely(t.task);
    }
    if (!tasks.isEmpty()) {
      return 0; // Queued by a timer, without a wake-up.
    }
    if (t == null) {
      return -1;
    }
    return (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(t.due - now + 999_999));
  }

  private static void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("stdio loop task failed", e);
    }
  }
}
