package dev.ttrpc.testing;

import dev.ttrpc.Marshaller;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A hand-coded protobuf message {@code KeyValue{string key = 1; string value = 2;}}, the message of
 * the golden frames, with its marshaller. Strings are limited to 127 bytes.
 */
public record KeyValue(String key, String value) {
  public static final Marshaller<KeyValue> MARSHALLER =
      new Marshaller<>() {
        @Override
        public int serializedSize(KeyValue v) {
          return field(v.key) + field(v.value);
        }

        @Override
        public void serialize(KeyValue v, ByteBuffer target) {
          put(target, 0x0a, v.key);
          put(target, 0x12, v.value);
        }

        @Override
        public KeyValue parse(ByteBuffer source) throws IOException {
          String key = "";
          String value = "";
          while (source.hasRemaining()) {
            int tag = source.get();
            int len = source.get();
            if (len < 0 || len > source.remaining()) {
              throw new IOException("bad length");
            }
            byte[] b = new byte[len];
            source.get(b);
            if (tag == 0x0a) {
              key = new String(b, StandardCharsets.UTF_8);
            } else if (tag == 0x12) {
              value = new String(b, StandardCharsets.UTF_8);
            } else {
              throw new IOException("unexpected tag " + tag);
            }
          }
          return new KeyValue(key, value);
        }
      };

  private static int field(String s) {
    int n = s.getBytes(StandardCharsets.UTF_8).length;
    return n == 0 ? 0 : 2 + n;
  }

  private static void put(ByteBuffer target, int tag, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0) {
      target.put((byte) tag).put((byte) b.length).put(b);
    }
  }
}
