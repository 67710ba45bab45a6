package dev.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.BytesValue;
import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.StreamService;
import dev.ttrpc.testing.TestService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The stub base of generated code, through a stub written as the code generator writes one. */
@ExtendWith(LeakCheck.class)
class AbstractStubTest {
  @TempDir Path dir;
  TestService unary;
  StreamService streams;
  TtrpcServer server;
  TtrpcClient client;

  /** What protoc-gen-ttrpc-java generates for these methods, by hand. */
  static final class TestStub extends AbstractStub<TestStub> {
    TestStub(StubSettings settings) {
      super(settings);
    }

    @Override
    protected TestStub build(StubSettings settings) {
      return new TestStub(settings);
    }

    StringValue meta(StringValue key) {
      return client().call(TestService.META, key, callOptions());
    }

    CompletableFuture<StringValue> metaAsync(StringValue key) {
      return client().callAsync(TestService.META, key, callOptions());
    }

    StringValue deadline() {
      return client().call(TestService.DEADLINE, StringValue.of(""), callOptions());
    }

    BytesValue big(long size) {
      return client().call(TestService.BIG, Int64Value.of(size), callOptions());
    }

    StringValue echo(StringValue value) {
      return client().call(TestService.ECHO, value, callOptions());
    }

    ServerStreamCall<StringValue> divide(long n) {
      return client().serverStream(StreamService.DIVIDE, Int64Value.of(n), callOptions());
    }

    ClientStreamCall<Int64Value, Int64Value> sum() {
      return client().clientStream(StreamService.SUM, callOptions());
    }

    BidiStreamCall<StringValue, StringValue> chat() {
      return client().bidiStream(StreamService.CHAT, callOptions());
    }
  }

  @BeforeEach
  void start() throws Exception {
    unary = new TestService();
    streams = new StreamService();
    String address = dir.resolve("s.sock").toString();
    server = TtrpcServer.builder()
        .addService(unary.definition())
        .addService(streams.definition())
        .build()
        .start(address);
    client = TtrpcClient.connect(address);
  }

  @AfterEach
  void stop() throws Exception {
    streams.release.countDown();
    client.close();
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  private TestStub stub() {
    return new TestStub(StubSettings.of(client));
  }

  @Test
  void withMetadataAddsAndWithReplacedMetadataReplaces() {
    TestStub base = stub().withMetadata(Metadata.of("k", "a"));
    TestStub added = base.withMetadata(Metadata.of("k", "b", "other", "x"));
    assertEquals("a,b", added.meta(StringValue.of("k")).getValue());
    assertEquals("x", added.meta(StringValue.of("other")).getValue());
    assertEquals("a", base.meta(StringValue.of("k")).getValue(), "the original stub is unchanged");

    TestStub replaced = added.withReplacedMetadata(Metadata.of("k", "c"));
    assertEquals("c", replaced.meta(StringValue.of("k")).getValue());
    assertEquals("", replaced.meta(StringValue.of("other")).getValue());
  }

  @Test
  void metadataGivenToWithMetadataIsCopied() {
    Metadata md = Metadata.of("k", "a");
    TestStub stub = stub().withMetadata(md);
    md.add("k", "later");
    assertEquals("a", stub.meta(StringValue.of("k")).getValue());
  }

  @Test
  void withDeadlineIsOnePointInTimeAndReplacesTheTimeout() {
    assertEquals("none", stub().deadline().getValue());
    long perCall = Long.parseLong(stub().withTimeout(Duration.ofSeconds(30)).deadline().getValue());
    assertTrue(perCall > Duration.ofSeconds(20).toNanos(), "timeout counts from the call: " + perCall);

    Deadline fixed = Deadline.after(Duration.ofSeconds(5));
    TestStub stub = stub().withTimeout(Duration.ofSeconds(30)).withDeadline(fixed);
    long remaining = Long.parseLong(stub.deadline().getValue());
    assertTrue(remaining <= Duration.ofSeconds(5).toNanos(), "deadline replaced the timeout: " + remaining);

    StatusException expired =
        assertThrows(StatusException.class, () -> stub().withDeadline(Deadline.afterNanos(-1)).echo(StringValue.of("x")));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, expired.code());
    assertEquals("none", stub.withDeadline(null).deadline().getValue(), "null removes the deadline");
  }

  @Test
  void interceptorsRunOutermostFirstAndLaterOnesWrapEarlierOnes() {
    List<String> seen = new CopyOnWriteArrayList<>();
    TestStub stub = stub()
        .withInterceptors(recorder("inner", seen))
        .withInterceptors(recorder("outer1", seen), recorder("outer2", seen));
    assertEquals("x", stub.echo(StringValue.of("x")).getValue());
    assertEquals(List.of("outer1", "outer2", "inner"), seen);

    seen.clear();
    try (ServerStreamCall<StringValue> call = stub.divide(2)) {
      assertEquals(List.of("0", "1"), names(call));
    }
    assertEquals(List.of("outer1:stream", "outer2:stream", "inner:stream"), seen);
  }

  @Test
  void interceptorsCanChangeOptionsAndFailCalls() {
    ClientInterceptor addTenant = new ClientInterceptor() {
      @Override
      public <Q, R> CompletableFuture<R> interceptUnary(
          MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker<Q, R> next) {
        return next.invoke(request, options.withMetadata("tenant", "blue"));
      }
    };
    assertEquals("blue", stub().withInterceptors(addTenant).meta(StringValue.of("tenant")).getValue());

    ClientInterceptor refuse = new ClientInterceptor() {
      @Override
      public <Q, R> CompletableFuture<R> interceptUnary(
          MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker<Q, R> next) {
        throw Status.PERMISSION_DENIED.withMessage("no").asException();
      }

      @Override
      public <Q, R> BidiStreamCall<Q, R> interceptStream(
          MethodDescriptor<Q, R> method, CallOptions options, StreamStarter<Q, R> next) {
        throw Status.PERMISSION_DENIED.withMessage("no stream").asException();
      }
    };
    TestStub refused = stub().withInterceptors(refuse);
    StatusException blocking = assertThrows(StatusException.class, () -> refused.echo(StringValue.of("x")));
    assertEquals(Status.Code.PERMISSION_DENIED, blocking.code());
    CompletionException async =
        assertThrows(CompletionException.class, () -> refused.metaAsync(StringValue.of("k")).join());
    assertEquals(Status.Code.PERMISSION_DENIED, ((StatusException) async.getCause()).code());
    assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusException.class, refused::sum).code());
  }

  @Test
  void streamsOfEveryShapeWorkThroughInterceptors() {
    List<String> seen = new CopyOnWriteArrayList<>();
    TestStub stub = stub().withInterceptors(recorder("i", seen));
    try (ClientStreamCall<Int64Value, Int64Value> sum = stub.sum()) {
      sum.send(Int64Value.of(1));
      sum.send(Int64Value.of(2));
      assertEquals(2003, sum.closeAndReceive().getValue());
    }
    try (ClientStreamCall<Int64Value, Int64Value> sum = stub.sum()) {
      sum.send(Int64Value.of(5));
      assertEquals(1005, sum.closeAndReceiveAsync().join().getValue());
    }
    try (BidiStreamCall<StringValue, StringValue> chat = stub.chat()) {
      chat.send(StringValue.of("a"));
      assertEquals("a", chat.receive().getValue());
      chat.closeSend();
      assertEquals(null, chat.receive());
    }
    assertEquals(List.of("i:stream", "i:stream", "i:stream"), seen);
  }

  /** An executor that holds its tasks until the test runs them. */
  static final class HeldExecutor implements java.util.concurrent.Executor {
    final java.util.concurrent.BlockingQueue<Runnable> tasks = new java.util.concurrent.LinkedBlockingQueue<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    /** Waits for the next completion handed to the executor and runs it. */
    void runNext() throws InterruptedException {
      Runnable task = tasks.poll(10, TimeUnit.SECONDS);
      assertTrue(task != null, "nothing was handed to the executor");
      task.run();
    }
  }

  @Test
  @Timeout(60) // a blocking call that waited for the held executor would hang
  void withExecutorCompletesAsyncResultsThere() throws Exception {
    HeldExecutor executor = new HeldExecutor();
    TestStub stub = stub().withExecutor(executor);

    CompletableFuture<StringValue> unaryResult = stub.metaAsync(StringValue.of("k"));
    executor.runNext();
    assertTrue(unaryResult.isDone(), "completed by the executor's task");
    assertEquals("", unaryResult.join().getValue());

    CompletableFuture<StringValue> held = stub.metaAsync(StringValue.of("k"));
    Thread.sleep(50);
    assertFalse(held.isDone(), "not completed until the executor runs the completion");
    executor.runNext();
    assertTrue(held.isDone());

    try (ServerStreamCall<StringValue> call = stub.divide(1)) {
      CompletableFuture<StringValue> first = call.receiveAsync();
      executor.runNext();
      assertEquals("0", first.getNow(null).getValue());
    }
    try (ClientStreamCall<Int64Value, Int64Value> sum = stub.sum()) {
      CompletableFuture<Int64Value> total = sum.closeAndReceiveAsync();
      executor.runNext();
      assertEquals(0, total.get(10, TimeUnit.SECONDS).getValue());
    }
    assertEquals("x", stub.echo(StringValue.of("x")).getValue(), "blocking calls unaffected");

    ExecutorService stopped = Executors.newSingleThreadExecutor();
    stopped.shutdown();
    assertTrue(stopped.awaitTermination(5, TimeUnit.SECONDS));
    CompletionException rejected = assertThrows(
        CompletionException.class, () -> stub().withExecutor(stopped).metaAsync(StringValue.of("k")).join());
    assertEquals(Status.Code.CANCELLED, ((StatusException) rejected.getCause()).code());
  }

  @Test
  void withMaxMessageSizeRefusesLargerMessagesBothWays() {
    TestStub limited = stub().withMaxMessageSize(100);
    assertEquals(90, limited.big(90).getValue().size());
    StatusException response = assertThrows(StatusException.class, () -> limited.big(200));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, response.code());
    assertTrue(response.status().message().contains("response of"), response.getMessage());

    StatusException request =
        assertThrows(StatusException.class, () -> limited.echo(StringValue.of("x".repeat(200))));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, request.code());
    assertTrue(request.status().message().contains("request of"), request.getMessage());

    try (BidiStreamCall<StringValue, StringValue> chat = limited.chat()) {
      StatusException send =
          assertThrows(StatusException.class, () -> chat.send(StringValue.of("y".repeat(200))));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, send.code());
      chat.send(StringValue.of("small"));
      assertEquals("small", chat.receive().getValue(), "a refused send leaves the stream usable");
    }
    assertEquals("x", limited.echo(StringValue.of("x")).getValue(), "the connection is unaffected");
    assertThrows(IllegalArgumentException.class, () -> stub().withMaxMessageSize(0));
  }

  @Test
  void withMethodsReturnNewStubsAndLeaveTheOriginal() {
    TestStub base = stub();
    assertNotSame(base, base.withTimeout(Duration.ofSeconds(1)));
    assertNotSame(base, base.withExecutor(Runnable::run));
    assertEquals("none", base.deadline().getValue());
    assertFalse(base.toString().isEmpty());
  }

  @Test
  void serverStreamsAreIterableAndStreamable() {
    try (ServerStreamCall<StringValue> call = stub().divide(3)) {
      List<String> values = new ArrayList<>();
      for (StringValue v : call) {
        values.add(v.getValue());
      }
      assertEquals(List.of("0", "1", "2"), values);
      assertFalse(call.iterator().hasNext(), "iterating again continues at the end");
    }
    try (Stream<StringValue> values = stub().divide(4).stream()) {
      assertEquals("0123", values.map(StringValue::getValue).collect(Collectors.joining()));
    }
    ServerStreamCall<StringValue> failing = stub().divide(-1);
    java.util.Iterator<StringValue> it = failing.iterator();
    assertEquals("before failure", it.next().getValue());
    StatusException e = assertThrows(StatusException.class, it::hasNext);
    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    failing.close();
  }

  private static List<String> names(ServerStreamCall<StringValue> call) {
    return call.stream().map(StringValue::getValue).collect(Collectors.toList());
  }

  private static ClientInterceptor recorder(String name, List<String> seen) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> CompletableFuture<R> interceptUnary(
          MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker<Q, R> next) {
        seen.add(name);
        return next.invoke(request, options);
      }

      @Override
      public <Q, R> BidiStreamCall<Q, R> interceptStream(
          MethodDescriptor<Q, R> method, CallOptions options, StreamStarter<Q, R> next) {
        seen.add(name + ":stream");
        return next.start(options);
      }
    };
  }
}
