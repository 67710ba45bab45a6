package dev.ttrpc;

import static dev.ttrpc.testing.TestService.str;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.StringValue;
import dev.ttrpc.testing.TestService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Many echo calls in flight on one client, for tests that stop an event loop under them: each
 * call must end, answered with its own payload or failed with {@code UNAVAILABLE}.
 */
final class InFlightEchoes {
  private final List<CompletableFuture<StringValue>> calls = new ArrayList<>();

  private InFlightEchoes() {}

  /** Starts {@code count} asynchronous echo calls on {@code client}. */
  static InFlightEchoes start(TtrpcClient client, int count) {
    InFlightEchoes echoes = new InFlightEchoes();
    for (int i = 0; i < count; i++) {
      echoes.calls.add(client.callAsync(TestService.ECHO, str("r" + i), CallOptions.DEFAULT));
    }
    return echoes;
  }

  /** Asserts that every call ends within 5 s, answered or {@code UNAVAILABLE}. */
  void assertEachEnds() throws Exception {
    for (CompletableFuture<StringValue> call : calls) {
      try {
        assertEquals("r", call.get(5, TimeUnit.SECONDS).getValue().substring(0, 1));
      } catch (ExecutionException e) {
        StatusException failure = (StatusException) e.getCause();
        assertEquals(Status.Code.UNAVAILABLE, failure.code(), failure.toString());
      }
    }
  }
}
