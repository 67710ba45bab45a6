package dev.ttrpc.internal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import dev.ttrpc.CallOptions;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.TtrpcServerBuilder;
import dev.ttrpc.internal.wire.FrameDecoder;
import dev.ttrpc.internal.wire.UnfinishedFrames;
import dev.ttrpc.internal.wire.Wire;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.TestService;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack: 200 connections each announce a 4 MiB frame and send 2 MiB of it, then stall.
 * The bytes the server holds for them stay within the server-wide limit plus a bounded allowance
 * per connection, another client is served meanwhile, and everything is given back when the
 * connections close. Memory figures are printed for the record, not asserted (they are noisy).
 */
@ExtendWith(LeakCheck.class)
class UnfinishedFramesLimitTest {
  private static final int CONNECTIONS = 200;
  private static final int ANNOUNCED = 4 << 20;
  private static final int SENT = 2 << 20;

  @TempDir Path dir;
  TtrpcServer server;
  final List<SocketChannel> attackers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (SocketChannel c : attackers) {
      c.close();
    }
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  @Test
  void stalledLargeFramesStayWithinTheLimitAndOthersAreServed() throws Exception {
    Path socket = dir.resolve("s.sock");
    server =
        TtrpcServer.builder().addService(new TestService().definition()).build()
            .start(socket.toString());
    UnfinishedFrames frames = ((ServerImpl) server).unfinishedFrames();
    long limit = frames.limit();
    assertEquals(TtrpcServerBuilder.DEFAULT_UNFINISHED_FRAME_BYTES, limit);
    String before = memory();
    long rssBefore = rssKiB();

    ByteBuffer body = ByteBuffer.allocateDirect(SENT);
    List<ByteBuffer[]> pending = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
      c.connect(UnixDomainSocketAddress.of(socket));
      c.configureBlocking(false);
      attackers.add(c);
      ByteBuffer header = ByteBuffer.allocate(Wire.HEADER_LENGTH);
      header.putInt(ANNOUNCED).putInt(2 * i + 1).put((byte) Wire.TYPE_REQUEST).put((byte) 0);
      pending.add(new ByteBuffer[] {header.flip(), body.duplicate()});
    }
    // Write what each socket takes until nothing more goes anywhere for a while (seconds: the
    // machine may be loaded, and the server must read 200 connections meanwhile).
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < 3_000_000_000L) {
      boolean progress = false;
      for (int i = 0; i < CONNECTIONS; i++) {
        ByteBuffer[] frame = pending.get(i);
        if (frame[1].hasRemaining() && attackers.get(i).write(frame) > 0) {
          progress = true;
        }
      }
      if (progress) {
        quietSince = System.nanoTime();
      } else {
        Thread.sleep(10);
      }
    }
    long held = settle(frames::heldBytes);
    long allowance = (long) CONNECTIONS * 2 * FrameDecoder.PIECE_SIZE;
    String during = memory();
    long rssGrowth = (rssKiB() - rssBefore) << 10;
    System.out.printf(
        "unfinished frames: %d connections x (announce %d, send %d): held %d bytes (limit %d +"
            + " allowance %d), reserved %d, waiting %d; before: %s; during: %s; load %s%n",
        CONNECTIONS, ANNOUNCED, SENT, held, limit, allowance, frames.reservedBytes(),
        frames.waitingCount(), before, during, loadAverage());
    assertTrue(frames.reservedBytes() <= limit, "reserved " + frames.reservedBytes());
    assertTrue(held <= limit + allowance, "held " + held);
    assertTrue(held <= 128L << 20, "the attack costs at most 128 MiB of buffers: " + held);
    assertTrue(frames.waitingCount() > 0, "connections beyond the limit wait");
    // Buffers sized from the announced length would add 800 MiB here; the margin covers the heap.
    assertTrue(rssGrowth < 256L << 20, "the process grew by " + (rssGrowth >> 20) + " MiB");

    try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
      StringValue reply =
          client.call(
              TestService.ECHO,
              StringValue.of("still serving"),
              CallOptions.timeout(Duration.ofSeconds(10)));
      assertEquals("still serving", reply.getValue());
    }

    for (SocketChannel c : attackers) {
      c.close();
    }
    attackers.clear();
    assertEquals(0, settle(frames::heldBytes));
    assertEquals(0, frames.reservedBytes());
    assertEquals(0, frames.waitingCount());
    System.out.printf("unfinished frames: after the connections closed: %s%n", memory());
  }

  /** Waits until {@code value} stops changing for half a second (at most 20 s); returns it. */
  private static long settle(LongSupplier value) throws InterruptedException {
    long last = value.getAsLong();
    long stableSince = System.nanoTime();
    long end = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < end && System.nanoTime() - stableSince < 500_000_000L) {
      Thread.sleep(20);
      long now = value.getAsLong();
      if (now != last) {
        last = now;
        stableSince = System.nanoTime();
      }
    }
    return last;
  }

  private static long rssKiB() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("VmRSS:"))
        .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
        .findFirst()
        .orElseThrow();
  }

  private static String memory() throws IOException {
    long direct =
        ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    String rss =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("VmRSS:"))
            .map(l -> l.substring(6).trim())
            .findFirst()
            .orElse("?");
    return "RSS " + rss + ", Netty direct memory in use " + (direct >> 20) + " MiB";
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }
}
