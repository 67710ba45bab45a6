package dev.ttrpc.internal.wire;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ttrpc.Metadata;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the protobuf envelopes of ttRPC ({@code Request}, {@code Response}, {@code KeyValue},
 * {@code google.rpc.Status}) straight from a frame's bytes. Unknown fields are skipped, as protobuf
 * parsers do; lengths are checked against the enclosing message, so lying input fails cleanly.
 * Stateless and thread-safe.
 */
public final class EnvelopeReader {
  private EnvelopeReader() {}

  private static final int WIRE_VARINT = 0;
  private static final int WIRE_FIXED64 = 1;
  private static final int WIRE_LENGTH_DELIMITED = 2;
  private static final int WIRE_FIXED32 = 5;

  /** Decodes a {@code Request} from {@code length} bytes of {@code buf} at {@code index}. */
  public static RequestEnvelope readRequest(ByteBuf buf, int index, int length)
      throws MalformedEnvelopeException {
    RequestEnvelope request = new RequestEnvelope();
    Cursor c = new Cursor(buf, index, index + length);
    while (c.hasMore()) {
      long tag = c.readTag();
      int field = (int) (tag >>> 3);
      int wireType = (int) (tag & 7);
      if (wireType == WIRE_LENGTH_DELIMITED && field >= 1 && field <= 3 || field == 5) {
        if (wireType != WIRE_LENGTH_DELIMITED) {
          c.skip(wireType);
          continue;
        }
        int len = c.readLength();
        switch (field) {
          case 1:
            request.service = c.readString(len);
            break;
          case 2:
            request.method = c.readString(len);
            break;
          case 3:
            request.hasPayload = true;
            request.payloadIndex = c.pos;
            request.payloadLength = len;
            c.pos += len;
            break;
          default:
            if (request.metadata == null) {
              request.metadata = new Metadata();
            }
            readKeyValue(c, len, request.metadata);
            break;
        }
      } else if (field == 4 && wireType == WIRE_VARINT) {
        request.timeoutNano = c.readVarint();
      } else {
        c.skip(wireType);
      }
    }
    return request;
  }

  /** Decodes a {@code Response} from {@code length} bytes of {@code buf} at {@code index}. */
  public static ResponseEnvelope readResponse(ByteBuf buf, int index, int length)
      throws MalformedEnvelopeException {
    ResponseEnvelope response = new ResponseEnvelope();
    Cursor c = new Cursor(buf, index, index + length);
    while (c.hasMore()) {
      long tag = c.readTag();
      int field = (int) (tag >>> 3);
      int wireType = (int) (tag & 7);
      if (wireType != WIRE_LENGTH_DELIMITED || field < 1 || field > 2) {
        c.skip(wireType);
        continue;
      }
      int len = c.readLength();
      if (field == 1) {
        response.hasStatus = true;
        readStatus(c, len, response);
      } else {
        response.payloadIndex = c.pos;
        response.payloadLength = len;
        c.pos += len;
      }
    }
    return response;
  }

  private static void readKeyValue(Cursor outer, int length, Metadata into)
      throws MalformedEnvelopeException {
    Cursor c = new Cursor(outer.buf, outer.pos, outer.pos + length);
    outer.pos += length;
    String key = "";
    String value = "";
    while (c.hasMore()) {
      long tag = c.readTag();
      int field = (int) (tag >>> 3);
      int wireType = (int) (tag & 7);
      if (wireType == WIRE_LENGTH_DELIMITED && (field == 1 || field == 2)) {
        String s = c.readString(c.readLength());
        if (field == 1) {
          key = s;
        } else {
          value = s;
        }
      } else {
        c.skip(wireType);
      }
    }
    // Metadata cannot hold an empty key, and no peer could look one up anyway.
    if (!key.isEmpty()) {
      into.add(key, value);
    }
  }

  private static void readStatus(Cursor outer, int length, ResponseEnvelope into)
      throws MalformedEnvelopeException {
    Cursor c = new Cursor(outer.buf, outer.pos, outer.pos + length);
    outer.pos += length;
    List<Any> details = null;
    while (c.hasMore()) {
      long tag = c.readTag();
      int field = (int) (tag >>> 3);
      int wireType = (int) (tag & 7);
      if (field == 1 && wireType == WIRE_VARINT) {
        into.code = (int) c.readVarint();
      } else if (field == 2 && wireType == WIRE_LENGTH_DELIMITED) {
        into.message = c.readString(c.readLength());
      } else if (field == 3 && wireType == WIRE_LENGTH_DELIMITED) {
        int len = c.readLength();
        try {
          Any any = Any.parseFrom(c.buf.nioBuffer(c.pos, len));
          if (details == null) {
            details = new ArrayList<>(2);
          }
          details.add(any);
        } catch (InvalidProtocolBufferException e) {
          throw new MalformedEnvelopeException("invalid status detail: " + e.getMessage());
        }
        c.pos += len;
      } else {
        c.skip(wireType);
      }
    }
    if (details != null) {
      into.details = List.copyOf(details);
    }
  }

  /** A read position within one (sub)message. */
  private static final class Cursor {
    final ByteBuf buf;
    int pos;
    final int end;

    Cursor(ByteBuf buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    boolean hasMore() {
      return pos < end;
    }

    long readTag() throws MalformedEnvelopeException {
      long tag = readVarint();
      if ((tag >>> 3) == 0 || (tag >>> 3) > 0x1FFF_FFFFL) {
        throw new MalformedEnvelopeException("invalid field number " + (tag >>> 3));
      }
      return tag;
    }

    long readVarint() throws MalformedEnvelopeException {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw new MalformedEnvelopeException("truncated varint");
        }
        byte b = buf.getByte(pos++);
        result |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return result;
        }
      }
      throw new MalformedEnvelopeException("varint longer than 10 bytes");
    }

    int readLength() throws MalformedEnvelopeException {
      long len = readVarint();
      if (len < 0 || len > end - pos) {
        throw new MalformedEnvelopeException(
            "field length " + len + " exceeds the " + (end - pos) + " bytes left");
      }
      return (int) len;
    }

    String readString(int len) {
      String s = len == 0 ? "" : buf.toString(pos, len, StandardCharsets.UTF_8);
      pos += len;
      return s;
    }

    void skip(int wireType) throws MalformedEnvelopeException {
      switch (wireType) {
        case WIRE_VARINT:
          readVarint();
          break;
        case WIRE_FIXED64:
          advance(8);
          break;
        case WIRE_LENGTH_DELIMITED:
          pos += readLength();
          break;
        case WIRE_FIXED32:
          advance(4);
          break;
        default:
          throw new MalformedEnvelopeException("unsupported wire type " + wireType);
      }
    }

    private void advance(int n) throws MalformedEnvelopeException {
      if (end - pos < n) {
        throw new MalformedEnvelopeException("truncated fixed-width field");
      }
      pos += n;
    }
  }
}
