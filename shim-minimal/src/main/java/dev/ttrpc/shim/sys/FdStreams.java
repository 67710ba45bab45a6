package dev.ttrpc.shim.sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Java streams over raw file descriptors, for descriptors the JDK cannot open itself (a pty
 * master received from runc, pipe ends from {@link Libc#pipe()}).
 *
 * <p>Each stream owns its descriptor and closes it on {@link InputStream#close()}. A stream is
 * meant for one thread at a time; reads block the calling thread in {@code read(2)}, so use
 * platform threads.
 */
public final class FdStreams {
  private static final int BUFFER = 32 * 1024;

  private FdStreams() {}

  /** An input stream reading {@code fd}; closing it closes the descriptor. */
  public static InputStream input(int fd) {
    return new FdInput(fd);
  }

  /** An output stream writing {@code fd}; closing it closes the descriptor. */
  public static OutputStream output(int fd) {
    return new FdOutput(fd);
  }

  private static final class FdInput extends InputStream {
    private final int fd;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment buffer = arena.allocate(BUFFER);
    private final AtomicBoolean closed = new AtomicBoolean();

    FdInput(int fd) {
      this.fd = fd;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (closed.get()) {
        throw new IOException("stream closed");
      }
      int n = Libc.read(fd, buffer, Math.min(len, BUFFER));
      if (n == 0) {
        return -1;
      }
      MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, b, off, n);
      return n;
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        Libc.closeQuietly(fd);
      }
    }
  }

  private static final class FdOutput extends OutputStream {
    private final int fd;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment buffer = arena.allocate(BUFFER);
    private final AtomicBoolean closed = new AtomicBoolean();

    FdOutput(int fd) {
      this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      if (closed.get()) {
        throw new IOException("stream closed");
      }
      while (len > 0) {
        int chunk = Math.min(len, BUFFER);
        MemorySegment.copy(b, off, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
        Libc.writeFully(fd, buffer, chunk);
        off += chunk;
        len -= chunk;
      }
    }

    @Override
    public void close() {
      if (closed.compareAndSet(false, true)) {
        Libc.closeQuietly(fd);
      }
    }
  }
}
