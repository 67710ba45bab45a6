package dev.ttrpc.examples.greeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.examples.greeter.v1.GreeterTtrpc;
import dev.ttrpc.examples.greeter.v1.HelloReply;
import dev.ttrpc.examples.greeter.v1.HelloRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Serves the greeter on a temporary Unix socket and calls it through the generated stub. */
class GreeterTest {
  @TempDir Path dir;
  private TtrpcServer server;
  private TtrpcClient client;
  private GreeterTtrpc.GreeterStub greeter;

  @BeforeEach
  void startServerAndConnect() throws Exception {
    String address = dir.resolve("greeter.sock").toString();
    server =
        TtrpcServer.builder()
            .addService(new GreeterService())
            .build()
            .start(address);
    client = TtrpcClient.connect(address);
    greeter = GreeterTtrpc.newStub(client).withTimeout(Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void unaryCalls() throws Exception {
    assertEquals(
        "Hello, Ada!",
        greeter.sayHello(HelloRequest.newBuilder().setName("Ada").build()).getMessage());
    assertEquals(
        "Hello, stranger!",
        greeter.sayHelloAsync(HelloRequest.getDefaultInstance()).get().getMessage());
  }

  @Test
  void serverStreamingCall() {
    List<String> messages = new ArrayList<>();
    try (ServerStreamCall<HelloReply> stream =
        greeter.sayHelloStream(HelloRequest.newBuilder().setName("Bob").setTimes(3).build())) {
      for (HelloReply reply : stream) {
        messages.add(reply.getMessage());
      }
    }
    assertEquals(List.of("Hello, Bob! #1", "Hello, Bob! #2", "Hello, Bob! #3"), messages);

    try (ServerStreamCall<HelloReply> tooMany =
        greeter.sayHelloStream(HelloRequest.newBuilder().setTimes(1000).build())) {
      StatusException e = assertThrows(StatusException.class, tooMany::receive);
      assertEquals(Status.Code.INVALID_ARGUMENT, e.code());
    }
  }
}
