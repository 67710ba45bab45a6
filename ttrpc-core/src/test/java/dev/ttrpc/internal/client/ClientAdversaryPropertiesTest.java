package dev.ttrpc.internal.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.CallOptions;
import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.StreamReceiver;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.RequestEnvelope;
import dev.ttrpc.testing.AnchorServer;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.StreamService;
import dev.ttrpc.testing.TestService;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * A real client against a fake server on a raw Unix socket that answers its calls with generated
 * frames: wrong stream ids, duplicated answers, Data on unary calls, broken envelopes, unknown
 * types, oversized frames, garbage, silence and closes mid-frame. Every call ends as the frames
 * sent decide, or at its deadline, or when the socket closes, never later; the client stays in
 * sync after every well-formed frame, closes, and leaves no buffer behind. Two more properties
 * block the client's writes: a server that reads nothing cannot hang calls or stream sends past
 * their deadline or its close, and a stream the server ends releases a sender blocked on it.
 */
class ClientAdversaryPropertiesTest {
  private static final int MAX = 2048;
  private static final long LAST_ID = 0xFFFF_FFFFL;
  /** How late a call may end after the moment that ends it, on a loaded machine. */
  private static final Duration MARGIN = Duration.ofSeconds(2);
  /** The deadline of calls that the socket's close must end long before. */
  private static final Duration LONG_DEADLINE = Duration.ofSeconds(30);

  private static Path dir;
  private static AnchorServer anchor;
  private static final AtomicInteger sockets = new AtomicInteger();

  /**
   * Holds the shared event loops for the whole class: were they stopped after each try's client,
   * their termination would end every call and hide a call the client failed to end.
   */
  @BeforeContainer
  static void start() throws IOException {
    anchor = AnchorServer.start("ttrpc-client-adversary");
    dir = anchor.dir();
  }

  @AfterContainer
  static void noLeaks() throws Exception {
    anchor.stop();
  }

  enum Kind {
    OK,
    STATUS,
    WRONG_ID,
    DUPLICATE,
    DATA,
    BAD_ENVELOPE,
    RAW_FRAME,
    OVERSIZED
  }

  /** How the fake server leaves things after its answers. */
  enum Ending {
    /** Closes the socket. */
    CLOSE,
    /** Writes part of a frame, then closes. */
    CLOSE_MID_FRAME,
    /** Stays silent; then answers one more call properly. */
    OPEN,
    /** Writes random bytes and stays silent. */
    GARBAGE,
    /** Announces a frame far over the limit, sends part of it and stays silent. */
    HUGE
  }

  record AnswerSpec(Kind kind, int call, int variant, int flags, int seed, byte[] bytes) {}

  record Plan(List<Boolean> streams, List<AnswerSpec> answers, Ending ending, int deadlineMillis,
      byte[] tail) {
    @Override
    public String toString() {
      return "Plan{calls=" + streams.stream().map(s -> s ? "stream" : "unary").toList()
          + ", ending=" + ending + ", deadline=" + deadlineMillis + "ms, answers="
          + answers.stream().map(a -> a.kind() + "(call " + a.call() + ", v" + a.variant()
              + ", flags " + a.flags() + ", " + a.bytes().length + " bytes)").toList() + "}";
    }
  }

  @Provide
  Arbitrary<Plan> plans() {
    Arbitrary<Kind> kinds = Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.just(Kind.OK)),
        Tuple.of(2, Arbitraries.just(Kind.STATUS)),
        Tuple.of(2, Arbitraries.just(Kind.WRONG_ID)),
        Tuple.of(2, Arbitraries.just(Kind.DUPLICATE)),
        Tuple.of(4, Arbitraries.just(Kind.DATA)),
        Tuple.of(2, Arbitraries.just(Kind.BAD_ENVELOPE)),
        Tuple.of(2, Arbitraries.just(Kind.RAW_FRAME)),
        Tuple.of(1, Arbitraries.just(Kind.OVERSIZED)));
    Arbitrary<Integer> flags = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just(0)),
        Tuple.of(2, Arbitraries.just(1)),
        Tuple.of(1, Arbitraries.just(4)),
        Tuple.of(2, Arbitraries.just(5)),
        Tuple.of(1, Arbitraries.integers().between(0, 255)));
    Arbitrary<AnswerSpec> answers = Combinators.combine(
            kinds,
            Arbitraries.integers().between(0, 7),
            Arbitraries.integers().between(0, 9),
            flags,
            Arbitraries.integers(),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
        .as(AnswerSpec::new);
    return Combinators.combine(
            Arbitraries.of(true, false).list().ofMinSize(1).ofMaxSize(6),
            answers.list().ofMaxSize(12),
            Arbitraries.of(Ending.class),
            Arbitraries.integers().between(100, 300),
            Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40))
        .as(Plan::new);
  }

  /** What the client must make of a call, as the frames sent decide. */
  static final class Expected {
    final boolean stream;
    final long id;
    final List<String> messages = new ArrayList<>();
    /** The status it ends with; null for a normal end (a unary call's value is the last message). */
    Status end;
    /** Set once the frames on its id no longer decide the outcome (garbage parsed somehow). */
    boolean any;
    boolean live = true;
    /** Whether a status end drops the messages not yet read. */
    boolean drops;

    Expected(boolean stream, long id) {
      this.stream = stream;
      this.id = id;
    }

    void finish(Status status, boolean drop) {
      end = status;
      drops = drop;
      live = false;
    }
  }

  /** What a call did. */
  record Outcome(List<String> messages, Status status, long endNanos) {}

  @Property(tries = 150)
  void everyCallEndsAsTheFramesDecide(@ForAll("plans") Plan plan) throws Exception {
    Statistics.label("ending").collect(plan.ending());
    Path socket = dir.resolve("c" + sockets.incrementAndGet() + ".sock");
    boolean closes = plan.ending() == Ending.CLOSE || plan.ending() == Ending.CLOSE_MID_FRAME;
    Duration deadline = closes ? LONG_DEADLINE : Duration.ofMillis(plan.deadlineMillis());
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      listener.bind(UnixDomainSocketAddress.of(socket));
      TtrpcClient client = TtrpcClient.builder().address(socket.toString()).maxMessageSize(MAX)
          .connect();
      try (RawConnection server = RawConnection.wrap(listener.accept())) {
        run(plan, client, server, deadline);
      } finally {
        client.close();
        assertTrue(client.isClosed());
        client.closeFuture().get(5, TimeUnit.SECONDS);
      }
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  /** One caller of the client against a server that reads nothing. */
  record Caller(boolean bidi, int messages, int size) {}

  record Stuck(List<Caller> callers, boolean closes, int deadlineMillis, int closeAfterMillis) {}

  @Provide
  Arbitrary<Stuck> stuck() {
    Arbitrary<Caller> caller = Combinators.combine(
            Arbitraries.of(true, false),
            Arbitraries.integers().between(1, 24),
            Arbitraries.integers().between(1, 256 * 1024).withDistribution(
                net.jqwik.api.RandomDistribution.uniform()))
        .as(Caller::new);
    return Combinators.combine(
            caller.list().ofMinSize(1).ofMaxSize(4),
            Arbitraries.of(true, false),
            Arbitraries.integers().between(100, 300),
            Arbitraries.integers().between(50, 300))
        .as(Stuck::new);
  }

  /**
   * A server that accepts and then reads nothing cannot hang the client: calls and stream sends
   * blocked on a full socket end at their deadline, or when the server closes the socket, and
   * the client still closes and releases every buffer it had queued.
   */
  @Property(tries = 30)
  void aServerThatReadsNothingCannotHangTheClient(@ForAll("stuck") Stuck stuck) throws Exception {
    Statistics.label("server closes").collect(stuck.closes());
    Path socket = dir.resolve("c" + sockets.incrementAndGet() + ".sock");
    Duration deadline = stuck.closes() ? LONG_DEADLINE : Duration.ofMillis(stuck.deadlineMillis());
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      listener.bind(UnixDomainSocketAddress.of(socket));
      TtrpcClient client = TtrpcClient.builder().address(socket.toString()).connect();
      SocketChannel peer = listener.accept();
      try {
        long started = System.nanoTime();
        List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
        int i = 0;
        for (Caller c : stuck.callers()) {
          String payload = i++ + "x".repeat(c.size());
          CallOptions options = CallOptions.timeout(deadline);
          outcomes.add(CompletableFuture.supplyAsync(
              () -> c.bidi() ? chat(client, options, payload, c.messages())
                  : echo(client, options, payload), NEW_THREAD));
        }
        long closedAt = Long.MAX_VALUE;
        if (stuck.closes()) {
          Thread.sleep(stuck.closeAfterMillis());
          closedAt = System.nanoTime();
          peer.close();
        }
        long latest = Math.min(closedAt, started + deadline.toNanos()) + MARGIN.toNanos();
        for (int k = 0; k < outcomes.size(); k++) {
          String what = "caller " + k + " " + stuck.callers().get(k);
          Outcome o;
          try {
            o = outcomes.get(k).get(latest - System.nanoTime() + MARGIN.toNanos(),
                TimeUnit.NANOSECONDS);
          } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(what + " hangs", e);
          }
          assertTrue(o.endNanos() <= latest, what + " ended "
              + (o.endNanos() - latest) / 1_000_000 + " ms too late");
          assertNotNull(o.status(), what + " succeeded against a server that reads nothing");
          if (o.endNanos() < closedAt) {
            assertEquals(Status.Code.DEADLINE_EXCEEDED, o.status().code(), what + ": " + o.status());
            assertTrue(o.endNanos() - started >= deadline.toNanos(), what + " ended before its deadline");
          } else {
            assertTrue(o.status().code() == Status.Code.UNAVAILABLE
                || o.status().code() == Status.Code.DEADLINE_EXCEEDED, what + ": " + o.status());
          }
        }
      } finally {
        // With the socket still full of unread requests, when the server did not close it.
        client.close();
        client.closeFuture().get(5, TimeUnit.SECONDS);
        peer.close();
      }
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  /** How the fake server ends a bidi stream the client is still sending on. */
  enum Terminal {
    END,
    ERROR,
    FINAL_MESSAGE,
    UNKNOWN_TYPE,
    CLOSE
  }

  record Ended(Terminal terminal, int messages, int size, int readFirst, boolean keepsReading) {}

  @Provide
  Arbitrary<Ended> ended() {
    return Combinators.combine(
            Arbitraries.of(Terminal.class),
            Arbitraries.integers().between(0, 40),
            Arbitraries.integers().between(1, 64 * 1024)
                .withDistribution(net.jqwik.api.RandomDistribution.uniform()),
            Arbitraries.integers().between(0, 3),
            Arbitraries.of(true, false))
        .as(Ended::new);
  }

  /**
   * A bidi stream the server ends while the client still sends, possibly blocked on a socket the
   * server no longer reads, releases its sender at once: sends fail with the stream's end (or
   * "already finished" after a normal end), the receiver gets that end, and nothing waits for the
   * deadline.
   */
  @Property(tries = 150)
  void aStreamEndedByTheServerReleasesItsSender(@ForAll("ended") Ended plan) throws Exception {
    Statistics.label("terminal").collect(plan.terminal());
    Path socket = dir.resolve("c" + sockets.incrementAndGet() + ".sock");
    try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      listener.bind(UnixDomainSocketAddress.of(socket));
      TtrpcClient client = TtrpcClient.builder().address(socket.toString()).connect();
      RawConnection server = RawConnection.wrap(listener.accept());
      try {
        BidiStreamCall<StringValue, StringValue> call =
            client.bidiStream(StreamService.CHAT, CallOptions.timeout(LONG_DEADLINE));
        String payload = "x".repeat(plan.size());
        CompletableFuture<Status> sendFailure = CompletableFuture.supplyAsync(() -> {
          try {
            for (int i = 0; i < plan.messages(); i++) {
              call.send(StringValue.of(payload));
            }
            call.closeSend();
            return null;
          } catch (StatusException e) {
            return e.status();
          }
        }, NEW_THREAD);
        RawConnection.Frame request = server.readFrame(Duration.ofSeconds(5));
        assertNotNull(request);
        long id = request.streamId() & LAST_ID;
        // Frames that surely come: the messages and the half-close.
        for (int i = 0; i < Math.min(plan.readFirst(), plan.messages() + 1); i++) {
          assertNotNull(server.readFrame(Duration.ofSeconds(5)));
        }
        Status end;
        List<String> messages = List.of();
        switch (plan.terminal()) {
          case END -> {
            server.write(new Frame(id, 3, 5, new byte[0], Sem.DATA, null, 0).bytes());
            end = null;
          }
          case ERROR -> {
            end = Status.of(Status.Code.ABORTED, "ended by the server");
            server.write(new Frame(id, 2, 0, errorEnvelope(end), Sem.STATUS, end, 0).bytes());
          }
          case FINAL_MESSAGE -> {
            server.write(okResponse(id, "final").bytes());
            end = null;
            messages = List.of("final");
          }
          case UNKNOWN_TYPE -> {
            server.write(new Frame(id, 9, 0, new byte[0], Sem.OTHER_TYPE, null, 0).bytes());
            end = Status.of(Status.Code.INTERNAL, "ttrpc: unknown message type 9 received");
          }
          default -> {
            server.close();
            end = ClientConnection.CLOSED;
          }
        }
        long endedAt = System.nanoTime();
        Thread drain = null;
        if (plan.keepsReading() && plan.terminal() != Terminal.CLOSE) {
          drain = new Thread(() -> {
            try {
              while (server.readFrame(LONG_DEADLINE) != null) {
                // Whatever the client still sends.
              }
            } catch (Exception e) {
              // Closed below.
            }
          }, "adversary-drain");
          drain.setDaemon(true);
          drain.start();
        }
        Outcome received;
        Status sent;
        try {
          received = CompletableFuture.supplyAsync(() -> drain(call, call::close), NEW_THREAD)
              .get(MARGIN.toMillis(), TimeUnit.MILLISECONDS);
          sent = sendFailure.get(MARGIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new AssertionError("the stream's receiver or sender still waits after its end", e);
        }
        assertTrue(System.nanoTime() - endedAt < MARGIN.toNanos(), "the stream ended late");
        assertEquals(end, received.status(), "how the stream ended");
        if (end == null || plan.terminal() == Terminal.CLOSE) {
          assertEquals(messages, received.messages());
        }
        if (sent != null) {
          Status expected = end == null
              ? Status.of(Status.Code.FAILED_PRECONDITION, "ttrpc: stream already finished")
              : end;
          assertEquals(expected, sent, "why a send failed");
        }
        if (drain != null) {
          server.close();
          // A read still queued when the connection closes is never run: stop waiting for it.
          drain.interrupt();
          drain.join(5000);
        }
      } finally {
        client.close();
        client.closeFuture().get(5, TimeUnit.SECONDS);
        server.close();
      }
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  private static Outcome echo(TtrpcClient client, CallOptions options, String payload) {
    try {
      client.call(TestService.ECHO, StringValue.of(payload), options);
      return new Outcome(List.of("answered"), null, System.nanoTime());
    } catch (StatusException e) {
      return new Outcome(List.of(), e.status(), System.nanoTime());
    }
  }

  private static Outcome chat(TtrpcClient client, CallOptions options, String payload, int n) {
    try (var call = client.bidiStream(StreamService.CHAT, options)) {
      for (int i = 0; i < n; i++) {
        call.send(StringValue.of(payload));
      }
      call.closeSend();
      StringValue first = call.receive();
      return new Outcome(first == null ? List.of() : List.of(first.getValue()), null,
          System.nanoTime());
    } catch (StatusException e) {
      return new Outcome(List.of(), e.status(), System.nanoTime());
    }
  }

  private static void run(Plan plan, TtrpcClient client, RawConnection server, Duration deadline)
      throws Exception {
    int n = plan.streams().size();
    long started = System.nanoTime();
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      CallOptions options = CallOptions.timeout(deadline);
      if (plan.streams().get(i)) {
        ServerStreamCall<StringValue> call =
            client.serverStream(StreamService.DIVIDE, Int64Value.of(i), options);
        outcomes.add(CompletableFuture.supplyAsync(() -> drain(call), NEW_THREAD));
      } else {
        outcomes.add(client.callAsync(TestService.ECHO, StringValue.of("c" + i), options)
            .handle((value, failure) -> new Outcome(
                value == null ? List.of() : List.of(value.getValue()),
                failure == null ? null : statusOf(failure), System.nanoTime())));
      }
    }
    // The ids the client chose, by call.
    long[] ids = new long[n];
    for (int k = 0; k < n; k++) {
      RawConnection.Frame f = server.readFrame(Duration.ofSeconds(5));
      assertNotNull(f, "the client closed before sending its requests");
      ByteBuf data = f.dataBuf();
      RequestEnvelope r = EnvelopeReader.readRequest(data, 0, data.readableBytes());
      int call = r.method().equals("Echo")
          ? Integer.parseInt(StringValue.parseFrom(r.payload(data)).getValue().substring(1))
          : (int) Int64Value.parseFrom(r.payload(data)).getValue();
      ids[call] = f.streamId() & LAST_ID;
    }
    List<Expected> expected = new ArrayList<>();
    Map<Long, Expected> byId = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Expected e = new Expected(plan.streams().get(i), ids[i]);
      expected.add(e);
      byId.put(ids[i], e);
    }
    long maxId = Arrays.stream(ids).max().orElse(1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (AnswerSpec a : plan.answers()) {
      long id = ids[a.call() % n];
      for (Frame f : frames(a, id, maxId)) {
        out.write(f.bytes());
        Expected e = byId.get(f.id());
        if (e != null && e.live) {
          apply(e, f);
        }
      }
    }
    server.write(out.toByteArray());
    // What the ending does to the calls still live.
    Status afterwards;
    boolean undecided = false;
    boolean closed = true;
    switch (plan.ending()) {
      case CLOSE -> {
        server.close();
        afterwards = ClientConnection.CLOSED;
      }
      case CLOSE_MID_FRAME -> {
        server.write(Arrays.copyOf(okResponse(ids[0], "cut").bytes(),
            1 + Math.floorMod(plan.tail()[0], 12)));
        server.close();
        afterwards = ClientConnection.CLOSED;
      }
      case GARBAGE -> {
        server.write(plan.tail());
        afterwards = DEADLINE;
        closed = false;
        // Random bytes may read as a frame for a live call.
        undecided = true;
      }
      case HUGE -> {
        ByteBuffer b = ByteBuffer.allocate(10 + plan.tail().length);
        b.putInt(-256).putInt((int) ids[0]).put((byte) 2).put((byte) 0).put(plan.tail());
        server.write(b.array());
        Expected first = byId.get(ids[0]);
        if (first.live) {
          // The header alone tells the frame is too big: an oversized frame for this call.
          apply(first, new Frame(ids[0], 2, 0, new byte[0], Sem.OVERSIZED, null, 0xFFFF_FF00L));
        }
        afterwards = DEADLINE;
        closed = false;
      }
      default -> {
        afterwards = DEADLINE;
        closed = false;
      }
    }
    long endedAt = System.nanoTime();
    for (Expected e : expected) {
      if (e.live) {
        e.any |= undecided;
        e.finish(afterwards, false);
      }
    }
    long deadlineNanos = deadline.toNanos();
    for (int i = 0; i < n; i++) {
      Expected e = expected.get(i);
      String what = "call " + i + " (" + (e.stream ? "stream" : "unary") + ", id " + e.id + ")";
      Outcome o;
      try {
        o = outcomes.get(i).get(deadlineNanos + MARGIN.toNanos(), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException t) {
        throw new AssertionError(what + " did not end within its deadline and "
            + MARGIN.toMillis() + " ms", t);
      }
      long latest = (closed ? endedAt : started + deadlineNanos) + MARGIN.toNanos();
      assertTrue(o.endNanos() <= latest, what + " ended " + (o.endNanos() - latest) / 1_000_000
          + " ms too late");
      check(what, e, o, o.endNanos() - started >= deadlineNanos);
    }
    if (plan.ending() == Ending.OPEN) {
      // Still in sync after all that: one more call is answered.
      CompletableFuture<StringValue> last =
          client.callAsync(TestService.ECHO, StringValue.of("last"), CallOptions.timeout(Duration.ofSeconds(10)));
      RawConnection.Frame f = server.readFrame(Duration.ofSeconds(5));
      assertNotNull(f, "the client closed its connection");
      server.write(okResponse(f.streamId() & LAST_ID, "answered").bytes());
      assertEquals("answered", last.get(10, TimeUnit.SECONDS).getValue());
    }
    if (plan.ending() == Ending.CLOSE || plan.ending() == Ending.CLOSE_MID_FRAME) {
      // A call on a closed connection fails at once.
      CompletableFuture<StringValue> late =
          client.callAsync(TestService.ECHO, StringValue.of("late"), CallOptions.timeout(LONG_DEADLINE));
      Status status = statusOf(assertFails(late));
      assertEquals(Status.Code.UNAVAILABLE, status.code(), status.toString());
    } else {
      // The client's close reaches the peer.
      client.close();
      RawConnection.Frame rest;
      do {
        rest = server.readFrame(Duration.ofSeconds(5));
      } while (rest != null);
    }
  }

  /** Runs each stream's reader on a thread of its own, so that none waits for another. */
  private static final Executor NEW_THREAD = command -> {
    Thread t = new Thread(command, "adversary-stream-reader");
    t.setDaemon(true);
    t.start();
  };

  private static final Status DEADLINE =
      Status.of(Status.Code.DEADLINE_EXCEEDED, "context deadline exceeded");

  private static Throwable assertFails(CompletableFuture<?> f) throws Exception {
    try {
      f.get(MARGIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("succeeded");
  }

  private static void check(String what, Expected e, Outcome o, boolean pastDeadline) {
    if (e.any) {
      // Any end will do, as long as it came in time.
      return;
    }
    Status end = e.end;
    List<String> messages = e.messages;
    if (o.status() != null && o.status().code() == Status.Code.DEADLINE_EXCEEDED && pastDeadline
        && !DEADLINE.equals(end)) {
      // The deadline came before the frame that would have ended the call: allowed.
      assertEquals(DEADLINE, o.status(), what);
      assertTrue(isPrefix(o.messages(), messages), what + ": " + o.messages() + " vs " + messages);
      return;
    }
    assertEquals(end, o.status(), what + " ended with the wrong status; got " + o.messages());
    if (end == null || !e.drops) {
      assertEquals(messages, o.messages(), what + ": messages");
    } else {
      assertTrue(isPrefix(o.messages(), messages), what + ": " + o.messages() + " vs " + messages);
    }
  }

  private static boolean isPrefix(List<String> prefix, List<String> all) {
    return prefix.size() <= all.size() && all.subList(0, prefix.size()).equals(prefix);
  }

  private static Outcome drain(ServerStreamCall<StringValue> call) {
    return drain(call, call::close);
  }

  /** Receives until the end, then closes the call with {@code close}. */
  private static Outcome drain(StreamReceiver<StringValue> call, Runnable close) {
    List<String> got = new ArrayList<>();
    try {
      for (StringValue v = call.receive(); v != null; v = call.receive()) {
        got.add(v.getValue());
      }
      return new Outcome(got, null, System.nanoTime());
    } catch (RuntimeException e) {
      return new Outcome(got, statusOf(e), System.nanoTime());
    } finally {
      close.run();
    }
  }

  private static Status statusOf(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusException) {
      return ((StatusException) cause).status();
    }
    throw new AssertionError("a call failed with something other than a status", t);
  }

  /** What a frame means to a call of either kind. */
  enum Sem {
    OK,
    STATUS,
    DATA,
    /** Bytes the test does not decode: the call's outcome is open. */
    UNKNOWN,
    OTHER_TYPE,
    OVERSIZED
  }

  record Frame(long id, int type, int flags, byte[] data, Sem sem, Object value, long length) {
    byte[] bytes() {
      if (sem == Sem.OVERSIZED) {
        // Header and the whole announced data: the client discards it and stays in sync.
        ByteBuffer b = ByteBuffer.allocate(10 + (int) length);
        b.putInt((int) length).putInt((int) id).put((byte) type).put((byte) flags);
        b.put(data, 0, Math.min(data.length, (int) length));
        return b.array();
      }
      ByteBuffer b = ByteBuffer.allocate(10 + data.length);
      b.putInt(data.length).putInt((int) id).put((byte) type).put((byte) flags).put(data);
      return b.array();
    }
  }

  private static List<Frame> frames(AnswerSpec a, long id, long maxId) {
    return switch (a.kind()) {
      case OK -> List.of(okResponse(id, "r" + a.variant()));
      case STATUS -> {
        Status s = Status.of(Status.Code.values()[1 + a.variant()], "e" + a.seed());
        yield List.of(new Frame(id, 2, 0, errorEnvelope(s), Sem.STATUS, s, 0));
      }
      case WRONG_ID -> {
        long wrong = switch (a.variant() % 5) {
          case 0 -> id + 1;
          case 1 -> 0;
          case 2 -> maxId + 2;
          case 3 -> LAST_ID;
          default -> a.seed() & LAST_ID;
        };
        yield List.of(okResponse(wrong, "w"));
      }
      case DUPLICATE -> List.of(okResponse(id, "d1"), okResponse(id, "d2"));
      case DATA -> {
        byte[] data = a.variant() < 2 ? a.bytes()
            : a.variant() < 4 ? new byte[0]
            : StringValue.of("m" + a.variant()).toByteArray();
        Sem sem = a.variant() < 2 && data.length > 0 && (a.flags() & 4) == 0 ? Sem.UNKNOWN : Sem.DATA;
        String value = data.length == 0 ? "" : "m" + a.variant();
        yield List.of(new Frame(id, 3, a.flags(), data, sem, value, 0));
      }
      case BAD_ENVELOPE -> List.of(new Frame(id, 2, a.flags(), a.bytes(), Sem.UNKNOWN, null, 0));
      case RAW_FRAME -> {
        int type = (a.seed() >>> 24) & 0xff;
        Sem sem = type == 2 || type == 3 ? Sem.UNKNOWN : Sem.OTHER_TYPE;
        yield List.of(new Frame(id, type, a.flags(), a.bytes(), sem, null, 0));
      }
      case OVERSIZED -> {
        long length = MAX + 1 + (a.seed() & 1023);
        yield List.of(new Frame(id, a.variant() < 5 ? 2 : 3, 0, a.bytes(), Sem.OVERSIZED, null, length));
      }
    };
  }

  /** Applies the first frames on a live call's id, as the protocol says the client must. */
  private static void apply(Expected e, Frame f) {
    if (f.type() == 3 && !e.stream && f.sem() != Sem.OVERSIZED) {
      // Whatever it carries, a Data frame is no answer to a unary call.
      e.finish(Status.of(Status.Code.INTERNAL, "ttrpc: unexpected message type 3 on a unary call"),
          true);
      return;
    }
    switch (f.sem()) {
      case UNKNOWN -> {
        e.any = true;
        e.live = false;
      }
      case OTHER_TYPE -> e.finish(Status.of(Status.Code.INTERNAL,
          (e.stream ? "ttrpc: unknown message type " + f.type() + " received"
              : "ttrpc: unexpected message type " + f.type() + " on a unary call")), true);
      case OVERSIZED -> e.finish(Status.of(Status.Code.RESOURCE_EXHAUSTED,
          "message length " + f.length() + " exceed maximum message size of " + MAX), false);
      case STATUS -> e.finish((Status) f.value(), false);
      case OK -> {
        e.messages.add((String) f.value());
        e.finish(null, false);
      }
      case DATA -> {
        if ((f.flags() & 4) == 0) {
          e.messages.add((String) f.value());
        }
        if ((f.flags() & 1) != 0) {
          e.finish(null, false);
        }
      }
    }
  }

  private static Frame okResponse(long id, String value) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CodedOutputStream c = CodedOutputStream.newInstance(out);
      c.writeByteArray(2, StringValue.of(value).toByteArray());
      c.flush();
      return new Frame(id, 2, 0, out.toByteArray(), Sem.OK, value, 0);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] errorEnvelope(Status s) {
    try {
      ByteArrayOutputStream status = new ByteArrayOutputStream();
      CodedOutputStream c = CodedOutputStream.newInstance(status);
      c.writeInt32(1, s.code().value());
      c.writeString(2, s.message());
      c.flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CodedOutputStream r = CodedOutputStream.newInstance(out);
      r.writeByteArray(1, status.toByteArray());
      r.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
