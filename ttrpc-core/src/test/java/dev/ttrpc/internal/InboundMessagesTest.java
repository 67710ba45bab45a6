package dev.ttrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The per-stream queue: wire order, the read gate by count and by bytes, and byte accounting. */
class InboundMessagesTest {

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final ReadGate gate = new ReadGate(channel);
  private final AtomicLong total = new AtomicLong();
  private final InboundMessages<String> queue = new InboundMessages<>(gate, total::addAndGet);

  @Test
  void messagesComeOutInOrderThenNullAfterEnd() {
    queue.offer("a", 10);
    queue.offer("b");
    queue.end();
    assertEquals("a", queue.take(0));
    assertEquals("b", queue.take(0));
    assertNull(queue.take(0));
    assertNull(queue.take(0));
    assertEquals(0, total.get());
  }

  @Test
  void theGateIsHeldAtTheByteCapacityAndLetGoAtHalfOfIt() {
    int quarter = (int) (InboundMessages.BYTE_CAPACITY / 4);
    for (int i = 0; i < 3; i++) {
      assertFalse(queue.offer("m" + i, quarter));
    }
    assertFalse(gate.isHeld());
    assertTrue(queue.offer("m3", quarter), "the fourth quarter reaches the byte capacity");
    assertTrue(gate.isHeld());
    assertFalse(channel.config().isAutoRead());
    assertEquals(InboundMessages.BYTE_CAPACITY, total.get());
    queue.take(0);
    assertTrue(gate.isHeld(), "three quarters are still above half");
    queue.take(0);
    assertFalse(gate.isHeld(), "half of the capacity lets go");
    assertTrue(channel.config().isAutoRead());
    assertEquals(InboundMessages.BYTE_CAPACITY / 2, total.get());
  }

  @Test
  void oneMessageLargerThanTheCapacityIsQueuedAndHoldsTheGate() {
    assertTrue(queue.offer("big", (int) InboundMessages.BYTE_CAPACITY * 2));
    assertTrue(gate.isHeld());
    assertEquals("big", queue.take(0));
    assertFalse(gate.isHeld());
  }

  @Test
  void theGateIsHeldAtTheMessageCapacityWithoutBytes() {
    for (int i = 0; i < InboundMessages.CAPACITY - 1; i++) {
      assertFalse(queue.offer("m" + i));
    }
    assertTrue(queue.offer("last"));
    assertTrue(gate.isHeld());
  }

  @Test
  void abandonDropsTheQueuedBytesAndLaterOffersAreNotCounted() {
    queue.offer("a", 100);
    queue.offer("b", 200);
    assertEquals(300, queue.queuedBytes());
    queue.abandon(Status.of(Status.Code.CANCELLED, "gone"));
    assertEquals(0, total.get());
    assertEquals(0, queue.queuedBytes());
    assertFalse(queue.offer("c", 50));
    assertEquals(0, total.get());
    StatusException e = assertThrows(StatusException.class, () -> queue.take(0));
    assertEquals(Status.Code.CANCELLED, e.code());
  }

  @Test
  void negativeBytesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> queue.offer("x", -1));
  }

  /** Whatever offers, takes and ends happen, every byte counted in is counted out once. */
  @Property(tries = 300)
  void bytesCountedInAreCountedOutExactlyOnce(@ForAll("ops") List<Integer> ops) {
    EmbeddedChannel ch = new EmbeddedChannel();
    AtomicLong sum = new AtomicLong();
    List<Long> seen = new ArrayList<>();
    InboundMessages<Integer> q =
        new InboundMessages<>(
            new ReadGate(ch),
            delta -> {
              seen.add(sum.addAndGet(delta));
            });
    for (int op : ops) {
      if (op >= 0) {
        q.offer(op, op);
      } else if (op == -1) {
        try {
          q.take(0);
        } catch (StatusException e) {
          // empty: DEADLINE_EXCEEDED
        }
      } else {
        q.end();
      }
      assertEquals(q.queuedBytes(), sum.get(), "the total follows the queue");
    }
    q.abandon(Status.of(Status.Code.CANCELLED, "done"));
    assertEquals(0, sum.get());
    assertTrue(seen.stream().allMatch(v -> v >= 0), "never below zero: " + seen);
    assertTrue(ch.config().isAutoRead(), "an abandoned queue holds no gate");
  }

  @Provide
  Arbitrary<List<Integer>> ops() {
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 2 << 20)),
            net.jqwik.api.Tuple.of(4, Arbitraries.just(-1)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(-2)))
        .list()
        .ofMaxSize(200);
  }
}
