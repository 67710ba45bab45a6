package dev.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.StreamService;
import dev.ttrpc.testing.TestService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Streaming calls of every shape between our client and our server. */
@ExtendWith(LeakCheck.class)
class StreamingTest {
  @TempDir Path dir;
  StreamService streams;
  TtrpcServer server;
  TtrpcClient client;
  String address;

  @BeforeEach
  void start() throws Exception {
    streams = new StreamService();
    address = dir.resolve("s.sock").toString();
    server = TtrpcServer.builder().addService(streams.definition())
        .addService(new TestService().definition()).build().start(address);
    client = TtrpcClient.connect(address);
  }

  @AfterEach
  void stop() throws Exception {
    streams.release.countDown();
    client.close();
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  private static List<String> drain(ServerStreamCall<StringValue> call) {
    List<String> out = new ArrayList<>();
    for (StringValue v = call.receive(); v != null; v = call.receive()) {
      out.add(v.getValue());
    }
    assertNull(call.receive(), "stays at end");
    return out;
  }

  @Test
  void serverStreamingDeliversEveryMessageThenEnd() {
    try (ServerStreamCall<StringValue> call =
        client.serverStream(StreamService.DIVIDE, Int64Value.of(5), CallOptions.DEFAULT)) {
      assertEquals(List.of("0", "1", "2", "3", "4"), drain(call));
    }
  }

  @Test
  void serverStreamingWithAnEmptyRequestStillRunsTheHandler() {
    try (ServerStreamCall<StringValue> call =
        client.serverStream(StreamService.DIVIDE, Int64Value.getDefaultInstance(), CallOptions.DEFAULT)) {
      assertEquals(List.of("zero"), drain(call));
    }
  }

  @Test
  void serverStreamingFailureComesAfterTheMessagesSent() {
    try (ServerStreamCall<StringValue> call =
        client.serverStream(StreamService.DIVIDE, Int64Value.of(-1), CallOptions.DEFAULT)) {
      assertEquals("before failure", call.receive().getValue());
      StatusException e = assertThrows(StatusException.class, call::receive);
      assertEquals(Status.of(Status.Code.FAILED_PRECONDITION, "negative"), e.status());
      assertTrue(UnaryCallTest.stackNames(e).contains("serverStreamingFailureComesAfterTheMessagesSent"),
          "a blocking receive fails on the caller's stack");
    }
  }

  @Test
  void clientStreamingSumsEveryMessageIncludingEmptyOnes() {
    try (ClientStreamCall<Int64Value, Int64Value> call = client.clientStream(StreamService.SUM, CallOptions.DEFAULT)) {
      call.send(Int64Value.of(1));
      call.send(Int64Value.of(0));
      call.send(Int64Value.of(41));
      assertEquals(3042, call.closeAndReceive().getValue());
    }
    try (ClientStreamCall<Int64Value, Int64Value> none = client.clientStream(StreamService.SUM, CallOptions.DEFAULT)) {
      assertEquals(0, none.closeAndReceiveAsync().join().getValue());
    }
  }

  @Test
  void bidiEchoesAHundredMessagesInOrder() {
    try (BidiStreamCall<StringValue, StringValue> call = client.bidiStream(StreamService.CHAT, CallOptions.DEFAULT)) {
      for (int i = 0; i < 100; i++) {
        call.send(StringValue.of("m" + i));
      }
      call.closeSend();
      for (int i = 0; i < 100; i++) {
        assertEquals("m" + i, call.receive().getValue());
      }
      assertNull(call.receive());
    }
  }

  @Test
  void bidiHandlerErrorEndsTheStreamWithItsStatus() {
    try (BidiStreamCall<StringValue, StringValue> call = client.bidiStream(StreamService.CHAT, CallOptions.DEFAULT)) {
      call.send(StringValue.of("a"));
      assertEquals("a", call.receive().getValue());
      call.send(StringValue.of("fail"));
      StatusException e = assertThrows(StatusException.class, call::receive);
      assertEquals(Status.of(Status.Code.FAILED_PRECONDITION, "asked to"), e.status());
      assertThrows(StatusException.class, () -> call.send(StringValue.of("late")));
    }
    assertEquals(StringValue.of("ok"), client.call(TestService.ECHO, StringValue.of("ok"), CallOptions.DEFAULT));
  }

  @Test
  void streamsCarryMetadataAndDeadline() {
    CallOptions options = CallOptions.timeout(Duration.ofSeconds(5)).withMetadata("Trace-ID", "abc");
    try (ServerStreamCall<StringValue> call =
        client.serverStream(StreamService.INFO, StringValue.of("trace-id"), options)) {
      assertEquals(List.of("abc", "deadline"), drain(call));
    }
    try (ServerStreamCall<StringValue> call =
        client.serverStream(StreamService.INFO, StringValue.of("trace-id"), CallOptions.DEFAULT)) {
      assertEquals(List.of("<none>", "none"), drain(call));
    }
  }

  @Test
  void streamDeadlineExpiresLocally() {
    try (BidiStreamCall<StringValue, StringValue> call =
        client.bidiStream(StreamService.IGNORE, CallOptions.timeout(Duration.ofMillis(150)))) {
      StatusException e = assertThrows(StatusException.class, call::receive);
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
    }
  }

  @Test
  void streamInterceptorsRunInOrderOnBothSides() throws Exception {
    List<String> order = new CopyOnWriteArrayList<>();
    ServerInterceptor s1 = new ServerInterceptor() {
      @Override public <Q, R> R interceptUnary(Q q, ServerCallContext c, ServerHandlers.UnaryHandler<Q, R> n) throws Exception {
        return n.handle(q, c);
      }
      @Override public <Q, R> void interceptStream(StreamReceiver<Q> in, StreamSender<R> out, ServerCallContext c, StreamHandler<Q, R> n) throws Exception {
        order.add("s1:" + c.metadata().get("via"));
        n.handle(in, m -> { order.add("s1-send"); out.send(m); }, c);
      }
    };
    ServerInterceptor s2 = new ServerInterceptor() {
      @Override public <Q, R> R interceptUnary(Q q, ServerCallContext c, ServerHandlers.UnaryHandler<Q, R> n) throws Exception {
        return n.handle(q, c);
      }
      @Override public <Q, R> void interceptStream(StreamReceiver<Q> in, StreamSender<R> out, ServerCallContext c, StreamHandler<Q, R> n) throws Exception {
        order.add("s2");
        n.handle(in, out, c);
      }
    };
    ClientInterceptor c1 = new ClientInterceptor() {
      @Override public <Q, R> java.util.concurrent.CompletableFuture<R> interceptUnary(MethodDescriptor<Q, R> m, Q q, CallOptions o, UnaryInvoker<Q, R> n) {
        return n.invoke(q, o);
      }
      @Override public <Q, R> BidiStreamCall<Q, R> interceptStream(MethodDescriptor<Q, R> m, CallOptions o, StreamStarter<Q, R> n) {
        order.add("c1:" + m.methodName());
        return n.start(o.withMetadata("via", "c1"));
      }
    };
    ClientInterceptor c2 = new ClientInterceptor() {
      @Override public <Q, R> java.util.concurrent.CompletableFuture<R> interceptUnary(MethodDescriptor<Q, R> m, Q q, CallOptions o, UnaryInvoker<Q, R> n) {
        return n.invoke(q, o);
      }
      @Override public <Q, R> BidiStreamCall<Q, R> interceptStream(MethodDescriptor<Q, R> m, CallOptions o, StreamStarter<Q, R> n) {
        order.add("c2:" + o.metadata().get("via"));
        return n.start(o);
      }
    };
    String addr2 = dir.resolve("i.sock").toString();
    TtrpcServer s = TtrpcServer.builder().addService(streams.definition()).intercept(s1, s2).build().start(addr2);
    try (TtrpcClient c = TtrpcClient.builder().address(addr2).intercept(c1, c2).connect();
        ServerStreamCall<StringValue> call = c.serverStream(StreamService.ONE, StringValue.of(""), CallOptions.DEFAULT)) {
      assertEquals("one", call.receive().getValue());
      assertNull(call.receive());
    } finally {
      s.shutdownNow();
      s.awaitTermination(Duration.ofSeconds(5));
    }
    assertEquals(List.of("c1:One", "c2:c1", "s1:c1", "s2", "s1-send"), order);
  }

  @Test
  void handlerReturnCancelsItsContext() throws Exception {
    try (ServerStreamCall<StringValue> call = client.serverStream(StreamService.ONE, StringValue.of(""), CallOptions.DEFAULT)) {
      assertEquals("one", call.receive().getValue());
      assertNull(call.receive());
    }
    assertTrue(streams.lastContext.get().isCancelled());
  }

  @Test
  void messageAlwaysArrivesBeforeTheEnd() {
    for (int i = 0; i < 2000; i++) {
      try (ServerStreamCall<StringValue> call = client.serverStream(StreamService.ONE, StringValue.of(""), CallOptions.DEFAULT)) {
        assertEquals("one", call.receive().getValue());
        assertNull(call.receive());
      }
    }
  }

  @Test
  void aSlowButSteadyClientReaderGetsEveryMessageOfAFastServerStream() throws Exception {
    // 5,000 messages arrive far faster than this reader takes them: the connection pauses its
    // reads instead of failing the stream, and resumes as the reader catches up.
    int n = 5_000;
    try (ServerStreamCall<StringValue> call =
        client.serverStream(StreamService.DIVIDE, Int64Value.of(n), CallOptions.DEFAULT)) {
      for (int i = 0; i < n; i++) {
        if (i % 500 == 0) {
          Thread.sleep(50);
        }
        assertEquals(StringValue.of(Integer.toString(i)), call.receive(Duration.ofSeconds(5)));
      }
      assertNull(call.receive(Duration.ofSeconds(5)));
    }
  }

  @Test
  void aFastClientStreamIsPacedToItsHandlerInsteadOfFailing() {
    // Far more messages than the per-stream buffer, sent as fast as the socket takes them.
    int n = 50_000;
    try (ClientStreamCall<Int64Value, Int64Value> call =
        client.clientStream(StreamService.SUM, CallOptions.DEFAULT)) {
      long expected = 0;
      for (int i = 1; i <= n; i++) {
        call.send(Int64Value.of(i));
        expected += i;
      }
      // The handler answers the sum plus 1000 per message it received.
      assertEquals(expected + n * 1000L, call.closeAndReceive().getValue());
    }
  }

  @Test
  void anUnreadClientSideStreamNeverBlocksOtherCalls() throws Exception {
    BidiStreamCall<StringValue, StringValue> flood = client.bidiStream(StreamService.CHAT, CallOptions.DEFAULT);
    flood.send(StringValue.of("flood:2000"));
    // Not reading: the connection keeps serving other calls meanwhile.
    for (int i = 0; i < 20; i++) {
      assertEquals(StringValue.of("u" + i), client.call(TestService.ECHO, StringValue.of("u" + i), CallOptions.DEFAULT));
    }
    Thread.sleep(1200);
    // The backlog stayed above the bound past the grace period: that stream alone failed.
    List<String> got = new ArrayList<>();
    StatusException e = assertThrows(StatusException.class, () -> {
      while (true) {
        StringValue v = flood.receive(Duration.ofSeconds(5));
        got.add(v.getValue());
      }
    });
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code(), e.toString());
    flood.close();
    assertEquals(StringValue.of("after"), client.call(TestService.ECHO, StringValue.of("after"), CallOptions.DEFAULT));
  }

  @Test
  void anUnreadServerSideStreamFailsAloneWithGoText() throws Exception {
    BidiStreamCall<StringValue, StringValue> ignored = client.bidiStream(StreamService.IGNORE, CallOptions.DEFAULT);
    long start = System.nanoTime();
    StatusException failure = null;
    for (int i = 0; i < 100_000 && failure == null; i++) {
      try {
        ignored.send(StringValue.of("x" + i));
        if (i % 50 == 0) {
          Thread.sleep(10);
        }
      } catch (StatusException e) {
        failure = e;
      }
      if (i % 200 == 0) {
        assertEquals(StringValue.of("u"), client.call(TestService.ECHO, StringValue.of("u"), CallOptions.DEFAULT));
      }
    }
    StatusException fromReceive = assertThrows(StatusException.class, ignored::receive);
    assertEquals(Status.of(Status.Code.INVALID_ARGUMENT, "data handling error: ttrpc: stream buffer full"),
        fromReceive.status());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
    ignored.close();
    assertTrue(streams.lastContext.get().isCancelled());
  }

  @Test
  void sendAfterThePeerIsGoneFailsPromptly() throws Exception {
    BidiStreamCall<StringValue, StringValue> call = client.bidiStream(StreamService.CHAT, CallOptions.DEFAULT);
    call.send(StringValue.of("hi"));
    assertEquals("hi", call.receive().getValue());
    server.shutdownNow();
    client.closeFuture().get(5, TimeUnit.SECONDS);
    long start = System.nanoTime();
    StatusException e = assertThrows(StatusException.class, () -> call.send(StringValue.of("gone")));
    assertEquals(Status.Code.UNAVAILABLE, e.code());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
    assertEquals(Status.Code.UNAVAILABLE, assertThrows(StatusException.class, call::receive).code());
  }

  @Test
  void serverSendAfterTheClientIsGoneFailsPromptly() throws Exception {
    TtrpcClient other = TtrpcClient.connect(address);
    BidiStreamCall<StringValue, StringValue> call = other.bidiStream(StreamService.TICKER, CallOptions.DEFAULT);
    assertEquals("hello", call.receive().getValue());
    other.close();
    assertTrue(streams.sendFailed.await(2, TimeUnit.SECONDS));
    assertTrue(streams.sendFailure.get() instanceof StatusException);
  }
}
