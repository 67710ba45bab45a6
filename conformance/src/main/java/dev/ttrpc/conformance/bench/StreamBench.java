package dev.ttrpc.conformance.bench;

import com.google.protobuf.ByteString;
import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.ClientStreamCall;
import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.conformance.bench.Bench.BenchFailure;
import dev.ttrpc.conformance.interop.Flags;
import dev.ttrpc.conformance.interop.Payload;
import dev.ttrpc.conformance.interop.ResponseParameters;
import dev.ttrpc.conformance.interop.StreamingInputCallRequest;
import dev.ttrpc.conformance.interop.StreamingInputCallResponse;
import dev.ttrpc.conformance.interop.StreamingOutputCallRequest;
import dev.ttrpc.conformance.interop.StreamingOutputCallResponse;
import dev.ttrpc.conformance.interop.TestServiceTtrpc;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Messages per second over one ttRPC stream, against a {@code ttrpc.interop.TestService} server
 * in another process (streams need ttRPC 1.2, so the Go 1.1.1 peer has none):
 *
 * <ul>
 *   <li>{@code client}: client streaming ({@code StreamingInputCall}), N requests of S bytes,
 *       then the server's aggregate, which must be N × S;
 *   <li>{@code server}: server streaming ({@code StreamingOutputCall}), one request asking for N
 *       responses of S bytes; each must arrive with S zero bytes;
 *   <li>{@code bidi}: bidirectional ({@code FullDuplexCall}), pipelined: one thread sends N
 *       requests of S bytes, each asking for one response of S bytes, while this thread reads the
 *       N responses and checks each.
 * </ul>
 *
 * <p>Each point runs its stream {@code --warmup_streams} times unmeasured, then {@code --streams}
 * times measured, and prints the median rate. A wrong or failed message voids the run (exit 1).
 */
public final class StreamBench {
  private StreamBench() {}

  /** A measured point: messages one stream carried per second, and the payload bytes per second. */
  record Point(String mode, int size, int messages, double messagesPerSecond) {
    String line() {
      return String.format(
          Locale.ROOT,
          "STREAM mode=%s size=%d messages=%d msgs_per_sec=%.0f mib_per_sec=%.1f",
          mode,
          size,
          messages,
          messagesPerSecond,
          messagesPerSecond * size / (1024.0 * 1024.0));
    }
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  private static int run(String[] args) {
    String address;
    List<String> modes;
    List<Integer> sizes;
    int warmupStreams;
    int streams;
    long totalBytes;
    try {
      Flags flags =
          Flags.parse(
              args,
              List.of("address", "modes", "sizes", "warmup_streams", "streams", "bytes"),
              List.of("help"));
      if (flags.has("help")) {
        System.out.println(usage());
        return 0;
      }
      flags.require("address");
      address = flags.get("address");
      modes = Arrays.asList(flags.get("modes", "client,server,bidi").split(","));
      for (String mode : modes) {
        if (!List.of("client", "server", "bidi").contains(mode)) {
          throw new IllegalArgumentException("unknown mode " + mode);
        }
      }
      sizes = flags.intList("sizes", "64,65536");
      warmupStreams = flags.intValue("warmup_streams", 3);
      streams = flags.intValue("streams", 5);
      totalBytes = flags.intValue("bytes", 64 << 20);
    } catch (IllegalArgumentException e) {
      System.err.println("stream-bench: " + e.getMessage());
      System.err.println(usage());
      return 2;
    }
    try (TtrpcClient client = TtrpcClient.connect(address)) {
      TestServiceTtrpc.TestServiceStub stub = TestServiceTtrpc.newStub(client);
      for (String mode : modes) {
        for (int size : sizes) {
          // Enough messages for the stream to last well beyond start-up costs, capped for 64 B.
          int messages = (int) Math.max(1_000, Math.min(200_000, totalBytes / size));
          double[] rates = new double[streams];
          for (int i = 0; i < warmupStreams + streams; i++) {
            long start = System.nanoTime();
            runStream(stub, mode, size, messages);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (i >= warmupStreams) {
              rates[i - warmupStreams] = messages / seconds;
            }
          }
          Arrays.sort(rates);
          System.out.println(new Point(mode, size, messages, rates[streams / 2]).line());
          System.out.flush();
        }
      }
      return 0;
    } catch (IOException e) {
      System.err.println("stream-bench: cannot connect to " + address + ": " + e);
      return 1;
    } catch (BenchFailure | RuntimeException e) {
      System.err.println("stream-bench: " + e.getMessage());
      return 1;
    }
  }

  private static void runStream(
      TestServiceTtrpc.TestServiceStub stub, String mode, int size, int messages)
      throws BenchFailure {
    switch (mode) {
      case "client" -> clientStream(stub, size, messages);
      case "server" -> serverStream(stub, size, messages);
      default -> bidiStream(stub, size, messages);
    }
  }

  private static void clientStream(TestServiceTtrpc.TestServiceStub stub, int size, int messages)
      throws BenchFailure {
    StreamingInputCallRequest request =
        StreamingInputCallRequest.newBuilder().setPayload(payload(size)).build();
    StreamingInputCallResponse response;
    try (ClientStreamCall<StreamingInputCallRequest, StreamingInputCallResponse> call =
        stub.streamingInputCall()) {
      for (int i = 0; i < messages; i++) {
        call.send(request);
      }
      response = call.closeAndReceive();
    }
    long expected = (long) messages * size;
    if (response.getAggregatedPayloadSize() != expected) {
      throw new BenchFailure(
          "client stream: server saw " + response.getAggregatedPayloadSize() + " bytes, sent "
              + expected,
          null);
    }
  }

  private static void serverStream(TestServiceTtrpc.TestServiceStub stub, int size, int messages)
      throws BenchFailure {
    ResponseParameters each = ResponseParameters.newBuilder().setSize(size).build();
    StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
    for (int i = 0; i < messages; i++) {
      request.addResponseParameters(each);
    }
    try (ServerStreamCall<StreamingOutputCallResponse> call =
        stub.streamingOutputCall(request.build())) {
      receiveAll("server stream", call::receive, size, messages);
    }
  }

  private static void bidiStream(TestServiceTtrpc.TestServiceStub stub, int size, int messages)
      throws BenchFailure {
    StreamingOutputCallRequest request =
        StreamingOutputCallRequest.newBuilder()
            .addResponseParameters(ResponseParameters.newBuilder().setSize(size))
            .setPayload(payload(size))
            .build();
    try (BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        stub.fullDuplexCall()) {
      CompletableFuture<Void> sent =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < messages; i++) {
                  call.send(request);
                }
                call.closeSend();
              },
              runnable -> Thread.ofPlatform().name("stream-bench-sender").start(runnable));
      receiveAll("bidi stream", call::receive, size, messages);
      sent.join();
    }
  }

  private interface Receiver {
    StreamingOutputCallResponse receive();
  }

  private static void receiveAll(String what, Receiver receiver, int size, int messages)
      throws BenchFailure {
    ByteBuffer zeros = ByteBuffer.allocate(size);
    for (int i = 0; i < messages; i++) {
      StreamingOutputCallResponse response = receiver.receive();
      if (response == null) {
        throw new BenchFailure(what + ": ended after " + i + " of " + messages + " messages", null);
      }
      ByteString body = response.getPayload().getBody();
      // ByteBuffer.equals compares in bulk; ByteString.equals goes byte by byte.
      if (body.size() != size || !body.asReadOnlyByteBuffer().equals(zeros.duplicate())) {
        throw new BenchFailure(what + ": message " + i + " is not " + size + " zero bytes", null);
      }
    }
    if (receiver.receive() != null) {
      throw new BenchFailure(what + ": more than " + messages + " messages", null);
    }
  }

  private static Payload payload(int size) {
    byte[] body = new byte[size];
    for (int i = 0; i < size; i++) {
      body[i] = (byte) (i * 31 + 7);
    }
    return Payload.newBuilder().setBody(ByteString.copyFrom(body)).build();
  }

  private static String usage() {
    return "usage: stream-bench --address unix:///PATH [--modes client,server,bidi]"
        + " [--sizes 64,65536] [--bytes BYTES_PER_STREAM] [--warmup_streams 3] [--streams 5]";
  }
}
