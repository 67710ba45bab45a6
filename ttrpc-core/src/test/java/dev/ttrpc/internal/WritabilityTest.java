package dev.ttrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.Deadline;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Waiting for writability sleeps until signalled (no polling) and ends for every reason it should. */
class WritabilityTest {

  private static void setWritable(EmbeddedChannel ch, boolean writable) {
    ch.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
  }

  /** Runs an await on a new thread; the future completes with its outcome (null = returned). */
  private static CompletableFuture<Status> awaitOnThread(
      Writability w, Deadline deadline, AtomicReference<Status> stop, AtomicReference<Thread> thread) {
    CompletableFuture<Status> outcome = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                w.await(deadline, stop::get);
                outcome.complete(null);
              } catch (StatusException e) {
                outcome.complete(e.status());
              }
            });
    thread.set(t);
    t.start();
    return outcome;
  }

  private static void assertParkedWithoutTimeout(Thread t) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (t.getState() != Thread.State.WAITING && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    // A polling wait would show TIMED_WAITING or RUNNABLE in some of these samples.
    for (int i = 0; i < 20; i++) {
      assertEquals(Thread.State.WAITING, t.getState(), "sample " + i);
      Thread.sleep(10);
    }
  }

  @Test
  void aWaiterSleepsUntilTheChannelBecomesWritable() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel();
    setWritable(ch, false);
    Writability w = new Writability(ch);
    AtomicReference<Thread> thread = new AtomicReference<>();
    CompletableFuture<Status> outcome = awaitOnThread(w, null, new AtomicReference<>(), thread);
    assertParkedWithoutTimeout(thread.get());
    assertFalse(outcome.isDone());
    setWritable(ch, true);
    w.signalAll();
    assertEquals(null, outcome.get(5, TimeUnit.SECONDS));
    ch.finishAndReleaseAll();
  }

  @Test
  void aStopConditionEndsTheWaitWhenSignalled() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel();
    setWritable(ch, false);
    Writability w = new Writability(ch);
    AtomicReference<Status> stop = new AtomicReference<>();
    AtomicReference<Thread> thread = new AtomicReference<>();
    CompletableFuture<Status> outcome = awaitOnThread(w, null, stop, thread);
    assertParkedWithoutTimeout(thread.get());
    stop.set(Status.of(Status.Code.CANCELLED, "stream over"));
    w.signalAll();
    assertEquals(Status.of(Status.Code.CANCELLED, "stream over"), outcome.get(5, TimeUnit.SECONDS));
    ch.finishAndReleaseAll();
  }

  @Test
  void aDeadlineOrAClosedChannelEndsTheWait() throws Exception {
    EmbeddedChannel ch = new EmbeddedChannel();
    setWritable(ch, false);
    Writability w = new Writability(ch);
    AtomicReference<Thread> thread = new AtomicReference<>();
    CompletableFuture<Status> expired =
        awaitOnThread(w, Deadline.after(Duration.ofMillis(100)), new AtomicReference<>(), thread);
    assertEquals(Status.Code.DEADLINE_EXCEEDED, expired.get(5, TimeUnit.SECONDS).code());

    CompletableFuture<Status> closed = awaitOnThread(w, null, new AtomicReference<>(), thread);
    assertParkedWithoutTimeout(thread.get());
    ch.close();
    w.signalAll();
    Status status = closed.get(5, TimeUnit.SECONDS);
    assertTrue(status != null && status.code() == Status.Code.UNAVAILABLE, "got " + status);
    ch.finishAndReleaseAll();
  }
}
