package dev.ttrpc.internal.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import dev.ttrpc.Marshaller;
import dev.ttrpc.Metadata;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The codec and envelope paths of one unary call, without sockets or threads: encoding a Request
 * and a Response frame (envelope and message serialized into the frame's buffer, as the client
 * and a handler do), splitting a frame off the inbound bytes ({@link FrameDecoder} in a
 * pipeline), and reading a Request or Response envelope and parsing its message (as the server
 * and the client do with a decoded frame). Each encode releases its frame, so the figures include
 * the allocator's cost of getting and returning the memory.
 *
 * <p>Messages are {@code google.protobuf.BytesValue} with random bytes of {@code payloadSize}:
 * a 64-byte message is the small-call case, 1 MiB the large one, where a frame no longer fits
 * the allocator's pooled sizes. {@code marshaller} is {@code protobuf} (what generated code
 * uses) or {@code opaque}, the same encoding behind a marshaller the transport cannot see into,
 * which always gets one contiguous frame buffer to write and, to read a frame gathered in pieces,
 * one joined buffer: at 1 MiB the two show what writing and parsing in pieces saves.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class FrameCodecBenchmark {
  private static final Marshaller<BytesValue> PROTOBUF =
      Marshaller.protobuf(BytesValue.getDefaultInstance());
  private static final Marshaller<BytesValue> OPAQUE =
      new Marshaller<>() {
        @Override
        public int serializedSize(BytesValue value) {
          return PROTOBUF.serializedSize(value);
        }

        @Override
        public void serialize(BytesValue value, ByteBuffer target) throws IOException {
          PROTOBUF.serialize(value, target);
        }

        @Override
        public BytesValue parse(ByteBuffer source) throws IOException {
          return PROTOBUF.parse(source);
        }
      };
  private static final int MAX = Wire.DEFAULT_MAX_MESSAGE_SIZE;
  private static final int READ_SIZE = 64 * 1024;

  @Param({"64", "1048576"})
  public int payloadSize;

  @Param({"protobuf", "opaque"})
  public String marshaller;

  private Marshaller<BytesValue> codec;

  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
  private final byte[] route = FrameEncoder.route("ttrpc.interop.TestService", "UnaryCall");
  private final Metadata metadata = Metadata.of("containerd-namespace-ttrpc", "default");
  private BytesValue message;
  private ByteBuf requestFrame;
  private ByteBuf responseFrame;
  private EmbeddedChannel decoder;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    byte[] body = new byte[payloadSize];
    new Random(1).nextBytes(body);
    message = BytesValue.of(ByteString.copyFrom(body));
    codec = marshaller.equals("opaque") ? OPAQUE : PROTOBUF;
    decoder = new EmbeddedChannel(new FrameDecoder(MAX));
    // The frames the read benchmarks take are what the decoder emits from 64 KiB reads: a large
    // one gathered in pieces.
    requestFrame =
        received(FrameEncoder.request(alloc, 1, 0, route, codec, message, 0, metadata, MAX));
    responseFrame = received(FrameEncoder.response(alloc, 1, codec, message, MAX));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    requestFrame.release();
    responseFrame.release();
    decoder.finishAndReleaseAll();
  }

  /** Client: a Request frame with route, payload and one metadata pair. */
  @Benchmark
  public int encodeRequest() throws IOException {
    ByteBuf frame =
        FrameEncoder.request(alloc, 1, 0, route, codec, message, 0, metadata, MAX);
    int n = frame.readableBytes();
    frame.release();
    return n;
  }

  /** Server: a successful Response frame. */
  @Benchmark
  public int encodeResponse() throws IOException {
    ByteBuf frame = FrameEncoder.response(alloc, 1, codec, message, MAX);
    int n = frame.readableBytes();
    frame.release();
    return n;
  }

  private ByteBuf received(ByteBuf sent) {
    try {
      feed(sent);
      return decoder.readInbound();
    } finally {
      sent.release();
    }
  }

  private void feed(ByteBuf frame) {
    int start = frame.readerIndex();
    int end = frame.writerIndex();
    for (int i = start; i < end; i += READ_SIZE) {
      decoder.writeInbound(frame.retainedSlice(i, Math.min(READ_SIZE, end - i)));
    }
  }

  /**
   * Either side: a frame arrives in reads of at most 64 KiB, as from a socket, and is split off
   * by the decoder.
   */
  @Benchmark
  public int decodeFrame() {
    feed(responseFrame);
    ByteBuf frame = decoder.readInbound();
    int n = Wire.dataLength(frame);
    frame.release();
    return n;
  }

  /** Server: the Request envelope of a decoded frame, then its message. */
  @Benchmark
  public BytesValue readRequest() throws Exception {
    RequestEnvelope request =
        EnvelopeReader.readRequest(
            requestFrame, Wire.dataIndex(requestFrame), Wire.dataLength(requestFrame));
    return request.parsePayload(requestFrame, codec);
  }

  /** Client: the Response envelope of a decoded frame, then its message. */
  @Benchmark
  public BytesValue readResponse() throws Exception {
    ResponseEnvelope response =
        EnvelopeReader.readResponse(
            responseFrame, Wire.dataIndex(responseFrame), Wire.dataLength(responseFrame));
    return response.parsePayload(responseFrame, codec);
  }
}
