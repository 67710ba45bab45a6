package dev.ttrpc.shim;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.ttrpc.Metadata;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.Envelope;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsTtrpc;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.ForwardRequest;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends task events to containerd: {@code containerd.services.events.ttrpc.v1.Events/Forward} on
 * {@code $TTRPC_ADDRESS}, with the namespace in the {@code containerd-namespace-ttrpc} metadata,
 * as containerd's own shims do.
 *
 * <ul>
 *   <li>Events leave in the order {@link #publish} was called, from one sender thread.
 *   <li>The event is packed in an Any whose type URL is the bare proto name ({@code
 *       containerd.events.TaskExit}); containerd 1.6 rejects the {@code type.googleapis.com/}
 *       prefix protobuf-java's {@code Any.pack} adds.
 *   <li>Each Forward has a 5 s deadline. The connection is made lazily and re-made when it is
 *       closed (containerd restarted); a failed event is retried once at once after a reconnect,
 *       then re-queued with a back-off of 1 s × attempt and dropped after 5 attempts (a re-queued
 *       event may then arrive after later ones, as with the Go shims).
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class EventPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
  private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_ATTEMPTS = 5;

  /** One queued event. */
  private record Item(Envelope envelope, int attempt) {}

  /** Sends one envelope; a seam for tests. */
  @FunctionalInterface
  public interface Transport {
    void forward(Envelope envelope) throws Exception;
  }

  private final String namespace;
  private final Transport transport;
  private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final ScheduledExecutorService retries;
  private final AtomicInteger pending = new AtomicInteger();
  private final Thread sender;
  private volatile boolean closed;

  /** A publisher to containerd's ttRPC address (may be empty: events are then dropped). */
  public static EventPublisher toContainerd(String ttrpcAddress, String namespace) {
    return new EventPublisher(namespace, new TtrpcTransport(ttrpcAddress, namespace));
  }

  /** A publisher over any transport (tests, custom sinks). */
  public EventPublisher(String namespace, Transport transport) {
    this.namespace = requireNonNull(namespace, "namespace");
    this.transport = requireNonNull(transport, "transport");
    this.retries =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("event-retry").unstarted(r));
    this.sender = Thread.ofPlatform().daemon().name("event-publisher").start(this::run);
  }

  /** The Any containerd expects: bare full name as type URL. */
  public static Any anyOf(Message event) {
    return Any.newBuilder()
        .setTypeUrl(event.getDescriptorForType().getFullName())
        .setValue(event.toByteString())
        .build();
  }

  /** The protobuf timestamp of an instant. */
  public static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  /** Queues an event for {@code topic} (e.g. {@code /tasks/exit}), stamped now. */
  public void publish(String topic, Message event) {
    requireNonNull(topic, "topic");
    requireNonNull(event, "event");
    Envelope env =
        Envelope.newBuilder()
            .setTimestamp(timestamp(Instant.now()))
            .setNamespace(namespace)
            .setTopic(topic)
            .setEvent(anyOf(event))
            .build();
    if (closed) {
      LOG.warn("publisher closed; dropping " + topic);
      return;
    }
    pending.incrementAndGet();
    queue.add(new Item(env, 1));
  }

  private void run() {
    while (true) {
      Item item;
      try {
        item = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        transport.forward(item.envelope());
        pending.decrementAndGet();
      } catch (Exception e) {
        if (item.attempt() >= MAX_ATTEMPTS) {
          pending.decrementAndGet();
          LOG.warn("dropping event " + item.envelope().getTopic(), e);
          continue;
        }
        LOG.debug("publishing " + item.envelope().getTopic() + " failed; will retry", e);
        Item next = new Item(item.envelope(), item.attempt() + 1);
        retries.schedule(() -> queue.add(next), item.attempt(), TimeUnit.SECONDS);
      }
    }
  }

  /** Waits up to {@code timeout} for queued events to be sent; returns whether all were. */
  public boolean drain(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (pending.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Stops accepting events, waits ≤ 5 s for the queue to drain, then stops. */
  @Override
  public void close() {
    closed = true;
    try {
      drain(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.interrupt();
    retries.shutdownNow();
    if (transport instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.debug("closing the event transport", e);
      }
    }
  }

  /** Forward over one lazily (re)opened ttRPC connection. */
  static final class TtrpcTransport implements Transport, AutoCloseable {
    private final String address;
    private final Metadata metadata;
    private TtrpcClient client;

    TtrpcTransport(String address, String namespace) {
      this.address = address;
      this.metadata = Metadata.of(Metadata.CONTAINERD_NAMESPACE_KEY, namespace);
    }

    @Override
    public synchronized void forward(Envelope envelope) throws IOException {
      if (address == null || address.isEmpty()) {
        throw new IOException("TTRPC_ADDRESS is not set: cannot publish events");
      }
      ForwardRequest req = ForwardRequest.newBuilder().setEnvelope(envelope).build();
      try {
        stub().forward(req);
      } catch (StatusException e) {
        if (e.code() != Status.Code.UNAVAILABLE) {
          throw e;
        }
        // The connection was closed (containerd restarted): reconnect and retry once.
        reset();
        stub().forward(req);
      }
    }

    private EventsTtrpc.EventsStub stub() throws IOException {
      if (client == null || client.isClosed()) {
        reset();
        client = TtrpcClient.builder().address(address).connectTimeout(FORWARD_TIMEOUT).connect();
      }
      return EventsTtrpc.newStub(client).withTimeout(FORWARD_TIMEOUT).withMetadata(metadata);
    }

    private void reset() {
      if (client != null) {
        client.close();
        client = null;
      }
    }

    @Override
    public synchronized void close() {
      reset();
    }
  }
}
