package dev.ttrpc;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Turns messages of one type into bytes and back. ttRPC payloads are protobuf, so {@link
 * #protobuf(MessageLite)} is what generated code uses; other encodings can implement this
 * interface directly.
 *
 * <p>The transport asks for the exact size first, then serializes straight into its own (often
 * direct) buffer, and parses straight from the received frame: no intermediate byte arrays.
 * Implementations must be thread-safe and stateless.
 *
 * @param <T> the message type
 */
public interface Marshaller<T> {

  /**
   * The number of bytes {@link #serialize} will write for {@code value}.
   *
   * @param value the message, not null
   * @return the exact encoded size
   */
  int serializedSize(T value);

  /**
   * Writes exactly {@link #serializedSize(Object) serializedSize(value)} bytes of {@code value} at
   * {@code target}'s position, advancing it.
   *
   * @param value the message, not null
   * @param target a buffer with at least that many bytes remaining
   * @throws IOException if the message cannot be encoded
   */
  void serialize(T value, ByteBuffer target) throws IOException;

  /**
   * Parses one message from all remaining bytes of {@code source}. An empty buffer is the empty
   * message. Must not keep a reference to {@code source}, whose memory is reused after return.
   *
   * @param source the encoded message; consumed to its limit
   * @return the message, never null
   * @throws IOException if the bytes are not a valid message
   */
  T parse(ByteBuffer source) throws IOException;

  /**
   * Parses one message from the remaining bytes of {@code sources} taken in order, as a large frame
   * arrives in pieces. The default copies them into one buffer for {@link #parse(ByteBuffer)};
   * the protobuf marshaller reads the pieces in place. Must not keep references to them.
   *
   * @param sources the encoded message in pieces; each consumed to its limit
   * @return the message, never null
   * @throws IOException if the bytes are not a valid message
   */
  default T parse(ByteBuffer[] sources) throws IOException {
    int total = 0;
    for (ByteBuffer b : sources) {
      total += b.remaining();
    }
    ByteBuffer joined = ByteBuffer.allocate(total);
    for (ByteBuffer b : sources) {
      joined.put(b);
    }
    joined.flip();
    return parse(joined);
  }

  /**
   * The marshaller for a protobuf message type, given its default instance. It parses without
   * extensions and copies bytes out of the frame, so messages never alias transport memory.
   *
   * @param <T> the message type
   * @param defaultInstance the type's default instance, e.g. {@code Foo.getDefaultInstance()}
   * @return a thread-safe marshaller
   */
  static <T extends MessageLite> Marshaller<T> protobuf(T defaultInstance) {
    requireNonNull(defaultInstance, "defaultInstance");
    @SuppressWarnings("unchecked")
    Parser<T> parser = (Parser<T>) defaultInstance.getParserForType();
    return new ProtobufMarshaller<>(parser);
  }

  /**
   * The protobuf marshaller behind {@link Marshaller#protobuf(MessageLite)}.
   *
   * @param <T> the message type
   */
  final class ProtobufMarshaller<T extends MessageLite> implements Marshaller<T> {
    private static final ExtensionRegistryLite NO_EXTENSIONS =
        ExtensionRegistryLite.getEmptyRegistry();

    private final Parser<T> parser;

    private ProtobufMarshaller(Parser<T> parser) {
      this.parser = parser;
    }

    @Override
    public int serializedSize(T value) {
      return value.getSerializedSize();
    }

    @Override
    public void serialize(T value, ByteBuffer target) throws IOException {
      CodedOutputStream out = CodedOutputStream.newInstance(target);
      value.writeTo(out);
      out.flush();
    }

    @Override
    public T parse(ByteBuffer source) throws InvalidProtocolBufferException {
      // Copies out of the frame's memory: the parsed message must outlive the buffer.
      CodedInputStream in = CodedInputStream.newInstance(source);
      in.enableAliasing(false);
      T message = parser.parseFrom(in, NO_EXTENSIONS);
      source.position(source.limit());
      return message;
    }

    @Override
    public T parse(ByteBuffer[] sources) throws InvalidProtocolBufferException {
      CodedInputStream in = CodedInputStream.newInstance(java.util.Arrays.asList(sources));
      in.enableAliasing(false);
      T message = parser.parseFrom(in, NO_EXTENSIONS);
      for (ByteBuffer b : sources) {
        b.position(b.limit());
      }
      return message;
    }
  }
}
