package dev.ttrpc.internal.transport;

import static dev.ttrpc.testing.TestService.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Int64Value;
import com.google.protobuf.StringValue;
import dev.ttrpc.CallOptions;
import dev.ttrpc.PeerCredentials;
import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.StreamService;
import dev.ttrpc.testing.TestService;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The JDK NIO fallback transport runs the same protocol (forced with ttrpc.transport=nio). */
@ExtendWith(LeakCheck.class)
class NioTransportTest {
  @TempDir Path dir;

  @BeforeAll
  static void forceNio() throws Exception {
    System.setProperty(Transport.TRANSPORT_PROPERTY, "nio");
    // The shared group is created afresh (with the property read) once nobody holds it.
    assertEquals(0, Transport.sharedLeases());
  }

  @AfterAll
  static void restore() {
    System.clearProperty(Transport.TRANSPORT_PROPERTY);
  }

  @Test
  void unaryAndStreamingWorkOverNio() throws Exception {
    assertFalse(Transport.isEpoll());
    AtomicReference<PeerCredentials> peer = new AtomicReference<>();
    String path = dir.resolve("nio.sock").toString();
    TtrpcServer server = TtrpcServer.builder().addService(new TestService().definition())
        .addService(new StreamService().definition()).handshaker(peer::set).build().start(path);
    try (TtrpcClient client = TtrpcClient.connect("unix://" + path)) {
      assertEquals(str("nio"), client.call(TestService.ECHO, str("nio"), CallOptions.DEFAULT));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, assertThrows(StatusException.class,
          () -> client.call(TestService.BIG, Int64Value.of(5 << 20), CallOptions.DEFAULT)).code());
      try (ServerStreamCall<StringValue> call =
          client.serverStream(StreamService.DIVIDE, Int64Value.of(2), CallOptions.DEFAULT)) {
        assertEquals("0", call.receive().getValue());
        assertEquals("1", call.receive().getValue());
        assertNull(call.receive());
      }
    } finally {
      server.shutdownNow();
      assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
    }
    assertEquals(PeerCredentials.NONE, peer.get(), "NIO knows no numeric peer ids");
  }

  @Test
  void abstractAddressesAndInheritedFdsNeedEpoll() {
    assertThrows(IOException.class, () -> Transport.address("unix://@abstract"));
    assertThrows(IOException.class, () -> TtrpcServer.builder().build().startOnInheritedFd(3));
  }
}
