package dev.ttrpc;

import static dev.ttrpc.testing.TestService.str;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import dev.ttrpc.testing.Frames;
import dev.ttrpc.testing.LeakCheck;
import dev.ttrpc.testing.RawConnection;
import dev.ttrpc.testing.TestService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Application code (continuations of client futures, server cancellation listeners) runs off the
 * I/O threads unless a direct executor is asked for.
 */
@ExtendWith(LeakCheck.class)
class CallbackThreadsTest {
  private static final Marshaller<StringValue> STRING =
      Marshaller.protobuf(StringValue.getDefaultInstance());
  /** Waits until its call is cancelled (at most 5 s); answers the listener's thread name. */
  private static final MethodDescriptor<StringValue, StringValue> AWAIT_CANCEL =
      MethodDescriptor.unary("test.v1.Callbacks", "AwaitCancel", STRING, STRING);

  @TempDir Path dir;
  TtrpcServer server;
  TestService service;

  @AfterEach
  void stop() throws Exception {
    service.release.countDown();
    server.shutdownNow();
    assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
  }

  private String start(Executor serverCallbacks) throws Exception {
    String socket = dir.resolve("s.sock").toString();
    service = new TestService();
    ServiceDefinition callbacks =
        ServiceDefinition.builder("test.v1.Callbacks")
            .unary(
                AWAIT_CANCEL,
                (request, context) -> {
                  CompletableFuture<String> listenerThread = new CompletableFuture<>();
                  context.addCancellationListener(
                      () -> listenerThread.complete(Thread.currentThread().getName()));
                  return str(listenerThread.get(5, TimeUnit.SECONDS));
                })
            .build();
    TtrpcServerBuilder builder =
        TtrpcServer.builder().addService(service.definition()).addService(callbacks);
    if (serverCallbacks != null) {
      builder.callbackExecutor(serverCallbacks);
    }
    server = builder.build().start(socket);
    return socket;
  }

  private static boolean isIoThread(String name) {
    return name.startsWith("ttrpc-io");
  }

  /** The thread that runs a continuation attached while the call is still in flight. */
  private String continuationThread(TtrpcClient client) throws Exception {
    CompletableFuture<StringValue> call =
        client.callAsync(TestService.BLOCK, str(""), CallOptions.DEFAULT);
    CompletableFuture<String> thread = call.thenApply(v -> Thread.currentThread().getName());
    assertTrue(service.blocked.await(5, TimeUnit.SECONDS));
    assertFalse(call.isDone());
    service.release.countDown();
    return thread.get(5, TimeUnit.SECONDS);
  }

  @Test
  void clientContinuationsRunOffTheIoThreadsByDefault() throws Exception {
    String socket = start(null);
    TtrpcClient client = TtrpcClient.connect(socket);
    CompletableFuture<String> closeThread;
    try {
      String thread = continuationThread(client);
      assertFalse(isIoThread(thread), thread);
      closeThread = client.closeFuture().thenApply(v -> Thread.currentThread().getName());
    } finally {
      client.close();
    }
    String closed = closeThread.get(5, TimeUnit.SECONDS);
    assertFalse(isIoThread(closed), closed);
  }

  @Test
  void aDirectCallbackExecutorRunsClientContinuationsOnTheIoThread() throws Exception {
    String socket = start(null);
    try (TtrpcClient client =
        TtrpcClient.builder().address(socket).callbackExecutor(Runnable::run).connect()) {
      String thread = continuationThread(client);
      assertTrue(isIoThread(thread), thread);
    }
  }

  /** Sends AwaitCancel with a 100 ms timeout_nano, which the server's timer enforces. */
  private static String listenerThreadAtDeadline(String socket) throws Exception {
    try (RawConnection c = RawConnection.connect(Path.of(socket))) {
      c.write(Frames.request(1, 0, "test.v1.Callbacks", "AwaitCancel", "", 100_000_000L,
          new Metadata()));
      return Frames.stringPayload(c.readFrame());
    }
  }

  @Test
  void cancellationListenersRunOffTheIoThreadsByDefault() throws Exception {
    String thread = listenerThreadAtDeadline(start(null));
    assertFalse(isIoThread(thread), thread);
  }

  @Test
  void aDirectCallbackExecutorRunsCancellationListenersOnTheCancellingThread() throws Exception {
    String thread = listenerThreadAtDeadline(start(Runnable::run));
    assertTrue(isIoThread(thread), thread);
  }
}
