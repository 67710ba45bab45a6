package dev.ttrpc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The interceptor behind {@link AbstractStub#withMaxMessageSize}, and a forwarding call. */
final class StubInterceptors {
  private StubInterceptors() {}

  /** Refuses requests and responses above a size, with RESOURCE_EXHAUSTED. */
  static final class MaxMessageSize implements ClientInterceptor {
    private final int limit;

    MaxMessageSize(int limit) {
      this.limit = limit;
    }

    @Override
    public <Q, R> CompletableFuture<R> interceptUnary(
        MethodDescriptor<Q, R> method, Q request, CallOptions options, UnaryInvoker<Q, R> next) {
      try {
        checkRequest(method, request);
      } catch (StatusException e) {
        return CompletableFuture.failedFuture(e);
      }
      return Futures.map(next.invoke(request, options), response -> checkResponse(method, response));
    }

    @Override
    public <Q, R> BidiStreamCall<Q, R> interceptStream(
        MethodDescriptor<Q, R> method, CallOptions options, StreamStarter<Q, R> next) {
      BidiStreamCall<Q, R> call = next.start(options);
      return new ForwardingCall<>(call) {
        @Override
        public void send(Q message) {
          checkRequest(method, message);
          call.send(message);
        }

        @Override
        public R receive() {
          return checkReceived(call.receive());
        }

        @Override
        public R receive(Duration timeout) {
          return checkReceived(call.receive(timeout));
        }

        @Override
        public CompletableFuture<R> receiveAsync() {
          return Futures.map(call.receiveAsync(), this::checkReceived);
        }

        private R checkReceived(R response) {
          try {
            return checkResponse(method, response);
          } catch (StatusException e) {
            call.cancel();
            throw e;
          }
        }
      };
    }

    private <Q> void checkRequest(MethodDescriptor<Q, ?> method, Q request) {
      if (request == null) {
        return;
      }
      int size = method.requestMarshaller().serializedSize(request);
      if (size > limit) {
        throw Status.RESOURCE_EXHAUSTED
            .withMessage("ttrpc: request of " + size + " bytes to " + method.fullMethodName()
                + " exceeds the stub's maximum message size of " + limit + " bytes")
            .asException();
      }
    }

    private <R> R checkResponse(MethodDescriptor<?, R> method, R response) {
      if (response != null) {
        int size = method.responseMarshaller().serializedSize(response);
        if (size > limit) {
          throw Status.RESOURCE_EXHAUSTED
              .withMessage("ttrpc: response of " + size + " bytes from " + method.fullMethodName()
                  + " exceeds the stub's maximum message size of " + limit + " bytes")
              .asException();
        }
      }
      return response;
    }
  }

  /** A call that forwards everything; subclasses override what they change. */
  static class ForwardingCall<Q, R> implements BidiStreamCall<Q, R> {
    private final BidiStreamCall<Q, R> call;

    ForwardingCall(BidiStreamCall<Q, R> call) {
      this.call = call;
    }

    @Override
    public void send(Q message) {
      call.send(message);
    }

    @Override
    public void closeSend() {
      call.closeSend();
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
}
