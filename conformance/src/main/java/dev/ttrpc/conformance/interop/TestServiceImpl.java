package dev.ttrpc.conformance.interop;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.ttrpc.Deadline;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.StreamReceiver;
import dev.ttrpc.StreamSender;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The Java implementation of {@code ttrpc.interop.TestService}, with the same semantics as the Go
 * peer's server for the unary methods (see {@code conformance/go/README.md}), plus the streaming
 * methods, which only Java peers serve.
 *
 * <p>Stateless and thread-safe: the server runs each call on its own thread.
 */
public final class TestServiceImpl implements TestServiceTtrpc.Service {

  /**
   * The largest {@code response_size} (and streamed response size) served, so that one request
   * cannot make the server allocate without bound. Above the 4 MiB message limit on purpose: the
   * oversize_response case needs a response that does not fit in a frame.
   */
  public static final int MAX_RESPONSE_SIZE = 16 << 20;

  @Override
  public Empty emptyCall(Empty request, ServerCallContext context) {
    return Empty.getDefaultInstance();
  }

  @Override
  public SimpleResponse unaryCall(SimpleRequest request, ServerCallContext context) {
    failIfAsked(request.hasResponseStatus() ? request.getResponseStatus() : null);
    int size = checkSize("response_size", request.getResponseSize());
    SimpleResponse.Builder response =
        SimpleResponse.newBuilder()
            .setReceivedPayloadSize(request.getPayload().getBody().size());
    if (size > 0) {
      response.setPayload(zeroPayload(size));
    } else if (request.hasPayload()) {
      response.setPayload(request.getPayload());
    }
    if (request.getEchoMetadata()) {
      // Arrival order, keys as they came on the wire: the Java server keeps both.
      for (Map.Entry<String, String> entry : context.metadata().entries()) {
        response.addEchoedMetadata(
            MetadataEntry.newBuilder().setKey(entry.getKey()).setValue(entry.getValue()));
      }
    }
    return response.build();
  }

  @Override
  public SleepResponse sleepCall(SleepRequest request, ServerCallContext context) {
    if (request.getSleepMillis() < 0) {
      throw Status.INVALID_ARGUMENT
          .withMessage("sleep_millis " + request.getSleepMillis() + " is negative")
          .asException();
    }
    SleepResponse.Builder response = SleepResponse.newBuilder();
    Optional<Deadline> deadline = context.deadline();
    deadline.ifPresent(
        d -> response.setDeadlineSeen(true).setDeadlineRemainingMillis(d.remaining().toMillis()));

    CountDownLatch cancelled = new CountDownLatch(1);
    context.addCancellationListener(cancelled::countDown);
    long sleepNanos = TimeUnit.MILLISECONDS.toNanos(request.getSleepMillis());
    // Bounded by the deadline as well, in case cancellation reaches the listener late.
    long waitNanos =
        deadline.map(d -> Math.min(sleepNanos, Math.max(0, d.remainingNanos()))).orElse(sleepNanos);
    boolean woken = await(cancelled, waitNanos);
    if (deadline.isPresent() && deadline.get().isExpired() && waitNanos < sleepNanos) {
      // The words Go's context uses, which Go ttrpc sends as the status message.
      throw Status.DEADLINE_EXCEEDED.withMessage("context deadline exceeded").asException();
    }
    if (woken) {
      throw Status.CANCELLED.withMessage("context canceled").asException();
    }
    return response.build();
  }

  @Override
  public StreamingInputCallResponse streamingInputCall(
      StreamReceiver<StreamingInputCallRequest> requests, ServerCallContext context) {
    int total = 0;
    for (StreamingInputCallRequest request = requests.receive();
        request != null;
        request = requests.receive()) {
      total += request.getPayload().getBody().size();
    }
    return StreamingInputCallResponse.newBuilder().setAggregatedPayloadSize(total).build();
  }

  @Override
  public void streamingOutputCall(
      StreamingOutputCallRequest request,
      StreamSender<StreamingOutputCallResponse> responses,
      ServerCallContext context) {
    respond(request, responses, context);
  }

  @Override
  public void fullDuplexCall(
      StreamReceiver<StreamingOutputCallRequest> requests,
      StreamSender<StreamingOutputCallResponse> responses,
      ServerCallContext context) {
    for (StreamingOutputCallRequest request = requests.receive();
        request != null;
        request = requests.receive()) {
      respond(request, responses, context);
    }
  }

  /**
   * Sends the responses one streaming request asks for (the first one with the stream's metadata
   * and deadline if the request asks for them), then fails if it asks for that.
   */
  private static void respond(
      StreamingOutputCallRequest request,
      StreamSender<StreamingOutputCallResponse> responses,
      ServerCallContext context) {
    boolean echoCallInfo = request.getEchoCallInfo();
    for (ResponseParameters parameters : request.getResponseParametersList()) {
      int size = checkSize("size", parameters.getSize());
      if (parameters.getIntervalUs() < 0) {
        throw Status.INVALID_ARGUMENT
            .withMessage("interval_us " + parameters.getIntervalUs() + " is negative")
            .asException();
      }
      if (parameters.getIntervalUs() > 0) {
        await(new CountDownLatch(1), TimeUnit.MICROSECONDS.toNanos(parameters.getIntervalUs()));
      }
      StreamingOutputCallResponse.Builder response =
          StreamingOutputCallResponse.newBuilder().setPayload(zeroPayload(size));
      if (echoCallInfo) {
        echoCallInfo = false;
        for (Map.Entry<String, String> entry : context.metadata().entries()) {
          response.addEchoedMetadata(
              MetadataEntry.newBuilder().setKey(entry.getKey()).setValue(entry.getValue()));
        }
        Optional<Deadline> deadline = context.deadline();
        if (deadline.isPresent()) {
          response
              .setDeadlineSeen(true)
              .setDeadlineRemainingMillis(deadline.get().remaining().toMillis());
        }
      }
      responses.send(response.build());
    }
    failIfAsked(request.hasResponseStatus() ? request.getResponseStatus() : null);
  }

  /**
   * Waits up to {@code nanos} for the latch; returns whether it opened. An interrupt (the server
   * cancelling the handler) ends the call with CANCELLED.
   */
  private static boolean await(CountDownLatch latch, long nanos) {
    try {
      return latch.await(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withMessage("context canceled").asException(e);
    }
  }

  private static void failIfAsked(EchoStatus status) {
    if (status != null && status.getCode() != 0) {
      throw statusException(status);
    }
  }

  private static StatusException statusException(EchoStatus status) {
    requireNonNull(status, "status");
    return Status.of(Status.Code.forValue(status.getCode()), status.getMessage()).asException();
  }

  private static int checkSize(String field, int size) {
    if (size < 0 || size > MAX_RESPONSE_SIZE) {
      throw Status.INVALID_ARGUMENT
          .withMessage(field + " " + size + " out of range [0, " + MAX_RESPONSE_SIZE + "]")
          .asException();
    }
    return size;
  }

  private static Payload zeroPayload(int size) {
    // Wrapping hands the fresh array to the message without the copy ByteString.copyFrom makes;
    // nothing else holds a reference to it.
    ByteString body = size == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(new byte[size]);
    return Payload.newBuilder().setBody(body).build();
  }
}
