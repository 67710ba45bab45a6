package dev.ttrpc.conformance.interop;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.CallOptions;
import dev.ttrpc.ClientStreamCall;
import dev.ttrpc.Marshaller;
import dev.ttrpc.Metadata;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.MethodType;
import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.conformance.interop.InteropEnv.ServerImpl;
import dev.ttrpc.conformance.interop.TestServiceTtrpc.TestServiceStub;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The bodies of the {@link InteropCase}s. Stateless. */
final class InteropCases {
  /** The largest frame data ttRPC peers accept: Go's fixed limit. */
  static final int MAX_MESSAGE_SIZE = 4 << 20;

  static final String UNIMPLEMENTED_METHOD = "UnimplementedCall";
  static final String UNIMPLEMENTED_SERVICE = "ttrpc.interop.UnimplementedService";

  private static final int LARGE_REQUEST_SIZE = 271828;
  private static final int LARGE_RESPONSE_SIZE = 314159;
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final int CONCURRENT_CALLS = 128;
  private static final Pattern OVERSIZE_TEXT =
      Pattern.compile("^message length (\\d+) exceed maximum message size of 4194304$");

  /** The cases' streaming sizes, after gRPC's interop client. */
  private static final List<Integer> REQUEST_SIZES = List.of(27182, 8, 1828, 45904);

  private static final List<Integer> RESPONSE_SIZES = List.of(31415, 9, 2653, 58979);

  private InteropCases() {}

  /** The case does not apply to the server under test. */
  static final class Skipped extends Exception {
    private static final long serialVersionUID = 1L;

    Skipped(String reason) {
      super(reason);
    }
  }

  static void emptyUnary(InteropEnv env) throws CaseFailure {
    Empty response = stub(env).emptyCall(Empty.getDefaultInstance());
    check(response != null, "EmptyCall returned null");
  }

  static void largeUnary(InteropEnv env) throws CaseFailure {
    SimpleResponse response =
        stub(env)
            .unaryCall(
                SimpleRequest.newBuilder()
                    .setResponseSize(LARGE_RESPONSE_SIZE)
                    .setPayload(payload(new byte[LARGE_REQUEST_SIZE]))
                    .build());
    checkZeroBody(response.getPayload().getBody(), LARGE_RESPONSE_SIZE);
    check(
        response.getReceivedPayloadSize() == LARGE_REQUEST_SIZE,
        "server received " + response.getReceivedPayloadSize() + " payload bytes, sent "
            + LARGE_REQUEST_SIZE);
    check(
        response.getEchoedMetadataCount() == 0,
        "metadata echoed although echo_metadata was false: " + response.getEchoedMetadataList());
  }

  static void statusCodeAndMessage(InteropEnv env) throws CaseFailure {
    expectEchoedStatus(env, "test status message");
  }

  static void specialStatusMessage(InteropEnv env) throws CaseFailure {
    expectEchoedStatus(
        env, "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \ud83d\ude08\t\n");
  }

  private static void expectEchoedStatus(InteropEnv env, String message) throws CaseFailure {
    SimpleRequest request =
        SimpleRequest.newBuilder()
            .setResponseStatus(
                EchoStatus.newBuilder().setCode(Status.Code.UNKNOWN.value()).setMessage(message))
            .build();
    expectStatus(() -> stub(env).unaryCall(request), Status.Code.UNKNOWN, message);
  }

  static void customMetadata(InteropEnv env) throws CaseFailure {
    Metadata sent =
        Metadata.of(
            "x-interop-lower", "value-1",
            "X-Interop-Mixed-Case", "Value-2",
            "x-interop-repeated", "first",
            "x-interop-repeated", "second");
    SimpleResponse response =
        stub(env)
            .withMetadata(sent)
            .unaryCall(
                SimpleRequest.newBuilder()
                    .setEchoMetadata(true)
                    .setPayload(payload("metadata".getBytes(StandardCharsets.UTF_8)))
                    .build());

    checkEchoedMetadata(sent, response.getEchoedMetadataList());
  }

  /**
   * Checks that the server echoed exactly the metadata sent. Clients and servers may or may not
   * keep the case of keys, so keys compare ignoring it; the values of one key keep their order.
   */
  private static void checkEchoedMetadata(Metadata sent, List<MetadataEntry> echoedEntries)
      throws CaseFailure {
    Map<String, List<String>> want = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : sent.entries()) {
      want.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(e.getValue());
    }
    Map<String, List<String>> echoed = new LinkedHashMap<>();
    for (MetadataEntry e : echoedEntries) {
      echoed.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(e.getValue());
    }
    check(echoed.equals(want), "sent metadata " + want + ", echoed " + echoed);
  }

  static void unimplementedMethod(InteropEnv env) throws CaseFailure {
    MethodDescriptor<Empty, Empty> method =
        rawEmptyMethod(TestServiceTtrpc.SERVICE_NAME, UNIMPLEMENTED_METHOD);
    expectStatus(
        () -> env.client().call(method, Empty.getDefaultInstance(), timeout()),
        Status.Code.UNIMPLEMENTED,
        "method " + UNIMPLEMENTED_METHOD);
  }

  static void unimplementedService(InteropEnv env) throws CaseFailure {
    MethodDescriptor<Empty, Empty> method =
        rawEmptyMethod(UNIMPLEMENTED_SERVICE, UNIMPLEMENTED_METHOD);
    expectStatus(
        () -> env.client().call(method, Empty.getDefaultInstance(), timeout()),
        Status.Code.UNIMPLEMENTED,
        "service " + UNIMPLEMENTED_SERVICE);
  }

  static void deadlinePropagation(InteropEnv env) throws CaseFailure {
    Duration timeout = Duration.ofSeconds(5);
    TestServiceStub stub = TestServiceTtrpc.newStub(env.client());
    SleepResponse withDeadline =
        stub.withTimeout(timeout).sleepCall(SleepRequest.getDefaultInstance());
    check(withDeadline.getDeadlineSeen(), "server saw no deadline although the call had one");
    long left = withDeadline.getDeadlineRemainingMillis();
    check(
        left > 0 && left <= timeout.toMillis(),
        "server saw " + left + " ms left, want within (0, " + timeout.toMillis() + "]");

    // No deadline on the call, so the request carries no timeout_nano.
    SleepResponse without = stub.sleepCall(SleepRequest.getDefaultInstance());
    check(
        !without.getDeadlineSeen(),
        "server saw a deadline (" + without.getDeadlineRemainingMillis()
            + " ms left) although the call had none");
  }

  static void timeoutOnSleepingServer(InteropEnv env) throws CaseFailure {
    Duration deadline = Duration.ofMillis(100);
    long start = System.nanoTime();
    try {
      TestServiceTtrpc.newStub(env.client())
          .withTimeout(deadline)
          .sleepCall(SleepRequest.newBuilder().setSleepMillis(10_000).build());
      throw new CaseFailure("a 10 s sleep with a 100 ms deadline succeeded");
    } catch (StatusException e) {
      // The local deadline, or the server's answer to its own deadline if it won the race.
      check(
          e.code() == Status.Code.DEADLINE_EXCEEDED,
          "want DEADLINE_EXCEEDED, got " + InteropCase.describe(e));
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    // Generous: only catches a client that waited for the full sleep.
    check(
        elapsed.compareTo(Duration.ofSeconds(5)) <= 0,
        "call returned after " + elapsed.toMillis() + " ms, deadline was 100 ms");
    connectionUsable(env.client(), "after the deadline expired");
  }

  static void oversizeRequest(InteropEnv env) throws Exception {
    SimpleRequest request =
        SimpleRequest.newBuilder().setPayload(payload(new byte[MAX_MESSAGE_SIZE + 1])).build();
    // The limit applies to the whole Request envelope: no deadline and no metadata are sent, so
    // the envelope is service, method and payload.
    long frameLength =
        requestFrameLength(
            TestServiceTtrpc.SERVICE_NAME,
            TestServiceTtrpc.METHOD_UNARY_CALL.methodName(),
            request.getSerializedSize());
    String want =
        "message length " + frameLength + " exceed maximum message size of " + MAX_MESSAGE_SIZE;

    // Our client checks before sending, as Go ttrpc 1.2.6+ does, and keeps the connection.
    expectStatus(
        () -> TestServiceTtrpc.newStub(env.client()).unaryCall(request),
        Status.Code.RESOURCE_EXHAUSTED,
        want);
    connectionUsable(env.client(), "after refusing an oversized request locally");

    // A client allowed to send it: now the server must discard it and answer on its stream.
    try (TtrpcClient lenient =
        TtrpcClient.builder()
            .address(env.address())
            .maxMessageSize(2 * MAX_MESSAGE_SIZE)
            .connect()) {
      expectStatus(
          () -> TestServiceTtrpc.newStub(lenient).unaryCall(request),
          Status.Code.RESOURCE_EXHAUSTED,
          want);
      connectionUsable(lenient, "after an oversized request");
    }
  }

  static void oversizeResponse(InteropEnv env) throws CaseFailure {
    // A Java server replaces the response by an error Response; a Go 1.1.1 server sends it, and
    // our client must then fail this call only. Either way: code 8 with Go's text.
    int size = 5 << 20;
    try {
      stub(env).unaryCall(SimpleRequest.newBuilder().setResponseSize(size).build());
      throw new CaseFailure("a " + size + "-byte response was delivered");
    } catch (StatusException e) {
      check(
          e.code() == Status.Code.RESOURCE_EXHAUSTED,
          "want code 8 (RESOURCE_EXHAUSTED), got " + InteropCase.describe(e));
      Matcher m = OVERSIZE_TEXT.matcher(e.status().message());
      check(m.matches(), "message \"" + e.status().message() + "\" does not match " + OVERSIZE_TEXT);
      long reported = Long.parseLong(m.group(1));
      check(
          reported > size,
          "reported length " + reported + " is not above the " + size + "-byte payload");
    }
    connectionUsable(env.client(), "after an oversized response");
  }

  static void concurrentUnary(InteropEnv env) throws Exception {
    TestServiceStub stub = TestServiceTtrpc.newStub(env.client()).withTimeout(CALL_TIMEOUT.multipliedBy(3));
    List<byte[]> bodies = new ArrayList<>(CONCURRENT_CALLS);
    List<CompletableFuture<SimpleResponse>> calls = new ArrayList<>(CONCURRENT_CALLS);
    for (int i = 0; i < CONCURRENT_CALLS; i++) {
      // Distinct sizes and contents, so a response delivered to the wrong caller is noticed.
      byte[] body =
          String.format(Locale.ROOT, "call-%03d;", i).repeat(i + 1).getBytes(StandardCharsets.UTF_8);
      bodies.add(body);
    }
    // Every call is started before any response is awaited: all 128 are in flight at once.
    for (byte[] body : bodies) {
      calls.add(stub.unaryCallAsync(SimpleRequest.newBuilder().setPayload(payload(body)).build()));
    }
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < CONCURRENT_CALLS; i++) {
      byte[] body = bodies.get(i);
      SimpleResponse response;
      try {
        response = calls.get(i).get(CALL_TIMEOUT.multipliedBy(3).toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        failures.add("call " + i + ": " + e.getCause());
        continue;
      } catch (TimeoutException e) {
        failures.add("call " + i + ": no response");
        continue;
      }
      if (!response.getPayload().getBody().equals(ByteString.copyFrom(body))) {
        failures.add(
            "call " + i + ": got " + response.getPayload().getBody().size()
                + " bytes back that differ from the " + body.length + " sent");
      } else if (response.getReceivedPayloadSize() != body.length) {
        failures.add(
            "call " + i + ": server received " + response.getReceivedPayloadSize() + " bytes, sent "
                + body.length);
      }
    }
    check(
        failures.isEmpty(),
        failures.size() + " of " + CONCURRENT_CALLS + " calls failed: " + String.join("; ", failures));
  }

  static void clientStreaming(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "StreamingInputCall")) {
      return;
    }
    int total = 0;
    try (ClientStreamCall<StreamingInputCallRequest, StreamingInputCallResponse> call =
        stub(env).streamingInputCall()) {
      for (int size : REQUEST_SIZES) {
        call.send(StreamingInputCallRequest.newBuilder().setPayload(payload(new byte[size])).build());
        total += size;
      }
      StreamingInputCallResponse response = call.closeAndReceive();
      check(
          response.getAggregatedPayloadSize() == total,
          "server summed " + response.getAggregatedPayloadSize() + " bytes, sent " + total);
    }
    connectionUsable(env.client(), "after a client stream");
  }

  static void serverStreaming(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "StreamingOutputCall")) {
      return;
    }
    StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
    for (int size : RESPONSE_SIZES) {
      request.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
    }
    try (ServerStreamCall<StreamingOutputCallResponse> call =
        stub(env).streamingOutputCall(request.build())) {
      for (int size : RESPONSE_SIZES) {
        StreamingOutputCallResponse response = call.receive();
        check(response != null, "the stream ended before the response of " + size + " bytes");
        checkZeroBody(response.getPayload().getBody(), size);
      }
      check(call.receive() == null, "more responses than asked for");
    }

    // A status asked for after one response ends the stream with exactly that status.
    StreamingOutputCallRequest failing =
        StreamingOutputCallRequest.newBuilder()
            .addResponseParameters(ResponseParameters.newBuilder().setSize(1))
            .setResponseStatus(EchoStatus.newBuilder().setCode(10).setMessage("stream aborted"))
            .build();
    try (ServerStreamCall<StreamingOutputCallResponse> call = stub(env).streamingOutputCall(failing)) {
      StreamingOutputCallResponse first = call.receive();
      check(first != null, "the failing stream sent no response before its status");
      expectStatus(call::receive, Status.Code.ABORTED, "stream aborted");
    }
    connectionUsable(env.client(), "after a server stream");
  }

  static void pingPong(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "FullDuplexCall")) {
      return;
    }
    try (BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        stub(env).fullDuplexCall()) {
      for (int i = 0; i < RESPONSE_SIZES.size(); i++) {
        int size = RESPONSE_SIZES.get(i);
        call.send(
            StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(ResponseParameters.newBuilder().setSize(size))
                .setPayload(payload(new byte[REQUEST_SIZES.get(i)]))
                .build());
        StreamingOutputCallResponse response = call.receive();
        check(response != null, "the stream ended instead of answering request " + i);
        checkZeroBody(response.getPayload().getBody(), size);
      }
      call.closeSend();
      check(call.receive() == null, "the stream did not end after the requests did");
    }
    connectionUsable(env.client(), "after a bidirectional stream");
  }

  static void emptyStream(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "FullDuplexCall")) {
      return;
    }
    try (BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        stub(env).fullDuplexCall()) {
      call.closeSend();
      check(call.receive() == null, "a stream with no requests got a response");
    }
    connectionUsable(env.client(), "after an empty stream");
  }

  static void cancelAfterBegin(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "StreamingInputCall")) {
      return;
    }
    ClientStreamCall<StreamingInputCallRequest, StreamingInputCallResponse> call =
        stub(env).streamingInputCall();
    call.cancel();
    expectCode(
        () -> {
          call.send(StreamingInputCallRequest.getDefaultInstance());
          return null;
        },
        Status.Code.CANCELLED);
    expectCode(call::closeAndReceive, Status.Code.CANCELLED);
    connectionUsable(env.client(), "after a stream cancelled at once");
  }

  static void cancelAfterFirstResponse(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "FullDuplexCall")) {
      return;
    }
    BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        stub(env).fullDuplexCall();
    call.send(
        StreamingOutputCallRequest.newBuilder()
            .addResponseParameters(ResponseParameters.newBuilder().setSize(RESPONSE_SIZES.get(0)))
            .setPayload(payload(new byte[REQUEST_SIZES.get(0)]))
            .build());
    StreamingOutputCallResponse first = call.receive();
    check(first != null, "the stream ended before its first response");
    checkZeroBody(first.getPayload().getBody(), RESPONSE_SIZES.get(0));
    call.cancel();
    expectCode(call::receive, Status.Code.CANCELLED);
    connectionUsable(env.client(), "after a stream cancelled after its first response");
  }

  static void streamTimeoutOnSleepingServer(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "FullDuplexCall")) {
      return;
    }
    long start = System.nanoTime();
    try (BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        TestServiceTtrpc.newStub(env.client())
            .withTimeout(Duration.ofMillis(100))
            .fullDuplexCall()) {
      call.send(
          StreamingOutputCallRequest.newBuilder()
              .addResponseParameters(
                  ResponseParameters.newBuilder().setSize(1).setIntervalUs(10_000_000))
              .build());
      expectCode(call::receive, Status.Code.DEADLINE_EXCEEDED);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    check(millis < 5_000, "the stream's 100 ms deadline took " + millis + " ms to fire");
    connectionUsable(env.client(), "after a stream's deadline");
  }

  static void abandonedStreamDoesNotBlockUnary(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "FullDuplexCall")) {
      return;
    }
    BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> flood =
        stub(env).fullDuplexCall();
    try {
      // Far more than any stream buffers, and never read: the server keeps sending.
      StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
      for (int i = 0; i < 2_000; i++) {
        request.addResponseParameters(ResponseParameters.newBuilder().setSize(1024));
      }
      flood.send(request.build());
      long start = System.nanoTime();
      for (int i = 0; i < 3; i++) {
        connectionUsable(env.client(), "while a stream on it is not read");
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      check(millis < 5_000, "unary calls next to an unread stream took " + millis + " ms");
    } finally {
      flood.cancel();
    }
  }

  static void manyShortServerStreams(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "StreamingOutputCall")) {
      return;
    }
    for (int i = 0; i < 1_000; i++) {
      int size = i % 97;
      try (ServerStreamCall<StreamingOutputCallResponse> call =
          stub(env)
              .streamingOutputCall(
                  StreamingOutputCallRequest.newBuilder()
                      .addResponseParameters(ResponseParameters.newBuilder().setSize(size))
                      .build())) {
        StreamingOutputCallResponse last = call.receive();
        check(last != null, "stream " + i + " ended before its one message");
        checkZeroBody(last.getPayload().getBody(), size);
        check(call.receive() == null, "stream " + i + " did not end after its one message");
      }
    }
    connectionUsable(env.client(), "after 1,000 short streams");
  }

  static void streamMetadataAndDeadline(InteropEnv env) throws Exception {
    if (unimplementedOnGo(env, "FullDuplexCall")) {
      return;
    }
    Metadata sent =
        Metadata.of(
            "x-interop-stream", "bidi",
            "X-Interop-Mixed-Case", "Value-2",
            "x-interop-repeated", "first",
            "x-interop-repeated", "second");
    Duration timeout = Duration.ofSeconds(5);
    StreamingOutputCallRequest echoing =
        StreamingOutputCallRequest.newBuilder()
            .addResponseParameters(ResponseParameters.newBuilder().setSize(3))
            .setEchoCallInfo(true)
            .build();
    try (BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        TestServiceTtrpc.newStub(env.client())
            .withMetadata(sent)
            .withTimeout(timeout)
            .fullDuplexCall()) {
      call.send(echoing);
      StreamingOutputCallResponse first = call.receive();
      check(first != null, "the stream ended before its first response");
      checkZeroBody(first.getPayload().getBody(), 3);
      checkEchoedMetadata(sent, first.getEchoedMetadataList());
      check(first.getDeadlineSeen(), "server saw no deadline although the stream had one");
      long left = first.getDeadlineRemainingMillis();
      check(
          left > 0 && left <= timeout.toMillis(),
          "server saw " + left + " ms left, want within (0, " + timeout.toMillis() + "]");

      // A request that does not ask gets a bare response: the echo above was the server's answer
      // to echo_call_info, not something it always sends.
      call.send(
          StreamingOutputCallRequest.newBuilder()
              .addResponseParameters(ResponseParameters.newBuilder().setSize(2))
              .build());
      StreamingOutputCallResponse second = call.receive();
      check(second != null, "the stream ended before its second response");
      checkZeroBody(second.getPayload().getBody(), 2);
      check(
          second.getEchoedMetadataCount() == 0 && !second.getDeadlineSeen(),
          "a request without echo_call_info got call info: " + second);
      call.closeSend();
      check(call.receive() == null, "the stream did not end after the requests did");
    }

    // No deadline on the stream, so its Request carries no timeout_nano; metadata still goes.
    Metadata serverStreamMetadata = Metadata.of("x-interop-stream", "server");
    try (ServerStreamCall<StreamingOutputCallResponse> call =
        TestServiceTtrpc.newStub(env.client())
            .withMetadata(serverStreamMetadata)
            .streamingOutputCall(echoing)) {
      StreamingOutputCallResponse only = call.receive();
      check(only != null, "the server stream ended before its response");
      checkZeroBody(only.getPayload().getBody(), 3);
      checkEchoedMetadata(serverStreamMetadata, only.getEchoedMetadataList());
      check(
          !only.getDeadlineSeen(),
          "server saw a deadline (" + only.getDeadlineRemainingMillis()
              + " ms left) although the stream had none");
      check(call.receive() == null, "the server stream did not end after its one response");
    }
    connectionUsable(env.client(), "after streams with metadata and deadlines");
  }

  /**
   * Against Go ttrpc 1.1.1, which knows no streams: the streaming call must fail with Go's
   * UNIMPLEMENTED answer for an unknown method, and the connection keep serving unary calls.
   * Returns whether the server was Go (the case is then done).
   */
  private static boolean unimplementedOnGo(InteropEnv env, String method) throws Exception {
    if (env.serverImpl() != ServerImpl.GO) {
      return false;
    }
    Marshaller<StreamingOutputCallRequest> request =
        Marshaller.protobuf(StreamingOutputCallRequest.getDefaultInstance());
    Marshaller<StreamingOutputCallResponse> response =
        Marshaller.protobuf(StreamingOutputCallResponse.getDefaultInstance());
    MethodDescriptor<StreamingOutputCallRequest, StreamingOutputCallResponse> streaming =
        MethodDescriptor.of(
            MethodType.BIDI_STREAMING, TestServiceTtrpc.SERVICE_NAME, method, request, response);
    try (BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
        env.client().bidiStream(streaming, timeout())) {
      // Go answers the Request frame at once, so the status may end the stream before this
      // client's first Data frame goes out: then send reports it, otherwise receive does. Either
      // way the Data frame is harmless, as Go 1.1.1 ignores frames that are not Requests.
      expectStatus(
          () -> {
            call.send(StreamingOutputCallRequest.getDefaultInstance());
            return call.receive();
          },
          Status.Code.UNIMPLEMENTED,
          "method " + method);
    }
    connectionUsable(env.client(), "after a streaming call the server does not know");
    return true;
  }

  private static void expectCode(Call call, Status.Code code) throws CaseFailure {
    try {
      call.run();
    } catch (StatusException e) {
      check(e.code() == code, "want status " + code + ", got " + InteropCase.describe(e));
      return;
    } catch (Exception e) {
      throw new CaseFailure("want status " + code + ", got " + e, e);
    }
    throw new CaseFailure("call succeeded, want status " + code);
  }

  /** The stub every case uses for calls that should finish quickly. */
  private static TestServiceStub stub(InteropEnv env) {
    return TestServiceTtrpc.newStub(env.client()).withTimeout(CALL_TIMEOUT);
  }

  private static CallOptions timeout() {
    return CallOptions.timeout(CALL_TIMEOUT);
  }

  private static Payload payload(byte[] body) {
    // The arrays are never changed after this, so the message can share them.
    return Payload.newBuilder().setBody(UnsafeByteOperations.unsafeWrap(body)).build();
  }

  private static MethodDescriptor<Empty, Empty> rawEmptyMethod(String service, String method) {
    Marshaller<Empty> empty = Marshaller.protobuf(Empty.getDefaultInstance());
    return MethodDescriptor.unary(service, method, empty, empty);
  }

  /**
   * The data length of the Request frame carrying {@code payloadSize} bytes to {@code
   * service/method}, with no deadline and no metadata: fields 1 (service), 2 (method) and 3
   * (payload) of the ttRPC Request envelope.
   */
  static long requestFrameLength(String service, String method, int payloadSize) {
    return CodedOutputStream.computeStringSize(1, service)
        + CodedOutputStream.computeStringSize(2, method)
        + CodedOutputStream.computeTagSize(3)
        + CodedOutputStream.computeUInt32SizeNoTag(payloadSize)
        + (long) payloadSize;
  }

  private static void connectionUsable(TtrpcClient client, String when) throws CaseFailure {
    try {
      TestServiceTtrpc.newStub(client).withTimeout(CALL_TIMEOUT).emptyCall(Empty.getDefaultInstance());
    } catch (StatusException e) {
      throw new CaseFailure(
          "connection unusable " + when + ": EmptyCall failed with " + InteropCase.describe(e), e);
    }
  }

  /** A call that must fail with exactly this status. */
  @FunctionalInterface
  private interface Call {
    Object run() throws Exception;
  }

  private static void expectStatus(Call call, Status.Code code, String message)
      throws CaseFailure {
    String want = code.value() + " " + code + " \"" + message + "\"";
    try {
      call.run();
    } catch (StatusException e) {
      check(
          e.code() == code && e.status().message().equals(message),
          "want status " + want + ", got " + InteropCase.describe(e));
      return;
    } catch (Exception e) {
      throw new CaseFailure("want status " + want + ", got " + e, e);
    }
    throw new CaseFailure("call succeeded, want status " + want);
  }

  private static void checkZeroBody(ByteString body, int size) throws CaseFailure {
    check(body.size() == size, "response payload has " + body.size() + " bytes, want " + size);
    for (int i = 0; i < size; i++) {
      if (body.byteAt(i) != 0) {
        throw new CaseFailure("response payload byte " + i + " is " + body.byteAt(i) + ", want 0");
      }
    }
  }

  private static void check(boolean condition, String failure) throws CaseFailure {
    if (!condition) {
      throw new CaseFailure(failure);
    }
  }
}
