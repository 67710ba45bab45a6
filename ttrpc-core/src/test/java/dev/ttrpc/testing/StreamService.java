package dev.ttrpc.testing;

import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.Marshaller;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.MethodType;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** A test service {@code test.v1.Streams} with streaming methods of every shape. */
public final class StreamService {
  public static final String NAME = "test.v1.Streams";
  static final Marshaller<StringValue> STRING = Marshaller.protobuf(StringValue.getDefaultInstance());
  static final Marshaller<Int64Value> INT64 = Marshaller.protobuf(Int64Value.getDefaultInstance());

  /** Server streaming: n messages "0".."n-1"; n = 0 sends the one message "zero"; n < 0 fails after one. */
  public static final MethodDescriptor<Int64Value, StringValue> DIVIDE =
      MethodDescriptor.of(MethodType.SERVER_STREAMING, NAME, "Divide", INT64, STRING);
  /** Client streaming: the sum and (as count * 1000) how many messages arrived. */
  public static final MethodDescriptor<Int64Value, Int64Value> SUM =
      MethodDescriptor.of(MethodType.CLIENT_STREAMING, NAME, "Sum", INT64, INT64);
  /** Bidi: echoes every message; "fail" ends with FAILED_PRECONDITION "asked to"; "flood:N" sends N. */
  public static final MethodDescriptor<StringValue, StringValue> CHAT =
      MethodDescriptor.of(MethodType.BIDI_STREAMING, NAME, "Chat", STRING, STRING);
  /** Server streaming: the metadata value of the key asked for, then "deadline" or "none". */
  public static final MethodDescriptor<StringValue, StringValue> INFO =
      MethodDescriptor.of(MethodType.SERVER_STREAMING, NAME, "Info", STRING, STRING);
  /** Bidi that never reads: waits for {@link #release}, records what happened to its input. */
  public static final MethodDescriptor<StringValue, StringValue> IGNORE =
      MethodDescriptor.of(MethodType.BIDI_STREAMING, NAME, "Ignore", STRING, STRING);
  /** Server streaming: sends "one" and returns at once. */
  public static final MethodDescriptor<StringValue, StringValue> ONE =
      MethodDescriptor.of(MethodType.SERVER_STREAMING, NAME, "One", STRING, STRING);
  /** Bidi: sends "hello", then keeps sending "tick" until a send fails; records that failure. */
  public static final MethodDescriptor<StringValue, StringValue> TICKER =
      MethodDescriptor.of(MethodType.BIDI_STREAMING, NAME, "Ticker", STRING, STRING);

  public final CountDownLatch release = new CountDownLatch(1);
  public final AtomicReference<ServerCallContext> lastContext = new AtomicReference<>();
  public final List<String> received = new CopyOnWriteArrayList<>();
  public final AtomicReference<Throwable> sendFailure = new AtomicReference<>();
  public final CountDownLatch sendFailed = new CountDownLatch(1);
  public final CountDownLatch tickerStarted = new CountDownLatch(1);

  public ServiceDefinition definition() {
    return ServiceDefinition.builder(NAME)
        .serverStreaming(DIVIDE, (req, out, ctx) -> {
          lastContext.set(ctx);
          long n = req.getValue();
          if (n == 0) {
            out.send(StringValue.of("zero"));
            return;
          }
          if (n < 0) {
            out.send(StringValue.of("before failure"));
            throw Status.of(Status.Code.FAILED_PRECONDITION, "negative").asException();
          }
          for (long i = 0; i < n; i++) {
            out.send(StringValue.of(Long.toString(i)));
          }
        })
        .clientStreaming(SUM, (in, ctx) -> {
          long sum = 0;
          long count = 0;
          for (Int64Value v = in.receive(); v != null; v = in.receive()) {
            sum += v.getValue();
            count++;
          }
          return Int64Value.of(sum + count * 1000);
        })
        .bidiStreaming(CHAT, (in, out, ctx) -> {
          for (StringValue v = in.receive(); v != null; v = in.receive()) {
            received.add(v.getValue());
            if (v.getValue().equals("fail")) {
              throw Status.of(Status.Code.FAILED_PRECONDITION, "asked to").asException();
            }
            if (v.getValue().startsWith("flood:")) {
              int n = Integer.parseInt(v.getValue().substring(6));
              for (int i = 0; i < n; i++) {
                out.send(StringValue.of("f" + i));
              }
              continue;
            }
            out.send(v);
          }
        })
        .serverStreaming(INFO, (req, out, ctx) -> {
          String value = ctx.metadata().get(req.getValue());
          out.send(StringValue.of(value == null ? "<none>" : value));
          out.send(StringValue.of(ctx.deadline().isPresent() ? "deadline" : "none"));
        })
        .bidiStreaming(IGNORE, (in, out, ctx) -> {
          lastContext.set(ctx);
          release.await();
          try {
            in.receive();
            received.add("read ok");
          } catch (StatusException e) {
            received.add(e.code().name());
          }
        })
        .serverStreaming(ONE, (req, out, ctx) -> {
          lastContext.set(ctx);
          out.send(StringValue.of("one"));
        })
        .bidiStreaming(TICKER, (in, out, ctx) -> {
          out.send(StringValue.of("hello"));
          tickerStarted.countDown();
          try {
            while (true) {
              out.send(StringValue.of("tick"));
              Thread.sleep(5);
            }
          } catch (StatusException e) {
            sendFailure.set(e);
            sendFailed.countDown();
            throw e;
          }
        })
        .build();
  }
}
