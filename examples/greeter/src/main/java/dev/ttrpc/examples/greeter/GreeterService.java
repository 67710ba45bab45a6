package dev.ttrpc.examples.greeter;

import dev.ttrpc.ServerCallContext;
import dev.ttrpc.Status;
import dev.ttrpc.StreamSender;
import dev.ttrpc.examples.greeter.v1.GreeterTtrpc;
import dev.ttrpc.examples.greeter.v1.HelloReply;
import dev.ttrpc.examples.greeter.v1.HelloRequest;

/**
 * The server side of {@code example.greeter.v1.Greeter}: overrides the methods of the generated
 * {@link GreeterTtrpc.Service} interface. Stateless, hence thread-safe.
 */
public final class GreeterService implements GreeterTtrpc.Service {
  /** The most greetings one {@code SayHelloStream} call may ask for. */
  static final int MAX_TIMES = 100;

  @Override
  public HelloReply sayHello(HelloRequest request, ServerCallContext context) {
    return HelloReply.newBuilder().setMessage(greeting(request.getName())).build();
  }

  @Override
  public void sayHelloStream(
      HelloRequest request, StreamSender<HelloReply> responses, ServerCallContext context) {
    if (request.getTimes() < 0 || request.getTimes() > MAX_TIMES) {
      throw Status.INVALID_ARGUMENT
          .withMessage("times must be between 0 and " + MAX_TIMES + ", got " + request.getTimes())
          .asException();
    }
    for (int i = 1; i <= request.getTimes() && !context.isCancelled(); i++) {
      responses.send(
          HelloReply.newBuilder().setMessage(greeting(request.getName()) + " #" + i).build());
    }
  }

  private static String greeting(String name) {
    return "Hello, " + (name.isEmpty() ? "stranger" : name) + "!";
  }
}
