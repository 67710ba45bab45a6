package dev.ttrpc.internal.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.LeakPresenceDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server-wide limit on unfinished frames, on decoders of embedded channels. */
class UnfinishedFramesTest {
  private static final int FRAME = 150 * 1024;

  /** Counts holds like a read gate. */
  static final class Pause implements ReadPause {
    int holds;

    @Override
    public void hold() {
      holds++;
    }

    @Override
    public void release() {
      holds--;
    }
  }

  @AfterEach
  void noLeaks() {
    LeakPresenceDetector.check();
  }

  private static ByteBuf header(int streamId, int dataLength) {
    ByteBuf b = Unpooled.buffer(Wire.HEADER_LENGTH);
    FrameEncoder.writeHeader(b, dataLength, streamId, Wire.TYPE_DATA, 0);
    return b;
  }

  @Test
  void aFrameBeyondTheLimitWaitsPausedAndIsGrantedWhenAnEarlierOneCompletes() {
    UnfinishedFrames limit = new UnfinishedFrames(200 * 1024);
    Pause pauseA = new Pause();
    Pause pauseB = new Pause();
    EmbeddedChannel a = new EmbeddedChannel(new FrameDecoder(1 << 20, limit, pauseA));
    EmbeddedChannel b = new EmbeddedChannel(new FrameDecoder(1 << 20, limit, pauseB));

    a.writeInbound(header(1, FRAME), Unpooled.wrappedBuffer(new byte[100 * 1024]));
    assertEquals(0, pauseA.holds);
    assertEquals(FRAME + Wire.HEADER_LENGTH, limit.reservedBytes());
    assertTrue(limit.heldBytes() <= 100 * 1024 + FrameDecoder.PIECE_SIZE, "held " + limit.heldBytes());

    b.writeInbound(header(1, FRAME), Unpooled.wrappedBuffer(new byte[1000]));
    assertEquals(1, pauseB.holds, "B waits for its reservation with reads paused");
    assertEquals(1, limit.waitingCount());

    a.writeInbound(Unpooled.wrappedBuffer(new byte[FRAME - 100 * 1024]));
    ByteBuf frame = a.readInbound();
    assertEquals(FRAME + Wire.HEADER_LENGTH, frame.readableBytes());
    frame.release();
    b.runPendingTasks();
    assertEquals(0, pauseB.holds, "B's reads resume once A's frame is complete");
    assertEquals(FRAME + Wire.HEADER_LENGTH, limit.reservedBytes());
    assertEquals(0, limit.waitingCount());

    b.writeInbound(Unpooled.wrappedBuffer(new byte[FRAME - 1000]));
    frame = b.readInbound();
    assertEquals(FRAME + Wire.HEADER_LENGTH, frame.readableBytes());
    frame.release();
    assertEquals(0, limit.reservedBytes());
    assertEquals(0, limit.heldBytes());
    a.finishAndReleaseAll();
    b.finishAndReleaseAll();
  }

  @Test
  void closingConnectionsGiveBackWhatTheirUnfinishedFramesHeld() {
    UnfinishedFrames limit = new UnfinishedFrames(200 * 1024);
    Pause pause = new Pause();
    EmbeddedChannel a = new EmbeddedChannel(new FrameDecoder(1 << 20, limit, pause));
    EmbeddedChannel b = new EmbeddedChannel(new FrameDecoder(1 << 20, limit, pause));
    EmbeddedChannel c = new EmbeddedChannel(new FrameDecoder(1 << 20, limit, new Pause()));
    a.writeInbound(header(1, FRAME), Unpooled.wrappedBuffer(new byte[70 * 1024]));
    b.writeInbound(header(1, FRAME), Unpooled.wrappedBuffer(new byte[10]));
    assertEquals(1, limit.waitingCount());
    // Small frames are never held up.
    c.writeInbound(header(7, 10), Unpooled.wrappedBuffer(new byte[5]));
    c.writeInbound(Unpooled.wrappedBuffer(new byte[5]));
    ByteBuf small = c.readInbound();
    assertEquals(7, Wire.streamId(small));
    small.release();

    b.close();
    assertEquals(0, limit.waitingCount());
    a.close();
    assertEquals(0, limit.reservedBytes());
    assertEquals(0, limit.heldBytes());
    assertNull(a.readInbound());
    a.finishAndReleaseAll();
    b.finishAndReleaseAll();
    c.finishAndReleaseAll();
  }
}
