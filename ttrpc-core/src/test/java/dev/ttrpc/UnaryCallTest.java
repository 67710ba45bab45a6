package dev.ttrpc;

import static dev.ttrpc.testing.TestService.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.TestService;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Unary calls between our client and our server over a real Unix socket. */
@ExtendWith(LeakCheck.class)
class UnaryCallTest {
  @TempDir Path dir;
  TestService service;
  TtrpcServer server;
  TtrpcClient client;
  String address;

  @BeforeEach
  void start() throws IOException {
    service = new TestService();
    address = "unix://" + dir.resolve("s.sock");
    server = TtrpcServer.builder().addService(service.definition()).build().start(address);
    service.server.set(server);
    client = TtrpcClient.connect(address);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  @Test
  void echoRoundTrip() {
    assertEquals(str("hi"), client.call(TestService.ECHO, str("hi"), CallOptions.DEFAULT));
    assertEquals(str(""), client.call(TestService.ECHO, str(""), CallOptions.DEFAULT));
  }

  @Test
  void manyConcurrentCallsOnOneConnection() {
    List<CompletableFuture<StringValue>> futures = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      futures.add(client.callAsync(TestService.ECHO, str("m" + i), CallOptions.DEFAULT));
    }
    for (int i = 0; i < futures.size(); i++) {
      assertEquals("m" + i, futures.get(i).join().getValue());
    }
  }

  @Test
  void manyBlockingCallersInParallel() throws Exception {
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    for (int t = 0; t < 64; t++) {
      int id = t;
      Thread th = new Thread(() -> {
        try {
          for (int i = 0; i < 50; i++) {
            String v = id + ":" + i;
            assertEquals(v, client.call(TestService.ECHO, str(v), CallOptions.DEFAULT).getValue());
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertEquals(List.of(), errors);
  }

  @Test
  void handlerExceptionBecomesUnknownAndServerKeepsServing() {
    StatusException e = assertThrows(StatusException.class,
        () -> client.call(TestService.FAIL, str("boom"), CallOptions.DEFAULT));
    assertEquals(Status.of(Status.Code.UNKNOWN, "boom"), e.status());
    assertEquals(str("after"), client.call(TestService.ECHO, str("after"), CallOptions.DEFAULT));
  }

  @Test
  void statusExceptionPassesThrough() {
    StatusException e = assertThrows(StatusException.class,
        () -> client.call(TestService.FAIL, str("status"), CallOptions.DEFAULT));
    assertEquals(Status.of(Status.Code.FAILED_PRECONDITION, "custom 42"), e.status());
  }

  @Test
  void failureIsRethrownOnTheCallersStackWithTheOriginalAsCause() {
    StatusException e = assertThrows(StatusException.class,
        () -> client.call(TestService.FAIL, str("status"), CallOptions.DEFAULT));
    assertEquals(Status.of(Status.Code.FAILED_PRECONDITION, "custom 42"), e.status());
    assertTrue(stackNames(e).contains("failureIsRethrownOnTheCallersStackWithTheOriginalAsCause"),
        "caller's method missing from " + stackNames(e));
    StatusException original = assertInstanceOf(StatusException.class, e.getCause());
    assertSame(e.status(), original.status());
    // The original was made where the response was read, not on the caller's thread.
    assertFalse(stackNames(original).contains("failureIsRethrownOnTheCallersStackWithTheOriginalAsCause"));
  }

  @Test
  void localDeadlineFailureIsRethrownOnTheCallersStack() {
    StatusException e = assertThrows(StatusException.class,
        () -> client.call(TestService.SLEEP, Int64Value.of(5_000),
            CallOptions.timeout(Duration.ofMillis(100))));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
    assertTrue(stackNames(e).contains("localDeadlineFailureIsRethrownOnTheCallersStack"));
    assertSame(e.status(), assertInstanceOf(StatusException.class, e.getCause()).status());
  }

  static List<String> stackNames(Throwable t) {
    List<String> names = new ArrayList<>();
    for (StackTraceElement frame : t.getStackTrace()) {
      names.add(frame.getMethodName());
    }
    return names;
  }

  @Test
  void nullResponseIsGoMarshalError() {
    StatusException e = assertThrows(StatusException.class,
        () -> client.call(TestService.NULL, str("x"), CallOptions.DEFAULT));
    assertEquals(Status.of(Status.Code.UNKNOWN, "ttrpc: marshal called with nil"), e.status());
  }

  @Test
  void unknownServiceAndMethodAreUnimplemented() {
    MethodDescriptor<StringValue, StringValue> noService =
        MethodDescriptor.unary("no.Such", "Echo", TestService.ECHO.requestMarshaller(), TestService.ECHO.responseMarshaller());
    MethodDescriptor<StringValue, StringValue> noMethod =
        MethodDescriptor.unary(TestService.NAME, "Nope", TestService.ECHO.requestMarshaller(), TestService.ECHO.responseMarshaller());
    assertEquals(Status.of(Status.Code.UNIMPLEMENTED, "service no.Such"),
        assertThrows(StatusException.class, () -> client.call(noService, str("x"), CallOptions.DEFAULT)).status());
    assertEquals(Status.of(Status.Code.UNIMPLEMENTED, "method Nope"),
        assertThrows(StatusException.class, () -> client.call(noMethod, str("x"), CallOptions.DEFAULT)).status());
  }

  @Test
  void unparseablePayloadIsInternal() {
    Marshaller<String> garbage = new Marshaller<>() {
      @Override public int serializedSize(String v) { return 2; }
      @Override public void serialize(String v, ByteBuffer t) { t.put((byte) 0x0a).put((byte) 0x7f); }
      @Override public String parse(ByteBuffer s) { throw new UnsupportedOperationException(); }
    };
    MethodDescriptor<String, StringValue> m =
        MethodDescriptor.unary(TestService.NAME, "Echo", garbage, TestService.ECHO.responseMarshaller());
    StatusException e = assertThrows(StatusException.class, () -> client.call(m, "x", CallOptions.DEFAULT));
    assertEquals(Status.Code.INTERNAL, e.code());
    assertTrue(e.status().message().startsWith("ttrpc: error unmarshalling payload: "), e.status().message());
  }

  @Test
  void metadataKeysAreLowercasedAndFoundIgnoringCase() {
    CallOptions o = CallOptions.metadata(Metadata.of("Upper", "U", "upper", "u2", "other", "o"));
    assertEquals("U,u2", client.call(TestService.META, str("UPPER"), o).getValue());
    assertEquals("o", client.call(TestService.META, str("Other"), o).getValue());
  }

  @Test
  void deadlineIsSentAndSeenByTheHandler() {
    assertEquals("none", client.call(TestService.DEADLINE, str(""), CallOptions.DEFAULT).getValue());
    long remaining = Long.parseLong(
        client.call(TestService.DEADLINE, str(""), CallOptions.timeout(Duration.ofSeconds(5))).getValue());
    assertTrue(remaining > TimeUnit.SECONDS.toNanos(4) && remaining <= TimeUnit.SECONDS.toNanos(5),
        "remaining " + remaining);
  }

  @Test
  void deadlineExpiresLocallyAndConnectionStaysUsable() throws Exception {
    long start = System.nanoTime();
    StatusException e = assertThrows(StatusException.class,
        () -> client.call(TestService.SLEEP, Int64Value.of(5_000), CallOptions.timeout(Duration.ofMillis(100))));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
    assertEquals(str("ok"), client.call(TestService.ECHO, str("ok"), CallOptions.DEFAULT));
    // The server-side context of that call is cancelled by its deadline, so the handler stops.
    ServerCallContext ctx = service.lastContext.get();
    assertTrue(ctx.deadline().isPresent());
    assertTrue(service.sleepCancelled.await(2, TimeUnit.SECONDS), "listener ran at the deadline");
    assertTrue(ctx.isCancelled());
  }

  @Test
  void expiredDeadlineFailsWithoutSending() {
    StatusException e = assertThrows(StatusException.class,
        () -> client.call(TestService.ECHO, str("x"), CallOptions.DEFAULT.withDeadline(Deadline.afterNanos(-1))));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
  }

  @Test
  void cancelledCallFailsAndConnectionStaysUsable() throws Exception {
    CompletableFuture<StringValue> f = client.callAsync(TestService.SLEEP, Int64Value.of(2_000), CallOptions.DEFAULT);
    assertTrue(f.cancel(false));
    assertTrue(f.isCancelled());
    assertEquals(str("ok"), client.call(TestService.ECHO, str("ok"), CallOptions.DEFAULT));
  }

  @Test
  void interceptorsRunInRegistrationOrder() throws Exception {
    List<String> order = new CopyOnWriteArrayList<>();
    ServerInterceptor s1 = new ServerInterceptor() {
      @Override public <Q, R> R interceptUnary(Q req, ServerCallContext ctx, ServerHandlers.UnaryHandler<Q, R> next) throws Exception {
        order.add("s1"); R r = next.handle(req, ctx); order.add("s1-done"); return r;
      }
    };
    ServerInterceptor s2 = new ServerInterceptor() {
      @Override public <Q, R> R interceptUnary(Q req, ServerCallContext ctx, ServerHandlers.UnaryHandler<Q, R> next) throws Exception {
        order.add("s2:" + ctx.metadata().get("added-by")); return next.handle(req, ctx);
      }
    };
    ClientInterceptor c1 = new ClientInterceptor() {
      @Override public <Q, R> CompletableFuture<R> interceptUnary(MethodDescriptor<Q, R> m, Q req, CallOptions o, UnaryInvoker<Q, R> next) {
        order.add("c1"); return next.invoke(req, o.withMetadata("added-by", "c1"));
      }
    };
    ClientInterceptor c2 = new ClientInterceptor() {
      @Override public <Q, R> CompletableFuture<R> interceptUnary(MethodDescriptor<Q, R> m, Q req, CallOptions o, UnaryInvoker<Q, R> next) {
        order.add("c2:" + o.metadata().get("added-by")); return next.invoke(req, o);
      }
    };
    String addr2 = "unix://" + dir.resolve("i.sock");
    TtrpcServer s = TtrpcServer.builder().addService(service.definition()).intercept(s1, s2).build().start(addr2);
    try (TtrpcClient c = TtrpcClient.builder().address(addr2).intercept(c1, c2).connect()) {
      assertEquals(str("x"), c.call(TestService.ECHO, str("x"), CallOptions.DEFAULT));
    } finally {
      s.shutdownNow();
      s.awaitTermination(Duration.ofSeconds(5));
    }
    assertEquals(List.of("c1", "c2:c1", "s1", "s2:c1", "s1-done"), order);
  }

  @Test
  void oversizedMessagesFailOnlyTheirCall() throws Exception {
    String addr2 = "unix://" + dir.resolve("m.sock");
    TtrpcServer s = TtrpcServer.builder().addService(service.definition()).maxMessageSize(1024).build().start(addr2);
    try (TtrpcClient big = TtrpcClient.builder().address(addr2).connect();
        TtrpcClient small = TtrpcClient.builder().address(addr2).maxMessageSize(1024).connect()) {
      // Response data: 12 <len> 0a <len> <n bytes> = n + 6 for 128 <= n < 16384.
      assertEquals(1018, big.call(TestService.BIG, Int64Value.of(1018), CallOptions.DEFAULT).getValue().size());
      StatusException tooBig = assertThrows(StatusException.class,
          () -> big.call(TestService.BIG, Int64Value.of(1019), CallOptions.DEFAULT));
      assertEquals(Status.of(Status.Code.RESOURCE_EXHAUSTED, "message length 1025 exceed maximum message size of 1024"),
          tooBig.status());
      // Request data: route (2+12+2+4 = 20 bytes) + 1a <len> 0a <len> <n> => n + 26 for n >= 128.
      String exact = "y".repeat(1024 - 26);
      assertEquals(exact, small.call(TestService.ECHO, str(exact), CallOptions.DEFAULT).getValue());
      StatusException local = assertThrows(StatusException.class,
          () -> small.call(TestService.ECHO, str(exact + "y"), CallOptions.DEFAULT));
      assertEquals(Status.of(Status.Code.RESOURCE_EXHAUSTED, "message length 1025 exceed maximum message size of 1024"),
          local.status());
      // Sent anyway by a client with a larger limit: the server discards it and answers on its stream.
      StatusException remote = assertThrows(StatusException.class,
          () -> big.call(TestService.ECHO, str(exact + "y"), CallOptions.DEFAULT));
      assertEquals(Status.of(Status.Code.RESOURCE_EXHAUSTED, "message length 1025 exceed maximum message size of 1024"),
          remote.status());
      assertEquals(str("still"), big.call(TestService.ECHO, str("still"), CallOptions.DEFAULT));
      assertEquals(str("still"), small.call(TestService.ECHO, str("still"), CallOptions.DEFAULT));
      // A response larger than the client's own limit fails only that call on the client.
      try (TtrpcClient tiny = TtrpcClient.builder().address(addr2).maxMessageSize(512).connect()) {
        assertEquals(Status.of(Status.Code.RESOURCE_EXHAUSTED, "message length 606 exceed maximum message size of 512"),
            assertThrows(StatusException.class,
                () -> tiny.call(TestService.BIG, Int64Value.of(600), CallOptions.DEFAULT)).status());
        assertEquals(str("again"), tiny.call(TestService.ECHO, str("again"), CallOptions.DEFAULT));
      }
    } finally {
      s.shutdownNow();
      s.awaitTermination(Duration.ofSeconds(5));
    }
  }

  @Test
  void defaultLimitIsFourMebibytesBothWays() {
    // Response data for n bytes (2^21 <= n < 2^28): 12 <4-byte len> 0a <4-byte len> <n> = n + 10.
    assertEquals(4194294, client.call(TestService.BIG, Int64Value.of(4194294), CallOptions.DEFAULT).getValue().size());
    StatusException e = assertThrows(StatusException.class,
        () -> client.call(TestService.BIG, Int64Value.of(4194295), CallOptions.DEFAULT));
    assertEquals(Status.of(Status.Code.RESOURCE_EXHAUSTED, "message length 4194305 exceed maximum message size of 4194304"),
        e.status());
    assertEquals(str("ok"), client.call(TestService.ECHO, str("ok"), CallOptions.DEFAULT));
  }

  @Test
  void connectionLossCancelsTheHandlersContext() throws Exception {
    TtrpcClient other = TtrpcClient.connect(address);
    CompletableFuture<StringValue> pending = other.callAsync(TestService.BLOCK, str(""), CallOptions.DEFAULT);
    assertTrue(service.blocked.await(5, TimeUnit.SECONDS));
    ServerCallContext ctx = service.lastContext.get();
    java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
    ctx.addCancellationListener(cancelled::countDown);
    assertTrue(!ctx.isCancelled());
    other.close();
    assertTrue(cancelled.await(5, TimeUnit.SECONDS));
    // The client fails its pending call as it closes, which may finish after the server noticed.
    java.util.concurrent.ExecutionException failed = assertThrows(
        java.util.concurrent.ExecutionException.class, () -> pending.get(5, TimeUnit.SECONDS));
    assertEquals(Status.Code.UNAVAILABLE,
        assertInstanceOf(StatusException.class, failed.getCause()).code());
    service.release.countDown();
  }

  @Test
  void executorsAreUsedAndHandlersNeverRunOnIoThreads() throws Exception {
    java.util.concurrent.atomic.AtomicInteger serverTasks = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger callbacks = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<String> handlerThread = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    String addr2 = "unix://" + dir.resolve("e.sock");
    ServiceDefinition def = ServiceDefinition.builder("x.Threads")
        .unary(MethodDescriptor.unary("x.Threads", "Name", TestService.ECHO.requestMarshaller(), TestService.ECHO.responseMarshaller()),
            (req, ctx) -> {
              handlerThread.set(Thread.currentThread().getName());
              return req;
            })
        .build();
    TtrpcServer s = TtrpcServer.builder().addService(def)
        .executor(r -> { serverTasks.incrementAndGet(); pool.execute(r); }).build().start(addr2);
    try (TtrpcClient c = TtrpcClient.builder().address(addr2)
        .callbackExecutor(r -> { callbacks.incrementAndGet(); pool.execute(r); }).connect()) {
      MethodDescriptor<StringValue, StringValue> name = MethodDescriptor.unary("x.Threads", "Name",
          TestService.ECHO.requestMarshaller(), TestService.ECHO.responseMarshaller());
      assertEquals(str("t"), c.callAsync(name, str("t"), CallOptions.DEFAULT).get(5, TimeUnit.SECONDS));
      // The call's completion; closing the client later completes its close future there too.
      assertEquals(1, callbacks.get());
    } finally {
      s.shutdownNow();
      s.awaitTermination(Duration.ofSeconds(5));
      pool.shutdown();
    }
    assertEquals(1, serverTasks.get());
    assertTrue(!handlerThread.get().startsWith("ttrpc-io"), handlerThread.get());
  }

  @Test
  void lostConnectionFailsPendingAndNewCallsAndRunsOnClose() throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    TtrpcClient c = TtrpcClient.builder().address(address)
        .onClose(() -> events.add("first")).onClose(() -> events.add("second")).connect();
    CompletableFuture<StringValue> pending = c.callAsync(TestService.BLOCK, str(""), CallOptions.DEFAULT);
    assertTrue(service.blocked.await(5, TimeUnit.SECONDS));
    server.shutdownNow();
    StatusException e = assertThrows(StatusException.class, () -> {
      try {
        pending.join();
      } catch (java.util.concurrent.CompletionException ce) {
        throw ce.getCause();
      }
    });
    assertEquals(Status.of(Status.Code.UNAVAILABLE, "ttrpc: closed"), e.status());
    c.closeFuture().get(5, TimeUnit.SECONDS);
    assertEquals(List.of("first", "second"), events);
    assertTrue(c.isClosed());
    assertEquals(Status.of(Status.Code.UNAVAILABLE, "ttrpc: closed"), assertThrows(StatusException.class,
        () -> c.call(TestService.ECHO, str("x"), CallOptions.DEFAULT)).status());
    service.release.countDown();
    c.close();
  }

}
