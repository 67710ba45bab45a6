package dev.ttrpc.conformance.runcshim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The bundle's {@code log} FIFO, held open the way containerd holds it. The runc shim's daemon
 * opens {@code ./log} write-only and blocking before it serves anything, so without a reader it
 * would accept connections and never answer; opening the FIFO read-write here never blocks and
 * gives it that reader. Everything the daemon logs is kept for failure messages.
 *
 * <p>Thread-safe.
 */
final class ShimLog implements AutoCloseable {
  private final FileChannel channel;
  private final StringBuffer text = new StringBuffer();
  private final Thread drainer;

  private ShimLog(FileChannel channel) {
    this.channel = channel;
    this.drainer = new Thread(this::drain, "shim-log");
    drainer.setDaemon(true);
    drainer.start();
  }

  /** Creates {@code <bundle>/log} as a FIFO and starts draining it. */
  static ShimLog open(Path mkfifo, Path bundle) throws IOException {
    Path log = bundle.resolve("log");
    Fifo.create(mkfifo, log);
    return new ShimLog(FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE));
  }

  private void drain() {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    try {
      while (channel.read(buf) >= 0) {
        buf.flip();
        text.append(StandardCharsets.UTF_8.decode(buf));
        buf.clear();
      }
    } catch (IOException closed) {
      // close() interrupts the blocked read: the log is complete.
    }
  }

  /** What the shim daemon has logged so far. */
  String text() {
    return text.toString();
  }

  @Override
  public void close() throws IOException {
    channel.close();
    try {
      drainer.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
