package dev.ttrpc.internal.client;

import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.ServerStreamCall;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A server-streaming call on top of the (possibly intercepted) general stream call. */
final class ServerStreamAdapter<R> implements ServerStreamCall<R> {
  private final BidiStreamCall<?, R> call;

  ServerStreamAdapter(BidiStreamCall<?, R> call) {
    this.call = call;
  }

  @Override
  public R receive() {
    return call.receive();
  }

  @Override
  public R receive(Duration timeout) {
    return call.receive(timeout);
  }

  @Override
  public CompletableFuture<R> receiveAsync() {
    return call.receiveAsync();
  }

  @Override
  public void cancel() {
    call.cancel();
  }

  @Override
  public void close() {
    call.close();
  }
}
