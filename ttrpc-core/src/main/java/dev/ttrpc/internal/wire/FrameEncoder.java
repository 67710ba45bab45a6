package dev.ttrpc.internal.wire;

import com.google.protobuf.Any;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.ttrpc.Marshaller;
import dev.ttrpc.Metadata;
import dev.ttrpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Builds whole ttRPC frames, header and data, each in one buffer sized exactly up front: envelopes
 * are written field by field and message payloads are serialized by their {@link Marshaller}
 * straight into the frame's memory. A frame is therefore written to the channel as a single
 * buffer and can never interleave with another.
 *
 * <p>Every method checks the data length against the caller's limit before allocating and throws
 * {@link MessageTooLargeException} if it is exceeded. Stateless and thread-safe; the returned
 * buffer belongs to the caller.
 */
public final class FrameEncoder {
  private FrameEncoder() {}

  /** The largest frame built in one buffer (the adaptive allocator's largest pooled buffer). */
  static final int MAX_CONTIGUOUS_FRAME = 1 << 20;

  /**
   * The size of the pooled chunks a larger frame is built from: the largest the allocator pools,
   * so that a frame just over 1 MiB takes two buffers. (Smaller chunks measured slower: each
   * comes from elsewhere in the pool's memory, so writing them misses the cache more.)
   */
  static final int CHUNK_SIZE = MAX_CONTIGUOUS_FRAME;

  private static final int TAG_SERVICE = 0x0a;
  private static final int TAG_METHOD = 0x12;
  private static final int TAG_REQUEST_PAYLOAD = 0x1a;
  private static final int TAG_TIMEOUT = 0x20;
  private static final int TAG_METADATA = 0x2a;
  private static final int TAG_STATUS = 0x0a;
  private static final int TAG_RESPONSE_PAYLOAD = 0x12;
  private static final int TAG_CODE = 0x08;
  private static final int TAG_MESSAGE = 0x12;
  private static final int TAG_DETAILS = 0x1a;
  private static final int TAG_KEY = 0x0a;
  private static final int TAG_VALUE = 0x12;

  /**
   * The encoded {@code service} and {@code method} fields of a Request, which never change for a
   * method: computed once per method and copied into every request.
   */
  public static byte[] route(String service, String method) {
    byte[] s = service.getBytes(StandardCharsets.UTF_8);
    byte[] m = method.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out =
        ByteBuffer.allocate(2 + varintSize(s.length) + s.length + varintSize(m.length) + m.length);
    out.put((byte) TAG_SERVICE);
    putVarint(out, s.length);
    out.put(s);
    out.put((byte) TAG_METHOD);
    putVarint(out, m.length);
    out.put(m);
    return out.array();
  }

  /**
   * A Request frame. {@code message} null means "no payload field" (what Go sends for streaming
   * calls without a first message); an empty message is also sent without the field, as Go does.
   * Metadata keys are lowercased (ASCII letters), values sent as they are.
   */
  public static <T> ByteBuf request(
      ByteBufAllocator alloc,
      int streamId,
      int flags,
      byte[] route,
      Marshaller<T> marshaller,
      T message,
      long timeoutNano,
      Metadata metadata,
      int maxMessageSize)
      throws IOException {
    int payloadSize = message == null ? 0 : marshaller.serializedSize(message);
    long length = route.length;
    if (payloadSize > 0) {
      length += 1 + varintSize(payloadSize) + (long) payloadSize;
    }
    if (timeoutNano != 0) {
      length += 1 + varintSize(timeoutNano);
    }
    List<Map.Entry<String, String>> entries = metadata.entries();
    for (int i = 0, n = entries.size(); i < n; i++) {
      int kv = keyValueSize(entries.get(i));
      length += 1 + varintSize(kv) + kv;
    }
    checkLength(length, maxMessageSize);
    ByteBuf frame = newFrame(alloc, Wire.HEADER_LENGTH + (int) length, marshaller);
    try {
      writeHeader(frame, (int) length, streamId, Wire.TYPE_REQUEST, flags);
      frame.writeBytes(route);
      if (payloadSize > 0) {
        frame.writeByte(TAG_REQUEST_PAYLOAD);
        writeVarint(frame, payloadSize);
        writeMessage(frame, marshaller, message, payloadSize);
      }
      if (timeoutNano != 0) {
        frame.writeByte(TAG_TIMEOUT);
        writeVarint(frame, timeoutNano);
      }
      for (int i = 0, n = entries.size(); i < n; i++) {
        Map.Entry<String, String> e = entries.get(i);
        frame.writeByte(TAG_METADATA);
        writeVarint(frame, keyValueSize(e));
        writeString(frame, TAG_KEY, asciiLowerCase(e.getKey()));
        writeString(frame, TAG_VALUE, e.getValue());
      }
      return frame;
    } catch (IOException | RuntimeException | Error e) {
      frame.release();
      throw e;
    }
  }

  /** A successful Response frame: no status field, the message as payload. */
  public static <T> ByteBuf response(
      ByteBufAllocator alloc, int streamId, Marshaller<T> marshaller, T message, int maxMessageSize)
      throws IOException {
    int payloadSize = marshaller.serializedSize(message);
    long length = payloadSize == 0 ? 0 : 1 + varintSize(payloadSize) + (long) payloadSize;
    checkLength(length, maxMessageSize);
    ByteBuf frame = newFrame(alloc, Wire.HEADER_LENGTH + (int) length, marshaller);
    try {
      writeHeader(frame, (int) length, streamId, Wire.TYPE_RESPONSE, 0);
      if (payloadSize > 0) {
        frame.writeByte(TAG_RESPONSE_PAYLOAD);
        writeVarint(frame, payloadSize);
        writeMessage(frame, marshaller, message, payloadSize);
      }
      return frame;
    } catch (IOException | RuntimeException | Error e) {
      frame.release();
      throw e;
    }
  }

  /**
   * A failed Response frame carrying {@code status}. Never throws for size: a status too large for
   * the limit has its message and details cut so that the frame fits.
   */
  public static ByteBuf errorResponse(
      ByteBufAllocator alloc, int streamId, Status status, int maxMessageSize) {
    byte[] message = status.message().getBytes(StandardCharsets.UTF_8);
    List<Any> details = status.details();
    byte[][] encodedDetails = new byte[details.size()][];
    int statusLength = statusLength(status.code().value(), message.length, details, encodedDetails);
    if (1 + varintSize(statusLength) + statusLength > maxMessageSize) {
      details = List.of();
      encodedDetails = new byte[0][];
      int room = Math.max(0, maxMessageSize - 32);
      if (message.length > room) {
        message = java.util.Arrays.copyOf(message, utf8Boundary(message, room));
      }
      statusLength = statusLength(status.code().value(), message.length, details, encodedDetails);
    }
    int length = 1 + varintSize(statusLength) + statusLength;
    ByteBuf frame = alloc.directBuffer(Wire.HEADER_LENGTH + length);
    writeHeader(frame, length, streamId, Wire.TYPE_RESPONSE, 0);
    frame.writeByte(TAG_STATUS);
    writeVarint(frame, statusLength);
    int code = status.code().value();
    if (code != 0) {
      frame.writeByte(TAG_CODE);
      writeVarint(frame, code);
    }
    if (message.length > 0) {
      frame.writeByte(TAG_MESSAGE);
      writeVarint(frame, message.length);
      frame.writeBytes(message);
    }
    for (byte[] d : encodedDetails) {
      frame.writeByte(TAG_DETAILS);
      writeVarint(frame, d.length);
      frame.writeBytes(d);
    }
    return frame;
  }

  /** A Data frame carrying {@code message} (an empty message gives N = 0). */
  public static <T> ByteBuf data(
      ByteBufAllocator alloc,
      int streamId,
      int flags,
      Marshaller<T> marshaller,
      T message,
      int maxMessageSize)
      throws IOException {
    int size = marshaller.serializedSize(message);
    checkLength(size, maxMessageSize);
    ByteBuf frame = newFrame(alloc, Wire.HEADER_LENGTH + size, marshaller);
    try {
      writeHeader(frame, size, streamId, Wire.TYPE_DATA, flags);
      writeMessage(frame, marshaller, message, size);
      return frame;
    } catch (IOException | RuntimeException | Error e) {
      frame.release();
      throw e;
    }
  }

  /** A frame without data, e.g. the half-close Data frame with flags RC|ND. */
  public static ByteBuf empty(ByteBufAllocator alloc, int streamId, int type, int flags) {
    ByteBuf frame = alloc.directBuffer(Wire.HEADER_LENGTH);
    writeHeader(frame, 0, streamId, type, flags);
    return frame;
  }

  /** Writes a frame header. */
  public static void writeHeader(ByteBuf out, int length, int streamId, int type, int flags) {
    out.writeInt(length);
    out.writeInt(streamId);
    out.writeByte(type);
    out.writeByte(flags);
  }

  /** Sets the stream id of a frame built with an id placeholder. */
  public static void setStreamId(ByteBuf frame, int streamId) {
    frame.setInt(frame.readerIndex() + 4, streamId);
  }

  /** The number of bytes of {@code value} as a protobuf varint (negative values take 10). */
  public static int varintSize(long value) {
    // 1 byte per 7 significant bits, at least one byte.
    return value == 0 ? 1 : (70 - Long.numberOfLeadingZeros(value)) / 7;
  }

  public static void writeVarint(ByteBuf out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.writeByte((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.writeByte((int) value);
  }

  private static void putVarint(ByteBuffer out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.put((byte) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.put((byte) value);
  }

  private static void checkLength(long length, int maxMessageSize)
      throws MessageTooLargeException {
    if (length > maxMessageSize) {
      throw new MessageTooLargeException(length, maxMessageSize);
    }
  }

  /**
   * An empty frame buffer with room for exactly {@code size} bytes: one pooled buffer, or for a
   * large frame whose message is protobuf (which can be written in pieces) pooled chunks joined
   * into a composite. The chunks' bytes are all overwritten by the encoder, which checks that it
   * wrote exactly {@code size}.
   */
  private static ByteBuf newFrame(ByteBufAllocator alloc, int size, Marshaller<?> marshaller) {
    if (size <= MAX_CONTIGUOUS_FRAME || !(marshaller instanceof Marshaller.ProtobufMarshaller)) {
      return alloc.directBuffer(size);
    }
    CompositeByteBuf frame = alloc.compositeDirectBuffer((size + CHUNK_SIZE - 1) / CHUNK_SIZE);
    try {
      for (int left = size; left > 0; left -= CHUNK_SIZE) {
        int n = Math.min(CHUNK_SIZE, left);
        ByteBuf chunk = alloc.directBuffer(n, n);
        chunk.writerIndex(n);
        frame.addComponent(true, chunk);
      }
      frame.writerIndex(0);
      return frame;
    } catch (RuntimeException | Error e) {
      frame.release();
      throw e;
    }
  }

  private static <T> void writeMessage(ByteBuf frame, Marshaller<T> marshaller, T message, int size)
      throws IOException {
    if (frame instanceof CompositeByteBuf) {
      writeChunked((CompositeByteBuf) frame, (MessageLite) message, size);
      return;
    }
    int index = frame.writerIndex();
    ByteBuffer target = frame.nioBuffer(index, size);
    int start = target.position();
    marshaller.serialize(message, target);
    int written = target.position() - start;
    if (written != size) {
      throw new IOException("marshaller wrote " + written + " bytes but announced " + size);
    }
    frame.writerIndex(index + size);
  }

  /**
   * Serializes a protobuf message into the chunks of a composite frame. protobuf's stream encoder
   * hands large byte fields straight to the stream, so a big payload is copied once, into the
   * chunks; only small fields pass through its buffer.
   */
  private static void writeChunked(CompositeByteBuf frame, MessageLite message, int size)
      throws IOException {
    int start = frame.writerIndex();
    CodedOutputStream out =
        CodedOutputStream.newInstance(new ByteBufOutputStream(frame), STREAM_BUFFER_SIZE);
    message.writeTo(out);
    out.flush();
    int written = frame.writerIndex() - start;
    if (written != size) {
      throw new IOException("marshaller wrote " + written + " bytes but announced " + size);
    }
  }

  private static final int STREAM_BUFFER_SIZE = 8192;

  /**
   * Lowercases ASCII letters only: the case-folding {@link Metadata} lookups use, so that every key
   * sent can still be found under the key it was added with (full Unicode lowercasing can change a
   * key's length, e.g. U+0130). Go lowercases the same way for the ASCII keys metadata uses.
   */
  static String asciiLowerCase(String key) {
    for (int i = 0, n = key.length(); i < n; i++) {
      char c = key.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        char[] chars = key.toCharArray();
        for (int j = i; j < n; j++) {
          char d = chars[j];
          if (d >= 'A' && d <= 'Z') {
            chars[j] = (char) (d + ('a' - 'A'));
          }
        }
        return new String(chars);
      }
    }
    return key;
  }

  private static int keyValueSize(Map.Entry<String, String> e) {
    return stringFieldSize(asciiLowerCase(e.getKey())) + stringFieldSize(e.getValue());
  }

  private static int stringFieldSize(String s) {
    if (s.isEmpty()) {
      return 0;
    }
    int n = ByteBufUtil.utf8Bytes(s);
    return 1 + varintSize(n) + n;
  }

  private static void writeString(ByteBuf out, int tag, String s) {
    if (s.isEmpty()) {
      return;
    }
    int n = ByteBufUtil.utf8Bytes(s);
    out.writeByte(tag);
    writeVarint(out, n);
    ByteBufUtil.reserveAndWriteUtf8(out, s, n);
  }

  /**
   * The largest cut at or before {@code limit} that does not split a UTF-8 sequence of {@code
   * bytes}: never inside a character, so the truncated message still decodes as it was meant.
   */
  static int utf8Boundary(byte[] bytes, int limit) {
    int cut = Math.min(limit, bytes.length);
    // A continuation byte (10xxxxxx) at the cut means the cut falls inside a character.
    while (cut > 0 && cut < bytes.length && (bytes[cut] & 0xC0) == 0x80) {
      cut--;
    }
    return cut;
  }

  private static int statusLength(
      int code, int messageLength, List<Any> details, byte[][] encodedDetails) {
    int length = code == 0 ? 0 : 1 + varintSize(code);
    if (messageLength > 0) {
      length += 1 + varintSize(messageLength) + messageLength;
    }
    for (int i = 0; i < details.size(); i++) {
      byte[] d = details.get(i).toByteArray();
      encodedDetails[i] = d;
      length += 1 + varintSize(d.length) + d.length;
    }
    return length;
  }
}
