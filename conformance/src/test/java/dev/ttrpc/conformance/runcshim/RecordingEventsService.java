package dev.ttrpc.conformance.runcshim;

import com.google.protobuf.Empty;
import dev.ttrpc.Metadata;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.Envelope;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsTtrpc;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.ForwardRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Plays containerd's side of {@code containerd.services.events.ttrpc.v1.Events/Forward}: accepts
 * every event a shim forwards and records it, with the namespace the call's metadata carried, in
 * arrival order.
 *
 * <p>Thread-safe: the server may run forwards concurrently; waiters are woken on each arrival.
 */
final class RecordingEventsService implements EventsTtrpc.Service {

  /** One forwarded event and the {@code containerd-namespace-ttrpc} metadata sent with it. */
  record Forwarded(Envelope envelope, String metadataNamespace) {
    String topic() {
      return envelope.getTopic();
    }
  }

  private final List<Forwarded> received = new ArrayList<>();

  @Override
  public Empty forward(ForwardRequest request, ServerCallContext context) {
    String namespace = context.metadata().get(Metadata.CONTAINERD_NAMESPACE_KEY);
    synchronized (received) {
      received.add(new Forwarded(request.getEnvelope(), namespace));
      received.notifyAll();
    }
    return Empty.getDefaultInstance();
  }

  /** A snapshot of everything received so far, in arrival order. */
  List<Forwarded> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /**
   * Waits until an event matching {@code condition} has arrived and returns the snapshot then;
   * fails with the events seen so far if none comes within {@code timeout}.
   */
  List<Forwarded> awaitEvent(Predicate<Forwarded> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (received) {
      while (received.stream().noneMatch(condition)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "expected event not forwarded within " + timeout + "; got topics " + topics());
        }
        received.wait(Math.max(1, left / 1_000_000));
      }
      return List.copyOf(received);
    }
  }

  private List<String> topics() {
    List<String> topics = new ArrayList<>();
    for (Forwarded f : received) {
      topics.add(f.topic());
    }
    return topics;
  }
}
