package dev.ttrpc.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.Status;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.RawConnection.Frame;
import dev.ttrpc.testing.TestService;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-connection memory budget: a client that writes everything before it reads anything (the
 * pattern that deadlocks Go ttrpc 1.2.0 to 1.2.3 clients against a server that stops reading while
 * its writes are blocked) always gets to the end of its writes and then gets every answer.
 */
@ExtendWith(LeakCheck.class)
class ConnectionBudgetTest {
  @TempDir Path dir;
  TtrpcServer server;

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  private Path start(long budget) throws Exception {
    Path socket = dir.resolve("s.sock");
    server =
        TtrpcServer.builder()
            .addService(new TestService().definition())
            .connectionMemoryBudget(budget)
            .build()
            .start(socket.toString());
    return socket;
  }

  /** Writes {@code requests} on another thread; fails if that does not finish within a minute. */
  private static void writeAllBeforeReading(RawConnection c, byte[] requests) throws Exception {
    CompletableFuture<Void> written =
        CompletableFuture.runAsync(
            () -> {
              try {
                c.write(requests);
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    try {
      written.get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("the server stopped reading while its answers were not taken", e);
    }
  }

  private static String body(int index, int size) {
    String head = index + ":";
    return head + "x".repeat(size - head.length());
  }

  @Test
  void manyLargeRequestsWrittenBeforeAnyAnswerIsReadAreAllAnswered() throws Exception {
    Path socket = start(TtrpcServerBuilderDefaults.BUDGET);
    Random random = new Random(20261202);
    Map<Integer, Integer> sizes = new HashMap<>();
    ByteArrayOutputStream requests = new ByteArrayOutputStream();
    long total = 0;
    for (int i = 0; i < 48; i++) {
      int size = 64 * 1024 + random.nextInt(1024 * 1024 - 64 * 1024 + 1);
      sizes.put(2 * i + 1, size);
      requests.write(Frames.request(2 * i + 1, "Echo", body(i, size)));
      total += size;
    }
    assertTrue(total < TtrpcServerBuilderDefaults.BUDGET, "the test stays within the budget");
    try (RawConnection c = RawConnection.connect(socket)) {
      writeAllBeforeReading(c, requests.toByteArray());
      for (int i = 0; i < 48; i++) {
        Frame f = c.readFrame(Duration.ofSeconds(30));
        Integer size = sizes.remove(f.streamId());
        assertTrue(size != null, "one answer per request, stream " + f.streamId());
        assertEquals(body((f.streamId() - 1) / 2, size), Frames.stringPayload(f));
      }
      assertTrue(sizes.isEmpty());
    }
  }

  @Test
  void pastTheBudgetRequestsAreRefusedButReadingGoesOn() throws Exception {
    long budget = 1 << 20;
    Path socket = start(budget);
    int count = 40;
    ByteArrayOutputStream requests = new ByteArrayOutputStream();
    for (int i = 0; i < count; i++) {
      requests.write(Frames.request(2 * i + 1, "Echo", body(i, 256 * 1024)));
    }
    try (RawConnection c = RawConnection.connect(socket)) {
      writeAllBeforeReading(c, requests.toByteArray());
      List<Integer> answered = new ArrayList<>();
      List<Integer> refused = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Frame f = c.readFrame(Duration.ofSeconds(30));
        Status status = Frames.status(f);
        if (status.isOk()) {
          assertEquals(body((f.streamId() - 1) / 2, 256 * 1024), Frames.stringPayload(f));
          answered.add(f.streamId());
        } else {
          assertEquals(
              Status.of(Status.Code.RESOURCE_EXHAUSTED, ServerConnection.budgetExceeded(budget)),
              status);
          refused.add(f.streamId());
        }
      }
      assertEquals(count, answered.size() + refused.size());
      assertTrue(!refused.isEmpty(), "some requests beyond the budget were refused");
      assertTrue(answered.size() >= 4, "the budget's worth was served: " + answered);
      // Once the client has read its answers, the connection serves normally again.
      c.write(Frames.request(2 * count + 1, "Echo", "after"));
      Frame f = c.readFrame();
      assertEquals(2 * count + 1, f.streamId());
      assertEquals("after", Frames.stringPayload(f));
    }
  }

  @Test
  void tinyRequestsWhoseHandlersWaitStopStartingCallsAtTheBudget() throws Exception {
    long budget = 1 << 20;
    Path socket = dir.resolve("s.sock");
    TestService service = new TestService();
    server =
        TtrpcServer.builder()
            .addService(service.definition())
            .connectionMemoryBudget(budget)
            .build()
            .start(socket.toString());
    int count = 20_000;
    ByteArrayOutputStream requests = new ByteArrayOutputStream();
    for (int i = 0; i < count; i++) {
      requests.write(Frames.request(2 * i + 1, "Block", ""));
    }
    try (RawConnection c = RawConnection.connect(socket)) {
      CompletableFuture<Void> written =
          CompletableFuture.runAsync(
              () -> {
                try {
                  c.write(requests.toByteArray());
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      // Wait until the number of started calls stays put: reads are paused.
      int started = -1;
      while (started != service.blockCalls.get()) {
        started = service.blockCalls.get();
        Thread.sleep(200);
      }
      // The budget buys about 500 calls at 2 KiB each; one socket read already taken adds more.
      long perCall = ServerConnection.CALL_BYTES;
      assertTrue(
          started < budget / perCall + 2_500,
          started + " of " + count + " calls were started while every one of them waits");
      // Released, the calls end and the rest start as the client reads its answers: each request
      // gets one answer, served or (when a burst finds answers still waiting) refused.
      service.release.countDown();
      java.util.Set<Integer> answered = new java.util.HashSet<>();
      int served = 0;
      for (int i = 0; i < count; i++) {
        Frame f = c.readFrame(Duration.ofSeconds(30));
        assertTrue(answered.add(f.streamId()), "answered twice: " + f.streamId());
        Status status = Frames.status(f);
        if (status.isOk()) {
          assertEquals("released", Frames.stringPayload(f));
          served++;
        } else {
          assertEquals(
              Status.of(Status.Code.RESOURCE_EXHAUSTED, ServerConnection.budgetExceeded(budget)),
              status);
        }
      }
      written.get(30, TimeUnit.SECONDS);
      assertEquals(served, service.blockCalls.get());
      assertTrue(served >= started, served + " served");
    }
  }

  @Test
  void aClientThatLeavesTwiceTheBudgetOfAnswersUnreadIsDisconnected() throws Exception {
    long budget = 256 * 1024;
    Path socket = start(budget);
    // Small requests whose answers are large: all are admitted before the first answer exists.
    int count = 64;
    byte[] bigRequests = bigRequests(count, 256 * 1024);
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(bigRequests);
      // Give the answers time to pile up, then read: the server must have closed the connection.
      Thread.sleep(1000);
      int answers = 0;
      boolean closed = false;
      while (answers <= count) {
        if (c.readFrame(Duration.ofSeconds(30)) == null) {
          closed = true;
          break;
        }
        answers++;
      }
      assertTrue(closed, "the connection stayed open after " + answers + " answers");
      assertTrue(answers < count, answers + " answers");
    }
    // The server goes on serving other clients.
    try (RawConnection c = RawConnection.connect(socket)) {
      c.write(Frames.request(1, "Echo", "still here"));
      assertEquals("still here", Frames.stringPayload(c.readFrame()));
    }
  }

  /** Requests for {@code test.v1.Test/Big}, each asking for an answer of {@code size} bytes. */
  private static byte[] bigRequests(int count, long size) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < count; i++) {
      io.netty.buffer.ByteBuf b =
          dev.ttrpc.internal.wire.FrameEncoder.request(
              io.netty.buffer.ByteBufAllocator.DEFAULT,
              2 * i + 1,
              0,
              dev.ttrpc.internal.wire.FrameEncoder.route(TestService.NAME, "Big"),
              dev.ttrpc.Marshaller.protobuf(com.google.protobuf.Int64Value.getDefaultInstance()),
              com.google.protobuf.Int64Value.of(size),
              0,
              new dev.ttrpc.Metadata(),
              Integer.MAX_VALUE);
      try {
        out.write(io.netty.buffer.ByteBufUtil.getBytes(b));
      } finally {
        b.release();
      }
    }
    return out.toByteArray();
  }

  /** The builder's default budget, restated so that the test notices if it changes. */
  private static final class TtrpcServerBuilderDefaults {
    static final long BUDGET = dev.ttrpc.TtrpcServerBuilder.DEFAULT_CONNECTION_MEMORY_BUDGET;
  }
}
