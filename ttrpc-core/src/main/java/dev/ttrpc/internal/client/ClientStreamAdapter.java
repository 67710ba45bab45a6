package dev.ttrpc.internal.client;

import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.ClientStreamCall;
import dev.ttrpc.Status;
import java.util.concurrent.CompletableFuture;

/** A client-streaming call on top of the (possibly intercepted) general stream call. */
final class ClientStreamAdapter<Q, R> implements ClientStreamCall<Q, R> {
  private final BidiStreamCall<Q, R> call;

  ClientStreamAdapter(BidiStreamCall<Q, R> call) {
    this.call = call;
  }

  @Override
  public void send(Q message) {
    call.send(message);
  }

  @Override
  public R closeAndReceive() {
    call.closeSend();
    return requireResponse(call.receive());
  }

  @Override
  public CompletableFuture<R> closeAndReceiveAsync() {
    call.closeSend();
    return call.receiveAsync().thenApply(ClientStreamAdapter::requireResponse);
  }

  private static <R> R requireResponse(R response) {
    if (response == null) {
      throw Status.of(Status.Code.INTERNAL, "ttrpc: stream ended without a response").asException();
    }
    return response;
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
