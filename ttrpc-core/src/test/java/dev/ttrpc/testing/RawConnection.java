package dev.ttrpc.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A blocking JDK Unix-socket connection that speaks raw frames, to test protocol edges. */
public final class RawConnection implements AutoCloseable {
  /** A frame as read from the wire. */
  public record Frame(int streamId, int type, int flags, byte[] data) {
    public ByteBuf dataBuf() {
      return Unpooled.wrappedBuffer(data);
    }
  }

  private final SocketChannel channel;
  private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "raw-reader");
    t.setDaemon(true);
    return t;
  });

  private RawConnection(SocketChannel channel) {
    this.channel = channel;
  }

  public static RawConnection connect(Path socket) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(socket));
    return new RawConnection(ch);
  }

  public static RawConnection wrap(SocketChannel ch) {
    return new RawConnection(ch);
  }

  public RawConnection write(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      channel.write(b);
    }
    return this;
  }

  public RawConnection writeHex(String hex) throws IOException {
    return write(Hex.bytes(hex));
  }

  /** Writes one frame. */
  public RawConnection writeFrame(int streamId, int type, int flags, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(10 + data.length);
    b.putInt(data.length).putInt(streamId).put((byte) type).put((byte) flags).put(data);
    return write(b.array());
  }

  /** Reads one frame, or null at end of stream; fails after {@code timeout}. */
  public Frame readFrame(Duration timeout) throws Exception {
    Future<Frame> f = reader.submit(this::readFrameBlocking);
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new AssertionError("no frame within " + timeout);
    }
  }

  public Frame readFrame() throws Exception {
    return readFrame(Duration.ofSeconds(10));
  }

  /** Asserts that no frame arrives within {@code wait}. */
  public boolean quietFor(Duration wait) throws Exception {
    Future<Frame> f = reader.submit(this::readFrameBlocking);
    try {
      f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return false;
    } catch (TimeoutException e) {
      f.cancel(true);
      return true;
    }
  }

  private Frame readFrameBlocking() throws IOException {
    ByteBuffer header = ByteBuffer.allocate(10);
    if (!readFully(header)) {
      return null;
    }
    header.flip();
    int length = header.getInt();
    int id = header.getInt();
    int type = header.get() & 0xff;
    int flags = header.get() & 0xff;
    ByteBuffer data = ByteBuffer.allocate(length);
    if (!readFully(data)) {
      return null;
    }
    return new Frame(id, type, flags, data.array());
  }

  /** Reads until {@code b} is full; false at end of stream (a reset counts as one). */
  private boolean readFully(ByteBuffer b) throws IOException {
    try {
      while (b.hasRemaining()) {
        if (channel.read(b) < 0) {
          return false;
        }
      }
      return true;
    } catch (java.net.SocketException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    reader.shutdownNow();
    channel.close();
  }
}
