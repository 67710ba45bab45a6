package dev.ttrpc.conformance.bench;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.conformance.interop.Flags;
import dev.ttrpc.conformance.interop.Payload;
import dev.ttrpc.conformance.interop.SimpleRequest;
import dev.ttrpc.conformance.interop.SimpleResponse;
import dev.ttrpc.conformance.interop.TestServiceTtrpc;
import dev.ttrpc.conformance.interop.TestServiceTtrpc.TestServiceStub;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop unary load tool for any {@code ttrpc.interop.TestService} server (the Java interop
 * server or the Go peer's): {@code concurrency} callers spread over {@code connections}
 * connections, each issuing {@code UnaryCall} echoes of {@code payload} random bytes back to back.
 * Every response is checked (same bytes back, {@code received_payload_size} right, OK status);
 * the first wrong or failed call ends the run, because the throughput of failing calls means
 * nothing. It measures as the Go peer's {@code -bench} mode does (same request, nearest-rank
 * percentiles), so the two can be compared point by point.
 *
 * <p>First, an unmeasured JIT warm-up runs every payload size (default 15 s in all), so that the
 * JVMs on both ends have compiled their hot paths, as in a long-running service. Each point then
 * runs its own warm-up and a measured phase of fixed length, and reports calls per
 * second, p50 and p99 latency, and the heap bytes allocated per call by this process (all its
 * threads) and, with {@code --server_stats} against the Java interop server started with {@code
 * --stats}, by the server's JVM (see {@link ServerStats}).
 *
 * <pre>
 * bench --address unix:///PATH [--concurrency 1,16,64] [--payload 64,65536,1048576]
 *       [--warmup 1s] [--duration 3s] [--connections 1] [--server_stats] [--threads virtual|platform]
 *       [--jit_warmup 15s]
 * </pre>
 *
 * Prints one {@code BENCH ...} line per point; exit status 1 if a call failed, 2 on bad flags.
 */
public final class Bench {
  private Bench() {}

  /** How callers run: one virtual thread or one platform thread each. */
  public enum Threads {
    VIRTUAL,
    PLATFORM
  }

  /**
   * One benchmark point.
   *
   * @param concurrency callers issuing calls back to back
   * @param payloadSize request (and echoed response) payload bytes
   * @param connections connections the callers are spread over
   * @param warmup unmeasured phase before the measured one
   * @param duration length of the measured phase
   * @param serverStats whether to ask the server for its allocation ({@link ServerStats})
   * @param threads how callers run
   */
  public record Config(
      int concurrency,
      int payloadSize,
      int connections,
      Duration warmup,
      Duration duration,
      boolean serverStats,
      Threads threads) {
    public Config {
      if (concurrency < 1 || payloadSize < 0 || connections < 1) {
        throw new IllegalArgumentException(
            "need concurrency >= 1, payload >= 0 and connections >= 1");
      }
      if (duration.isNegative() || duration.isZero() || warmup.isNegative()) {
        throw new IllegalArgumentException("need a positive duration and a warm-up >= 0");
      }
      requireNonNull(threads, "threads");
    }
  }

  /**
   * The measured phase of one point.
   *
   * @param config the point
   * @param calls calls completed in the measured phase
   * @param elapsedNanos length of the measured phase, until the last call finished
   * @param p50Nanos median latency
   * @param p99Nanos 99th percentile latency
   * @param clientBytesPerCall heap bytes this JVM allocated per call, or -1 if unknown
   * @param serverBytesPerCall heap bytes the server's JVM allocated per call, or -1 if unknown
   */
  public record Result(
      Config config,
      long calls,
      long elapsedNanos,
      long p50Nanos,
      long p99Nanos,
      long clientBytesPerCall,
      long serverBytesPerCall) {

    public double callsPerSecond() {
      return calls / (elapsedNanos / 1e9);
    }

    /** The line printed per point: the Go bench's fields, then the allocation figures. */
    public String line() {
      return String.format(
          Locale.ROOT,
          "BENCH concurrency=%d connections=%d payload=%d calls=%d elapsed=%.3fs"
              + " calls_per_sec=%.0f p50_us=%d p99_us=%d client_alloc_bytes_per_call=%s"
              + " server_alloc_bytes_per_call=%s",
          config.concurrency(),
          config.connections(),
          config.payloadSize(),
          calls,
          elapsedNanos / 1e9,
          callsPerSecond(),
          TimeUnit.NANOSECONDS.toMicros(p50Nanos),
          TimeUnit.NANOSECONDS.toMicros(p99Nanos),
          clientBytesPerCall < 0 ? "n/a" : Long.toString(clientBytesPerCall),
          serverBytesPerCall < 0 ? "n/a" : Long.toString(serverBytesPerCall));
    }
  }

  /** A call failed or returned a wrong answer; the run is void. */
  public static final class BenchFailure extends Exception {
    private static final long serialVersionUID = 1L;

    BenchFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Runs one point against the server at {@code address}. */
  public static Result run(String address, Config config) throws IOException, BenchFailure {
    requireNonNull(address, "address");
    requireNonNull(config, "config");
    List<TtrpcClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < config.connections(); i++) {
        clients.add(TtrpcClient.connect(address));
      }
      return run(clients, config);
    } finally {
      for (TtrpcClient client : clients) {
        client.close();
      }
    }
  }

  private static Result run(List<TtrpcClient> clients, Config config) throws BenchFailure {
    byte[] body = new byte[config.payloadSize()];
    new Random(1).nextBytes(body);
    SimpleRequest request =
        SimpleRequest.newBuilder()
            .setPayload(Payload.newBuilder().setBody(UnsafeByteOperations.unsafeWrap(body)))
            .build();
    List<TestServiceStub> stubs = new ArrayList<>();
    for (TtrpcClient client : clients) {
      stubs.add(TestServiceTtrpc.newStub(client));
    }

    Phase warmup = new Phase(stubs, request, config, 16, false);
    warmup.run(config.warmup());
    // Size the latency arrays from the warm-up rate so that recording allocates nothing.
    double warmupSeconds = Math.max(config.warmup().toNanos() / 1e9, 1e-3);
    long perCaller =
        (long) (warmup.calls() / warmupSeconds * (config.duration().toNanos() / 1e9) * 1.5
                / config.concurrency())
            + 1024;
    Phase measured =
        new Phase(stubs, request, config, (int) Math.min(perCaller, 1 << 26), true);

    long serverBefore = config.serverStats() ? ServerStats.snapshot(clients.get(0)).allocatedBytes() : -1;
    long clientBefore = AllocationCounter.totalAllocatedBytes();
    long elapsed = measured.run(config.duration());
    long clientAfter = AllocationCounter.totalAllocatedBytes();
    long serverAfter = config.serverStats() ? ServerStats.snapshot(clients.get(0)).allocatedBytes() : -1;

    long[] sorted = LatencyRecorder.sortedUnion(measured.recorders());
    if (sorted.length == 0) {
      throw new BenchFailure("no call completed in the measured phase", null);
    }
    long calls = sorted.length;
    return new Result(
        config,
        calls,
        elapsed,
        LatencyRecorder.percentile(sorted, 50),
        LatencyRecorder.percentile(sorted, 99),
        clientBefore < 0 ? -1 : (clientAfter - clientBefore) / calls,
        serverBefore < 0 ? -1 : (serverAfter - serverBefore) / calls);
  }

  /** The callers of one phase; {@link #run} starts them together and waits for them all. */
  private static final class Phase {
    private final List<Caller> callers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch start = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile long stopAt;

    Phase(
        List<TestServiceStub> stubs,
        SimpleRequest request,
        Config config,
        int expectedPerCaller,
        boolean record) {
      for (int i = 0; i < config.concurrency(); i++) {
        Caller caller =
            new Caller(stubs.get(i % stubs.size()), request, new LatencyRecorder(expectedPerCaller), record);
        callers.add(caller);
        Thread.Builder builder =
            config.threads() == Threads.VIRTUAL ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
        threads.add(builder.name("bench-caller-" + i).unstarted(caller));
      }
    }

    /** Runs the phase for {@code length}; returns its elapsed time until the last call ended. */
    long run(Duration length) throws BenchFailure {
      for (Thread t : threads) {
        t.start();
      }
      long begin = System.nanoTime();
      stopAt = begin + length.toNanos();
      start.countDown();
      long joinDeadline = stopAt + TimeUnit.MINUTES.toNanos(1);
      try {
        for (Thread t : threads) {
          long left = joinDeadline - System.nanoTime();
          if (left <= 0 || !t.join(Duration.ofNanos(left))) {
            failure.compareAndSet(null, new IllegalStateException("a call did not finish within 1 min"));
            throw new BenchFailure("a call did not finish within 1 min of the phase's end", null);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure.compareAndSet(null, e);
        throw new BenchFailure("interrupted", e);
      }
      long elapsed = System.nanoTime() - begin;
      Throwable failed = failure.get();
      if (failed != null) {
        throw new BenchFailure("call failed: " + failed, failed);
      }
      return elapsed;
    }

    long calls() {
      long total = 0;
      for (Caller c : callers) {
        total += c.calls;
      }
      return total;
    }

    List<LatencyRecorder> recorders() {
      List<LatencyRecorder> result = new ArrayList<>();
      for (Caller c : callers) {
        result.add(c.recorder);
      }
      return result;
    }

    /** One caller: calls back to back until the phase ends or any caller fails. */
    private final class Caller implements Runnable {
      private final TestServiceStub stub;
      private final SimpleRequest request;
      private final ByteString expected;
      private final ByteBuffer expectedBuffer;
      private final LatencyRecorder recorder;
      private final boolean record;
      private long calls;

      Caller(TestServiceStub stub, SimpleRequest request, LatencyRecorder recorder, boolean record) {
        this.stub = stub;
        this.request = request;
        this.expected = request.getPayload().getBody();
        this.expectedBuffer = expected.asReadOnlyByteBuffer();
        this.recorder = recorder;
        this.record = record;
      }

      @Override
      public void run() {
        try {
          start.await();
          long end = stopAt;
          while (failure.get() == null) {
            long begin = System.nanoTime();
            if (begin - end >= 0) {
              break;
            }
            SimpleResponse response = stub.unaryCall(request);
            long latency = System.nanoTime() - begin;
            check(response);
            if (record) {
              recorder.record(latency);
            }
            calls++;
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      }

      private void check(SimpleResponse response) {
        if (response.getReceivedPayloadSize() != expected.size()) {
          throw new IllegalStateException(
              "server received " + response.getReceivedPayloadSize() + " bytes, sent "
                  + expected.size());
        }
        // ByteBuffer.equals compares with vectorized mismatch (as Go's bytes.Equal uses memcmp);
        // ByteString.equals goes byte by byte and would dominate the client's time at 1 MiB.
        if (!response.getPayload().getBody().asReadOnlyByteBuffer().equals(expectedBuffer)) {
          throw new IllegalStateException(
              "echoed payload (" + response.getPayload().getBody().size()
                  + " bytes) differs from the " + expected.size() + " bytes sent");
        }
      }
    }
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  private static int run(String[] args) {
    String address;
    List<Integer> concurrencies;
    List<Integer> payloads;
    int connections;
    Duration warmup;
    Duration duration;
    boolean serverStats;
    Threads threads;
    Duration jitWarmup;
    try {
      Flags flags =
          Flags.parse(
              args,
              List.of(
                  "address", "concurrency", "payload", "warmup", "duration", "connections",
                  "threads", "jit_warmup"),
              List.of("server_stats", "help"));
      if (flags.has("help")) {
        System.out.println(usage());
        return 0;
      }
      flags.require("address");
      address = flags.get("address");
      concurrencies = flags.intList("concurrency", "1,16,64");
      payloads = flags.intList("payload", "64,65536,1048576");
      connections = flags.intValue("connections", 1);
      warmup = flags.duration("warmup", Duration.ofSeconds(1));
      duration = flags.duration("duration", Duration.ofSeconds(3));
      jitWarmup = flags.duration("jit_warmup", Duration.ofSeconds(15));
      serverStats = flags.has("server_stats");
      threads = Threads.valueOf(flags.get("threads", "virtual").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.err.println(usage());
      return 2;
    }
    if (!AllocationCounter.isSupported()) {
      System.err.println("bench: this JVM cannot count allocated bytes; reporting n/a");
    }
    try {
      jitWarmup(address, payloads, concurrencies, connections, jitWarmup, threads);
    } catch (IOException e) {
      System.err.println("bench: cannot connect to " + address + ": " + e);
      return 1;
    } catch (BenchFailure | RuntimeException e) {
      System.err.println("bench: warm-up: " + e.getMessage());
      return 1;
    }
    for (int payload : payloads) {
      for (int concurrency : concurrencies) {
        Config config =
            new Config(concurrency, payload, connections, warmup, duration, serverStats, threads);
        try {
          System.out.println(run(address, config).line());
          System.out.flush();
        } catch (IOException e) {
          System.err.println("bench: cannot connect to " + address + ": " + e);
          return 1;
        } catch (BenchFailure | RuntimeException e) {
          System.err.println(
              "bench: concurrency=" + concurrency + " payload=" + payload + ": " + e.getMessage());
          return 1;
        }
      }
    }
    return 0;
  }

  /**
   * Before the first point: runs every payload size at the lowest and the highest concurrency,
   * unmeasured, for {@code total} altogether, so that both JVMs (this one and a Java server) have
   * compiled the paths of every point before any is measured, as a long-running service has.
   * The per-point warm-up then only settles the point's own load.
   */
  private static void jitWarmup(
      String address,
      List<Integer> payloads,
      List<Integer> concurrencies,
      int connections,
      Duration total,
      Threads threads)
      throws IOException, BenchFailure {
    if (total.isZero()) {
      return;
    }
    int lowest = concurrencies.stream().min(Integer::compare).orElseThrow();
    int highest = concurrencies.stream().max(Integer::compare).orElseThrow();
    List<int[]> points = new ArrayList<>();
    for (int payload : payloads) {
      points.add(new int[] {lowest, payload});
      if (highest != lowest) {
        points.add(new int[] {highest, payload});
      }
    }
    Duration each = total.dividedBy(points.size());
    for (int[] point : points) {
      run(address, new Config(point[0], point[1], connections, Duration.ZERO, each, false, threads));
    }
  }

  private static String usage() {
    return "usage: bench --address unix:///PATH [--concurrency 1,16,64]"
        + " [--payload 64,65536,1048576]\n"
        + "             [--warmup 1s] [--duration 3s] [--connections 1] [--server_stats]"
        + " [--threads virtual|platform]\n"
        + "             [--jit_warmup 15s]\n"
        + "  --server_stats  ask the server (Java interop server started with --stats) for its"
        + " allocation\n"
        + "  --jit_warmup    unmeasured load over every payload before the first point (0s: none)";
  }
}
