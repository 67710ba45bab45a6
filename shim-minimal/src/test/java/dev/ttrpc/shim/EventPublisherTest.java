package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import dev.ttrpc.Metadata;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.proto.containerd.events.TaskExit;
import dev.ttrpc.proto.containerd.events.TaskStart;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.Envelope;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsTtrpc;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.ForwardRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventPublisherTest {
  @TempDir Path dir;

  private final List<Envelope> received = new CopyOnWriteArrayList<>();
  private final List<String> namespaces = new CopyOnWriteArrayList<>();

  private TtrpcServer eventsServer(String address) throws Exception {
    return TtrpcServer.builder()
        .addService(
            EventsTtrpc.bindService(
                new EventsTtrpc.Service() {
                  @Override
                  public Empty forward(ForwardRequest request, ServerCallContext context) {
                    received.add(request.getEnvelope());
                    namespaces.add(context.metadata().get(Metadata.CONTAINERD_NAMESPACE_KEY));
                    return Empty.getDefaultInstance();
                  }
                }))
        .build()
        .start(address);
  }

  @Test
  void forwardsInOrderWithBareTypeUrlsAndNamespaceMetadataAndReconnects() throws Exception {
    String address = "unix://" + dir.resolve("events.sock");
    TtrpcServer server = eventsServer(address);
    EventPublisher publisher = EventPublisher.toContainerd(address, "ns1");
    try {
      publisher.publish("/tasks/start", TaskStart.newBuilder().setContainerId("c").build());
      publisher.publish("/tasks/exit", TaskExit.newBuilder().setContainerId("c").build());
      assertTrue(publisher.drain(Duration.ofSeconds(10)));
      assertEquals(2, received.size());
      assertEquals("/tasks/start", received.get(0).getTopic());
      assertEquals("containerd.events.TaskStart", received.get(0).getEvent().getTypeUrl());
      assertEquals("containerd.events.TaskExit", received.get(1).getEvent().getTypeUrl());
      assertEquals("ns1", received.get(1).getNamespace());
      assertTrue(received.get(1).hasTimestamp());
      assertEquals(List.of("ns1", "ns1"), namespaces);

      // containerd restarts: the publisher reconnects on its own.
      server.shutdownNow();
      server.awaitTermination(Duration.ofSeconds(5));
      server = eventsServer(address);
      publisher.publish("/tasks/exit", TaskExit.newBuilder().setContainerId("d").build());
      assertTrue(publisher.drain(Duration.ofSeconds(15)));
      assertEquals("d", TaskExit.parseFrom(received.get(2).getEvent().getValue())
          .getContainerId());
    } finally {
      publisher.close();
      server.shutdownNow();
    }
  }

  @Test
  void failedEventsAreRetriedThenDropped() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<String> delivered = new CopyOnWriteArrayList<>();
    EventPublisher flaky =
        new EventPublisher(
            "ns",
            env -> {
              if (calls.incrementAndGet() <= 2) {
                throw new IllegalStateException("containerd busy");
              }
              delivered.add(env.getTopic());
            });
    flaky.publish("/tasks/oom", TaskStart.getDefaultInstance());
    assertTrue(flaky.drain(Duration.ofSeconds(10)));
    assertEquals(List.of("/tasks/oom"), delivered);
    assertEquals(3, calls.get());
    flaky.close();

    AtomicInteger attempts = new AtomicInteger();
    EventPublisher dead =
        new EventPublisher(
            "ns",
            env -> {
              attempts.incrementAndGet();
              throw new IllegalStateException("gone");
            });
    dead.publish("/tasks/exit", TaskExit.getDefaultInstance());
    assertTrue(dead.drain(Duration.ofSeconds(20)), "dropped after the last attempt");
    assertEquals(5, attempts.get());
    dead.close();
  }

  @Test
  void anyOfUsesTheBareProtoName() {
    assertEquals(
        "containerd.events.TaskExit",
        EventPublisher.anyOf(TaskExit.getDefaultInstance()).getTypeUrl());
  }
}
