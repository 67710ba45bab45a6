package dev.ttrpc.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.Int64Value;
import dev.ttrpc.Marshaller;
import dev.ttrpc.Metadata;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.MethodType;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.Status;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.internal.wire.EnvelopeReader;
import dev.ttrpc.internal.wire.FrameEncoder;
import dev.ttrpc.internal.wire.ResponseEnvelope;
import dev.ttrpc.internal.wire.Wire;
import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.RawConnection.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unread stream messages count against the connection memory budget: many streams, each far
 * below its own buffer limit, cannot together make a connection hold more than about its budget,
 * nothing is lost when their handlers read late, and streams whose handlers never read are
 * failed so that the others go on.
 */
@ExtendWith(LeakCheck.class)
class StreamMemoryBudgetTest {
  private static final String SERVICE = "test.v1.Budget";
  private static final Marshaller<BytesValue> BYTES =
      Marshaller.protobuf(BytesValue.getDefaultInstance());
  private static final Marshaller<Int64Value> INT64 =
      Marshaller.protobuf(Int64Value.getDefaultInstance());
  /** Client streaming: waits for {@link #open}, then answers the bytes of all messages. */
  private static final MethodDescriptor<BytesValue, Int64Value> COUNT =
      MethodDescriptor.of(MethodType.CLIENT_STREAMING, SERVICE, "Count", BYTES, INT64);
  /** Client streaming: never reads; answers -1 once the test ends. */
  private static final MethodDescriptor<BytesValue, Int64Value> NEVER =
      MethodDescriptor.of(MethodType.CLIENT_STREAMING, SERVICE, "Never", BYTES, INT64);

  private static final int RC = Wire.FLAG_REMOTE_CLOSED;
  private static final int RO = Wire.FLAG_REMOTE_OPEN;
  private static final int ND = Wire.FLAG_NO_DATA;
  private static final int MESSAGE = 64 * 1024;
  private static final long BUDGET = 1 << 20;

  @TempDir Path dir;
  private final CountDownLatch open = new CountDownLatch(1);
  private final CountDownLatch testOver = new CountDownLatch(1);
  private TtrpcServer server;

  @AfterEach
  void stop() throws Exception {
    open.countDown();
    testOver.countDown();
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  private Path start() throws Exception {
    ServiceDefinition service =
        ServiceDefinition.builder(SERVICE)
            .clientStreaming(
                COUNT,
                (in, ctx) -> {
                  open.await();
                  long bytes = 0;
                  for (BytesValue v = in.receive(); v != null; v = in.receive()) {
                    bytes += v.getValue().size();
                  }
                  return Int64Value.of(bytes);
                })
            .clientStreaming(
                NEVER,
                (in, ctx) -> {
                  testOver.await();
                  return Int64Value.of(-1);
                })
            .build();
    Path socket = dir.resolve("s.sock");
    server =
        TtrpcServer.builder()
            .addService(service)
            .connectionMemoryBudget(BUDGET)
            .build()
            .start(socket.toString());
    return socket;
  }

  private static byte[] open(int id, String method) throws Exception {
    ByteBuf b =
        FrameEncoder.request(
            ByteBufAllocator.DEFAULT,
            id,
            RO,
            FrameEncoder.route(SERVICE, method),
            BYTES,
            null,
            0,
            new Metadata(),
            Integer.MAX_VALUE);
    try {
      return ByteBufUtil.getBytes(b);
    } finally {
      b.release();
    }
  }

  private static byte[] message() {
    return BytesValue.of(ByteString.copyFrom(new byte[MESSAGE])).toByteArray();
  }

  /** Writes on another thread, counting the bytes that went through. */
  private static final class Writer {
    final AtomicLong written = new AtomicLong();
    final CompletableFuture<Void> done;

    Writer(RawConnection c, Iterable<byte[]> frames) {
      done =
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (byte[] frame : frames) {
                    c.write(frame);
                    written.addAndGet(frame.length);
                  }
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
    }

    /** Waits until nothing more goes through for a while (the writer is blocked) or all is done. */
    long settle() throws InterruptedException {
      long last = -1;
      while (!done.isDone()) {
        long now = written.get();
        if (now == last) {
          return now;
        }
        last = now;
        Thread.sleep(100);
      }
      return written.get();
    }
  }

  private static byte[] frame(int id, int flags, byte[] data) {
    byte[] f = new byte[Wire.HEADER_LENGTH + data.length];
    java.nio.ByteBuffer.wrap(f).putInt(data.length).putInt(id).put((byte) Wire.TYPE_DATA)
        .put((byte) flags).put(data);
    return f;
  }

  private static long int64(Frame f) throws Exception {
    ByteBuf data = f.dataBuf();
    ResponseEnvelope r = EnvelopeReader.readResponse(data, 0, data.readableBytes());
    assertTrue(r.status().isOk(), r.status().toString());
    return Int64Value.parseFrom(r.payload(data)).getValue();
  }

  @Test
  void manyStreamsTogetherPauseReadsAtTheBudgetAndLoseNothing() throws Exception {
    Path socket = start();
    int streams = 16;
    int perStream = 8;
    java.util.List<byte[]> frames = new java.util.ArrayList<>();
    for (int s = 0; s < streams; s++) {
      frames.add(open(2 * s + 1, "Count"));
    }
    byte[] message = message();
    for (int m = 0; m < perStream; m++) {
      for (int s = 0; s < streams; s++) {
        frames.add(frame(2 * s + 1, 0, message));
      }
    }
    for (int s = 0; s < streams; s++) {
      frames.add(frame(2 * s + 1, RC | ND, new byte[0]));
    }
    long total = (long) streams * perStream * message.length;
    assertTrue(
        (long) perStream * message.length < dev.ttrpc.internal.InboundMessages.BYTE_CAPACITY,
        "each stream stays below its own limit");
    try (RawConnection c = RawConnection.connect(socket)) {
      Writer writer = new Writer(c, frames);
      long accepted = writer.settle();
      // The budget, plus what the socket holds and one read the server had already taken.
      assertTrue(
          accepted < BUDGET + 1024 * 1024,
          "the connection took " + accepted + " of " + total + " bytes while nothing was read");
      open.countDown();
      writer.done.get(30, TimeUnit.SECONDS);
      Map<Integer, Long> answers = new HashMap<>();
      for (int s = 0; s < streams; s++) {
        Frame f = c.readFrame(Duration.ofSeconds(30));
        answers.put(f.streamId(), int64(f));
      }
      for (int s = 0; s < streams; s++) {
        assertEquals((long) perStream * MESSAGE, answers.get(2 * s + 1), "stream " + (2 * s + 1));
      }
    }
  }

  /**
   * A stream that never reads holds just under half the budget, so once a reading stream has
   * pushed the connection over the budget and emptied its own queue, the connection (with the
   * calls' own charge) is still above half the budget: reads must not stay paused for good.
   */
  @Test
  void aStalledStreamJustUnderHalfTheBudgetDoesNotHoldReadsForever() throws Exception {
    Path socket = start();
    java.util.List<byte[]> frames = new java.util.ArrayList<>();
    frames.add(open(1, "Never"));
    byte[] stalled = BytesValue.of(ByteString.copyFrom(new byte[65_000])).toByteArray();
    // 8 messages of 65,000 bytes: above half the budget less the two calls' charge, below half.
    for (int m = 0; m < 8; m++) {
      frames.add(frame(1, 0, stalled));
    }
    frames.add(open(3, "Count"));
    byte[] message = message();
    for (int m = 0; m < 32; m++) {
      frames.add(frame(3, 0, message));
    }
    frames.add(frame(3, RC | ND, new byte[0]));
    try (RawConnection c = RawConnection.connect(socket)) {
      Writer writer = new Writer(c, frames);
      // The counting stream's handler starts reading only once reads are paused for the budget.
      writer.settle();
      open.countDown();
      long count = -1;
      boolean neverFailed = false;
      while (count < 0) {
        Frame f = c.readFrame(Duration.ofSeconds(20));
        if (f.streamId() == 3) {
          count = int64(f);
        } else {
          Status status = Frames.status(f);
          if (status.message().equals(StreamingServerCall.BUFFER_FULL)) {
            neverFailed = true;
          }
        }
      }
      writer.done.get(30, TimeUnit.SECONDS);
      assertEquals(32L * MESSAGE, count, "the stream that reads got every byte");
      assertTrue(neverFailed, "the stream that never reads was failed to make room");
    }
  }

  @Test
  void streamsNeverReadAreFailedSoThatTheOthersGoOn() throws Exception {
    Path socket = start();
    open.countDown();
    java.util.List<byte[]> frames = new java.util.ArrayList<>();
    byte[] message = message();
    int never = 4;
    for (int s = 0; s < never; s++) {
      frames.add(open(2 * s + 1, "Never"));
    }
    // Each unread stream holds half the budget: together twice of it, each below its own limit.
    for (int m = 0; m < 8; m++) {
      for (int s = 0; s < never; s++) {
        frames.add(frame(2 * s + 1, 0, message));
      }
    }
    int counted = 2 * never + 1;
    frames.add(open(counted, "Count"));
    for (int m = 0; m < 32; m++) {
      frames.add(frame(counted, 0, message));
    }
    frames.add(frame(counted, RC | ND, new byte[0]));
    try (RawConnection c = RawConnection.connect(socket)) {
      Writer writer = new Writer(c, frames);
      int failed = 0;
      long count = -1;
      while (count < 0) {
        Frame f = c.readFrame(Duration.ofSeconds(30));
        if (f.streamId() == counted) {
          count = int64(f);
        } else {
          Status status = Frames.status(f);
          if (status.message().equals(StreamingServerCall.BUFFER_FULL)) {
            failed++;
          } else {
            // Data that was on its way to a stream already failed.
            assertEquals(
                Status.of(Status.Code.INVALID_ARGUMENT, ServerConnection.NO_LONGER_ACTIVE),
                status,
                "stream " + f.streamId());
          }
        }
      }
      writer.done.get(30, TimeUnit.SECONDS);
      assertEquals(32L * MESSAGE, count, "the stream that reads got every byte");
      assertTrue(failed >= 1, "at least one unread stream was failed to make room");
    }
  }
}
