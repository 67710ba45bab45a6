package dev.ttrpc.testing;

import com.google.protobuf.BytesValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.Marshaller;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.Status;
import dev.ttrpc.TtrpcServer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A test service {@code test.v1.Test} with one method per behaviour the tests need. */
public final class TestService {
  public static final String NAME = "test.v1.Test";
  static final Marshaller<StringValue> STRING = Marshaller.protobuf(StringValue.getDefaultInstance());
  static final Marshaller<Int64Value> INT64 = Marshaller.protobuf(Int64Value.getDefaultInstance());
  static final Marshaller<BytesValue> BYTES = Marshaller.protobuf(BytesValue.getDefaultInstance());

  public static final MethodDescriptor<StringValue, StringValue> ECHO =
      MethodDescriptor.unary(NAME, "Echo", STRING, STRING);
  /** Sleeps the given milliseconds, or until cancelled (then 1 s more); answers "slept" or "cancelled". */
  public static final MethodDescriptor<Int64Value, StringValue> SLEEP =
      MethodDescriptor.unary(NAME, "Sleep", INT64, STRING);
  /** Throws: "status" → FAILED_PRECONDITION "custom 42"; anything else → RuntimeException(value). */
  public static final MethodDescriptor<StringValue, StringValue> FAIL =
      MethodDescriptor.unary(NAME, "Fail", STRING, STRING);
  public static final MethodDescriptor<StringValue, StringValue> NULL =
      MethodDescriptor.unary(NAME, "Null", STRING, STRING);
  /** Answers that many bytes. */
  public static final MethodDescriptor<Int64Value, BytesValue> BIG =
      MethodDescriptor.unary(NAME, "Big", INT64, BYTES);
  /** Answers every value of the metadata key given, joined by commas. */
  public static final MethodDescriptor<StringValue, StringValue> META =
      MethodDescriptor.unary(NAME, "Meta", STRING, STRING);
  /** Answers "none", or "expired", or the remaining nanoseconds of the deadline. */
  public static final MethodDescriptor<StringValue, StringValue> DEADLINE =
      MethodDescriptor.unary(NAME, "Deadline", STRING, STRING);
  /** Starts a graceful shutdown of the server, then answers "bye". */
  public static final MethodDescriptor<StringValue, StringValue> SHUTDOWN =
      MethodDescriptor.unary(NAME, "Shutdown", STRING, STRING);
  /** Blocks until {@link #release} is counted down; answers "released". */
  public static final MethodDescriptor<StringValue, StringValue> BLOCK =
      MethodDescriptor.unary(NAME, "Block", STRING, STRING);

  public final AtomicReference<TtrpcServer> server = new AtomicReference<>();
  public final CountDownLatch blocked = new CountDownLatch(1);
  public final CountDownLatch release = new CountDownLatch(1);
  /** How many Block calls have started. */
  public final AtomicInteger blockCalls = new AtomicInteger();
  public final AtomicReference<ServerCallContext> lastContext = new AtomicReference<>();
  /** Counted down by a cancellation listener of the last Sleep call. */
  public final CountDownLatch sleepCancelled = new CountDownLatch(1);

  public static StringValue str(String s) {
    return StringValue.of(s);
  }

  public ServiceDefinition definition() {
    return ServiceDefinition.builder(NAME)
        .unary(ECHO, (req, ctx) -> req)
        .unary(SLEEP, (req, ctx) -> {
          lastContext.set(ctx);
          ctx.addCancellationListener(sleepCancelled::countDown);
          long end = System.nanoTime() + req.getValue() * 1_000_000;
          while (System.nanoTime() < end) {
            if (ctx.isCancelled()) {
              // Answer late, so a client-side deadline always fires first.
              Thread.sleep(1000);
              return str("cancelled");
            }
            Thread.sleep(2);
          }
          return str("slept");
        })
        .unary(FAIL, (req, ctx) -> {
          if (req.getValue().equals("status")) {
            throw Status.of(Status.Code.FAILED_PRECONDITION, "custom 42").asException();
          }
          throw new IllegalStateException(req.getValue());
        })
        .unary(NULL, (req, ctx) -> null)
        .unary(BIG, (req, ctx) -> BytesValue.of(ByteString.copyFrom(new byte[(int) req.getValue()])))
        .unary(META, (req, ctx) -> str(String.join(",", ctx.metadata().getAll(req.getValue()))))
        .unary(DEADLINE, (req, ctx) -> {
          lastContext.set(ctx);
          if (ctx.deadline().isEmpty()) {
            return str("none");
          }
          if (ctx.deadline().get().isExpired()) {
            return str("expired:" + ctx.isCancelled());
          }
          return str(Long.toString(ctx.deadline().get().remainingNanos()));
        })
        .unary(SHUTDOWN, (req, ctx) -> {
          server.get().shutdown();
          return str("bye");
        })
        .unary(BLOCK, (req, ctx) -> {
          lastContext.set(ctx);
          blockCalls.incrementAndGet();
          blocked.countDown();
          release.await();
          return str("released");
        })
        .build();
  }
}
