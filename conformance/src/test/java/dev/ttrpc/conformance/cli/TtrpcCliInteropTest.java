package dev.ttrpc.conformance.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.conformance.interop.InteropServer;
import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.TtrpcTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packaged {@code ttrpc} tool against the Java interop server, with the interop service's
 * schema from its .proto file (so through the protoc the tool ships): unary calls, metadata, all
 * three kinds of stream, deadlines and failures with their exit statuses. Responses are compared
 * as whole compact JSON lines: protobuf's JSON mapping prints fields in a fixed order.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TtrpcCliInteropTest {
  private static final String SERVICE = "ttrpc.interop.TestService/";

  private static Path dir;
  private static InteropServer server;
  private static String address;
  private static String proto;

  @BeforeAll
  static void startServer() throws Exception {
    dir = Files.createTempDirectory("ttrpc-cli");
    address = "unix://" + dir.resolve("interop.sock");
    server = InteropServer.start(address, false);
    Path module =
        Path.of(TtrpcCliInteropTest.class.getProtectionDomain().getCodeSource().getLocation()
            .toURI()).getParent().getParent();
    proto = module.resolve("src/main/proto/ttrpc/interop/test.proto").toString();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
    Files.deleteIfExists(dir);
  }

  /** {@code ttrpc call --proto test.proto --compact [extra...] ADDRESS TestService/METHOD JSON}. */
  private static CommandResult call(String method, String json, String... extra) {
    List<String> args = new ArrayList<>(List.of("call", "--proto", proto, "--compact"));
    args.addAll(List.of(extra));
    args.addAll(List.of(address, SERVICE + method, json));
    return TtrpcTool.run(args.toArray(String[]::new));
  }

  @Test
  void unaryCallWithMetadata() {
    CommandResult r =
        call("UnaryCall", "{\"payload\":{\"body\":\"aGVsbG8=\"},\"echoMetadata\":true}",
            "-H", "x-cli=one", "-H", "x-cli=two", "--header", "x-other=3");
    assertEquals(0, r.exitCode(), r::describe);
    assertEquals(
        "{\"payload\":{\"body\":\"aGVsbG8=\"},\"echoedMetadata\":[{\"key\":\"x-cli\","
            + "\"value\":\"one\"},{\"key\":\"x-cli\",\"value\":\"two\"},{\"key\":\"x-other\","
            + "\"value\":\"3\"}],\"receivedPayloadSize\":5}\n",
        r.stdout(), r::describe);
    assertEquals("", r.stderr(), r::describe);
  }

  @Test
  void failedCallPrintsTheStatusAndExitsWith64PlusCode() {
    CommandResult r =
        call("UnaryCall", "{\"responseStatus\":{\"code\":5,\"message\":\"no such thing\"}}");
    assertEquals(64 + 5, r.exitCode(), r::describe);
    assertEquals("ttrpc: NOT_FOUND (5): no such thing\n", r.stderr(), r::describe);
    assertEquals("", r.stdout(), r::describe);
  }

  @Test
  void deadlineReachesTheServerAndEndsTheCall() {
    CommandResult seen = call("SleepCall", "{}", "--timeout", "20s");
    assertEquals(0, seen.exitCode(), seen::describe);
    assertTrue(seen.stdout().startsWith("{\"deadlineSeen\":true,\"deadlineRemainingMillis\":\""),
        seen::describe);

    CommandResult expired = call("SleepCall", "{\"sleepMillis\":\"20000\"}", "--timeout", "300ms");
    assertEquals(64 + 4, expired.exitCode(), expired::describe);
    assertTrue(expired.stderr().startsWith("ttrpc: DEADLINE_EXCEEDED (4)"), expired::describe);
  }

  @Test
  void serverStreamingPrintsEachResponseOnItsOwnLine() {
    CommandResult r =
        call("StreamingOutputCall",
            "{\"responseParameters\":[{\"size\":1},{\"size\":2},{\"size\":3}]}");
    assertEquals(0, r.exitCode(), r::describe);
    assertEquals(
        List.of(
            "{\"payload\":{\"body\":\"AA==\"}}",
            "{\"payload\":{\"body\":\"AAA=\"}}",
            "{\"payload\":{\"body\":\"AAAA\"}}"),
        r.stdout().lines().toList(), r::describe);
  }

  @Test
  void serverStreamThatFailsAfterAResponse() {
    CommandResult r =
        call("StreamingOutputCall",
            "{\"responseParameters\":[{\"size\":1}],"
                + "\"responseStatus\":{\"code\":10,\"message\":\"stream aborted\"}}");
    assertEquals(64 + 10, r.exitCode(), r::describe);
    assertEquals("{\"payload\":{\"body\":\"AA==\"}}\n", r.stdout(), r::describe);
    assertEquals("ttrpc: ABORTED (10): stream aborted\n", r.stderr(), r::describe);
  }

  @Test
  void clientStreamingSendsEveryValueFromStdin() {
    CommandResult r =
        TtrpcTool.runWithInput(
            "{\"payload\":{\"body\":\"AAAA\"}}\n{\"payload\":{\"body\":\"AA==\"}}\n{}\n",
            "call", "--proto", proto, "--compact", address, SERVICE + "StreamingInputCall");
    assertEquals(0, r.exitCode(), r::describe);
    assertEquals("{\"aggregatedPayloadSize\":4}\n", r.stdout(), r::describe);
  }

  @Test
  void bidiStreamingAnswersEachRequest() {
    CommandResult r =
        TtrpcTool.runWithInput(
            "{\"responseParameters\":[{\"size\":2}]}\n"
                + "{\"responseParameters\":[{\"size\":1},{\"size\":1}]}\n",
            "call", "--proto", proto, address, SERVICE + "FullDuplexCall", "-");
    assertEquals(0, r.exitCode(), r::describe);
    assertEquals(
        List.of(
            "{\"payload\":{\"body\":\"AAA=\"}}",
            "{\"payload\":{\"body\":\"AA==\"}}",
            "{\"payload\":{\"body\":\"AA==\"}}"),
        r.stdout().lines().toList(), r::describe);
  }

  @Test
  void listShowsTheMethodsOfTheProtoFileNamedRelatively() {
    // Tests run in the module's directory.
    CommandResult list =
        TtrpcTool.run(
            "list", "--proto", "src/main/proto/ttrpc/interop/test.proto",
            "ttrpc.interop.TestService");
    assertEquals(0, list.exitCode(), list::describe);
    assertEquals(
        List.of(
            SERVICE + "EmptyCall", SERVICE + "UnaryCall", SERVICE + "SleepCall",
            SERVICE + "StreamingInputCall", SERVICE + "StreamingOutputCall",
            SERVICE + "FullDuplexCall"),
        list.stdout().lines().toList(), list::describe);
  }

  @Test
  void importPathsAsGiven() {
    CommandResult describe =
        TtrpcTool.run(
            "describe", "-I", "src/main/proto", "--proto",
            "src/main/proto/ttrpc/interop/test.proto", "ttrpc.interop.SimpleRequest");
    assertEquals(0, describe.exitCode(), describe::describe);
    assertTrue(
        describe.stdout().startsWith(
            "// ttrpc/interop/test.proto\nmessage ttrpc.interop.SimpleRequest {"),
        describe::describe);
  }

  @Test
  void aBrokenProtoFileIsReportedWithProtocsWords() throws Exception {
    Path broken = dir.resolve("broken.proto");
    Files.writeString(broken, "syntax = \"proto3\";\nmessage M { strin g = 1; }\n");
    try {
      CommandResult r = TtrpcTool.run("list", "--proto", broken.toString());
      assertEquals(1, r.exitCode(), r::describe);
      assertTrue(r.stderr().startsWith("ttrpc: protoc failed"), r::describe);
      assertTrue(r.stderr().contains("broken.proto:2"), "protoc's own message: " + r.describe());
    } finally {
      Files.deleteIfExists(broken);
    }
  }

  @Test
  void launcherWorksFromADirectoryWithSpaces() throws Exception {
    Path dist = TtrpcTool.launcher().getParent().getParent();
    Path copy = Files.createTempDirectory("ttrpc cli with spaces").resolve("dist dir");
    try {
      CommandResult copied =
          Commands.run(Duration.ofMinutes(1), "cp", "-a", dist.toString(), copy.toString());
      assertEquals(0, copied.exitCode(), copied::describe);
      CommandResult r =
          Commands.run(Duration.ofMinutes(1), copy.resolve("bin/ttrpc").toString(),
              "call", "--proto", proto, "--compact", address, SERVICE + "EmptyCall", "{}");
      assertEquals(0, r.exitCode(), r::describe);
      assertEquals("{}\n", r.stdout(), r::describe);
      assertEquals("", r.stderr(), r::describe);
    } finally {
      Commands.run(Duration.ofMinutes(1), "rm", "-rf", copy.getParent().toString());
    }
  }
}
