package dev.ttrpc.conformance.interop;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.StatusException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The interop test cases the Java client runs. The unary ones mirror the Go peer's client (same
 * names, requests and expected answers; see {@code conformance/go/README.md}), so a case passes
 * against a server only if that server behaves as Go ttrpc 1.1.1 does or as the protocol
 * reference requires. Beyond the Go client, oversize_request also checks that this client refuses
 * an oversized request before sending it, and oversize_response accepts either way of failing
 * the call (the Java server's error Response, or this client's own check of a Go server's
 * oversized frame). The streaming cases exercise the server's streaming methods; against a Go
 * ttrpc 1.1.1 server, which has no streams, each instead checks that its streaming call fails
 * with Go's UNIMPLEMENTED answer ({@code 12 "method X"}) and that unary calls keep working on
 * that connection.
 *
 * <p>Cases are stateless; {@link #run} may be called from any thread.
 */
public enum InteropCase {
  EMPTY_UNARY("empty_unary", "EmptyCall returns an Empty", InteropCases::emptyUnary),
  LARGE_UNARY(
      "large_unary",
      "UnaryCall with a 271828-byte request and a 314159-byte response",
      InteropCases::largeUnary),
  STATUS_CODE_AND_MESSAGE(
      "status_code_and_message",
      "UnaryCall asked to fail gets exactly 2 \"test status message\"",
      InteropCases::statusCodeAndMessage),
  SPECIAL_STATUS_MESSAGE(
      "special_status_message",
      "a status message with whitespace, BMP and non-BMP characters comes back unchanged",
      InteropCases::specialStatusMessage),
  CUSTOM_METADATA(
      "custom_metadata",
      "request metadata (incl. a mixed-case and a repeated key) is echoed back",
      InteropCases::customMetadata),
  UNIMPLEMENTED_METHOD(
      "unimplemented_method",
      "an unknown method gets 12 \"method UnimplementedCall\"",
      InteropCases::unimplementedMethod),
  UNIMPLEMENTED_SERVICE(
      "unimplemented_service",
      "an unknown service gets 12 \"service ttrpc.interop.UnimplementedService\"",
      InteropCases::unimplementedService),
  DEADLINE_PROPAGATION(
      "deadline_propagation",
      "the server sees the client's deadline via timeout_nano, and none without one",
      InteropCases::deadlinePropagation),
  TIMEOUT_ON_SLEEPING_SERVER(
      "timeout_on_sleeping_server",
      "a 100 ms deadline on a 10 s sleep fails with DEADLINE_EXCEEDED; the connection stays usable",
      InteropCases::timeoutOnSleepingServer),
  OVERSIZE_REQUEST(
      "oversize_request",
      "a request frame over 4 MiB is refused locally, and by the server with 8 \"message length N"
          + " exceed maximum message size of 4194304\"",
      InteropCases::oversizeRequest),
  OVERSIZE_RESPONSE(
      "oversize_response",
      "a 5 MiB response fails only its call, with code 8 and Go's text",
      InteropCases::oversizeResponse),
  CONCURRENT_UNARY(
      "concurrent_unary",
      "128 UnaryCalls in flight on one connection, each response checked",
      InteropCases::concurrentUnary),
  CLIENT_STREAMING(
      "client_streaming",
      "StreamingInputCall sums the sizes of 4 requests",
      InteropCases::clientStreaming),
  SERVER_STREAMING(
      "server_streaming",
      "StreamingOutputCall sends 4 responses of the asked sizes, then its status",
      InteropCases::serverStreaming),
  PING_PONG(
      "ping_pong",
      "FullDuplexCall answers each request before the next is sent",
      InteropCases::pingPong),
  EMPTY_STREAM(
      "empty_stream",
      "FullDuplexCall half-closed at once ends with no response",
      InteropCases::emptyStream),
  CANCEL_AFTER_BEGIN(
      "cancel_after_begin",
      "StreamingInputCall cancelled before any request fails with CANCELLED locally",
      InteropCases::cancelAfterBegin),
  CANCEL_AFTER_FIRST_RESPONSE(
      "cancel_after_first_response",
      "FullDuplexCall cancelled after its first response fails with CANCELLED locally",
      InteropCases::cancelAfterFirstResponse),
  STREAM_TIMEOUT_ON_SLEEPING_SERVER(
      "stream_timeout_on_sleeping_server",
      "a 100 ms deadline on a FullDuplexCall whose server sleeps 10 s gives DEADLINE_EXCEEDED",
      InteropCases::streamTimeoutOnSleepingServer),
  ABANDONED_STREAM_DOES_NOT_BLOCK_UNARY(
      "abandoned_stream_does_not_block_unary",
      "unary calls complete on a connection where a flooding stream is never read",
      InteropCases::abandonedStreamDoesNotBlockUnary),
  MANY_SHORT_SERVER_STREAMS(
      "many_short_server_streams",
      "1,000 one-message server streams each deliver their message before the end",
      InteropCases::manyShortServerStreams),
  STREAM_METADATA_AND_DEADLINE(
      "stream_metadata_and_deadline",
      "a stream's metadata and deadline reach the server (echoed on its first response), and no"
          + " deadline without one",
      InteropCases::streamMetadataAndDeadline);

  /** A case body: returns normally to pass. */
  @FunctionalInterface
  interface Body {
    void run(InteropEnv env) throws Exception;
  }

  private final String caseName;
  private final String description;
  private final Body body;

  InteropCase(String caseName, String description, Body body) {
    this.caseName = caseName;
    this.description = description;
    this.body = body;
  }

  /** The name on the command line and in result lines, e.g. {@code empty_unary}. */
  public String caseName() {
    return caseName;
  }

  public String description() {
    return description;
  }

  /** The case with that name. */
  public static Optional<InteropCase> byName(String name) {
    for (InteropCase c : values()) {
      if (c.caseName.equals(name)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /**
   * Runs the case on a thread of its own and waits at most {@code timeout} for it. Never throws:
   * every problem becomes a {@code FAIL} result.
   */
  public CaseResult run(InteropEnv env, Duration timeout) {
    requireNonNull(env, "env");
    requireNonNull(timeout, "timeout");
    CompletableFuture<CaseResult> result = new CompletableFuture<>();
    Thread runner =
        Thread.ofVirtual()
            .name("interop-" + caseName)
            .start(() -> result.complete(runHere(env)));
    try {
      return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      runner.interrupt();
      return CaseResult.fail(caseName, "no result after " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      runner.interrupt();
      Thread.currentThread().interrupt();
      return CaseResult.fail(caseName, "interrupted");
    } catch (ExecutionException e) {
      return CaseResult.fail(caseName, String.valueOf(e.getCause()));
    }
  }

  private CaseResult runHere(InteropEnv env) {
    try {
      body.run(env);
      return CaseResult.pass(caseName);
    } catch (InteropCases.Skipped e) {
      return CaseResult.skip(caseName, e.getMessage());
    } catch (CaseFailure e) {
      return CaseResult.fail(caseName, e.getMessage());
    } catch (StatusException e) {
      return CaseResult.fail(caseName, "unexpected status " + describe(e));
    } catch (Throwable e) {
      return CaseResult.fail(caseName, e.toString());
    }
  }

  static String describe(StatusException e) {
    return e.code().value() + " " + e.code() + " \"" + e.status().message() + "\"";
  }
}
