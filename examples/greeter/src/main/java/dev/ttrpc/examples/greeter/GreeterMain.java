package dev.ttrpc.examples.greeter;

import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.examples.greeter.v1.GreeterTtrpc;
import dev.ttrpc.examples.greeter.v1.HelloReply;
import dev.ttrpc.examples.greeter.v1.HelloRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Serves the greeter on a Unix socket and calls it once per method through the generated stub.
 * Usage: {@code GreeterMain [socket-path]} (default: a socket in a new temporary directory).
 */
public final class GreeterMain {
  private GreeterMain() {}

  public static void main(String[] args) throws Exception {
    Path socket =
        args.length > 0
            ? Path.of(args[0])
            : Files.createTempDirectory("greeter").resolve("greeter.sock");
    TtrpcServer server =
        TtrpcServer.builder()
            .addService(new GreeterService())
            .build()
            .start(socket.toString());
    try (TtrpcClient client = TtrpcClient.connect(socket.toString())) {
      GreeterTtrpc.GreeterStub greeter =
          GreeterTtrpc.newStub(client).withTimeout(Duration.ofSeconds(5));

      HelloReply reply = greeter.sayHello(HelloRequest.newBuilder().setName("ttRPC").build());
      System.out.println(reply.getMessage());

      try (ServerStreamCall<HelloReply> stream =
          greeter.sayHelloStream(HelloRequest.newBuilder().setName("stream").setTimes(3).build())) {
        for (HelloReply r : stream) {
          System.out.println(r.getMessage());
        }
      }
    } finally {
      server.close();
    }
  }
}
