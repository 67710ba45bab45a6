package dev.ttrpc.cli;

import com.google.gson.JsonElement;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import dev.ttrpc.BidiStreamCall;
import dev.ttrpc.CallOptions;
import dev.ttrpc.ClientStreamCall;
import dev.ttrpc.Marshaller;
import dev.ttrpc.MethodType;
import dev.ttrpc.ServerStreamCall;
import dev.ttrpc.Status;
import dev.ttrpc.StatusException;
import dev.ttrpc.TtrpcClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ttrpc call}: one call of any of the four kinds with {@link DynamicMessage}s, through
 * ttrpc-core's public client API. Requests are read as JSON values, responses printed as JSON as
 * they arrive; a failed call prints its status on stderr and exits with {@code 64 + code}.
 */
final class Caller {
  /** What every ttRPC client reports once the connection is gone. */
  private static final String CLOSED = "ttrpc: closed";

  private Caller() {}

  static int call(Options options, Schemas schemas, InputStream in, PrintStream out,
      PrintStream err) throws CliException {
    List<String> args = options.positionals();
    if (args.size() < 2 || args.size() > 3) {
      throw new UsageException("call takes ADDRESS SERVICE/METHOD [JSON|-]");
    }
    String address = args.get(0);
    MethodDescriptor method = schemas.method(args.get(1));
    String json = args.size() == 3 ? args.get(2) : null;
    JsonCodec codec = new JsonCodec(schemas, options.emitDefaults(), options.protoNames());
    Descriptor requestType = method.getInputType();
    Descriptor responseType = method.getOutputType();

    MethodType type =
        method.isClientStreaming()
            ? (method.isServerStreaming() ? MethodType.BIDI_STREAMING : MethodType.CLIENT_STREAMING)
            : (method.isServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY);
    dev.ttrpc.MethodDescriptor<DynamicMessage, DynamicMessage> descriptor =
        dev.ttrpc.MethodDescriptor.of(
            type,
            method.getService().getFullName(),
            method.getName(),
            Marshaller.protobuf(DynamicMessage.getDefaultInstance(requestType)),
            Marshaller.protobuf(DynamicMessage.getDefaultInstance(responseType)));

    // A request given as an argument is checked before connecting: a typo costs no connection.
    DynamicMessage single = null;
    if (!type.clientStreams()) {
      single =
          json == null
              ? DynamicMessage.getDefaultInstance(requestType)
              : codec.parse(json.equals("-") ? readAll(in) : json, requestType);
    }

    CallOptions callOptions = CallOptions.metadata(options.metadata());
    if (options.timeout() != null) {
      callOptions = callOptions.withTimeout(options.timeout());
    }
    TtrpcClient client;
    try {
      client =
          TtrpcClient.builder()
              .address(address)
              .maxMessageSize(options.maxMessageSize())
              .connectTimeout(options.connectTimeout())
              .connect();
    } catch (IOException | RuntimeException e) {
      throw new CliException("cannot connect to " + address + ": " + reason(e));
    }
    try (client) {
      switch (type) {
        case UNARY -> {
          DynamicMessage response = client.call(descriptor, single, callOptions);
          out.println(codec.print(response, !options.compact()));
        }
        case SERVER_STREAMING -> {
          try (ServerStreamCall<DynamicMessage> call =
              client.serverStream(descriptor, single, callOptions)) {
            printAll(call::receive, codec, out);
          }
        }
        case CLIENT_STREAMING -> {
          try (ClientStreamCall<DynamicMessage, DynamicMessage> call =
              client.clientStream(descriptor, callOptions)) {
            JsonCodec.JsonValues requests = requests(json, in);
            for (JsonElement value = requests.next(); value != null; value = requests.next()) {
              call.send(codec.parse(value, requestType));
            }
            out.println(codec.print(call.closeAndReceive(), !options.compact()));
          }
        }
        case BIDI_STREAMING -> bidi(client, descriptor, callOptions, requests(json, in), codec,
            requestType, out);
      }
      return Ttrpc.EXIT_OK;
    } catch (StatusException e) {
      out.flush();
      Status status = e.status();
      err.println("ttrpc: " + status.code() + " (" + status.code().value() + "): "
          + status.message());
      for (Any detail : status.details()) {
        err.println("ttrpc: detail: " + describeDetail(detail, codec));
      }
      if (status.code() == Status.Code.UNAVAILABLE && status.message().equals(CLOSED)) {
        // A refused handshake looks exactly like this: the server closes without a word.
        err.println("ttrpc: hint: the server closed the connection; containerd shims accept"
            + " only clients of their own user and group, so run this as that user (root)");
      }
      return Ttrpc.EXIT_STATUS_BASE + status.code().value();
    }
  }

  /**
   * Requests go out from a thread of their own while responses are printed here, so that a
   * server answering each request before reading the next one (ping-pong) works.
   */
  private static void bidi(
      TtrpcClient client,
      dev.ttrpc.MethodDescriptor<DynamicMessage, DynamicMessage> descriptor,
      CallOptions callOptions,
      JsonCodec.JsonValues requests,
      JsonCodec codec,
      Descriptor requestType,
      PrintStream out)
      throws CliException {
    AtomicReference<CliException> inputFailure = new AtomicReference<>();
    try (BidiStreamCall<DynamicMessage, DynamicMessage> call =
        client.bidiStream(descriptor, callOptions)) {
      Thread sender =
          Thread.ofVirtual()
              .name("ttrpc-cli-send")
              .start(
                  () -> {
                    try {
                      for (JsonElement value = requests.next();
                          value != null;
                          value = requests.next()) {
                        call.send(codec.parse(value, requestType));
                      }
                      call.closeSend();
                    } catch (CliException e) {
                      inputFailure.set(e);
                      call.cancel();
                    } catch (StatusException e) {
                      // The stream failed; the receiving side reports how.
                    }
                  });
      try {
        printAll(call::receive, codec, out);
      } catch (StatusException e) {
        if (inputFailure.get() != null) {
          throw inputFailure.get();
        }
        throw e;
      }
      if (inputFailure.get() != null) {
        throw inputFailure.get();
      }
      sender.interrupt();
    }
  }

  @FunctionalInterface
  private interface Receiver {
    DynamicMessage receive();
  }

  private static void printAll(Receiver receiver, JsonCodec codec, PrintStream out)
      throws CliException {
    for (DynamicMessage m = receiver.receive(); m != null; m = receiver.receive()) {
      out.println(codec.print(m, false));
      out.flush();
    }
  }

  private static JsonCodec.JsonValues requests(String json, InputStream in) {
    Reader source =
        json == null || json.equals("-")
            ? new InputStreamReader(in, StandardCharsets.UTF_8)
            : new StringReader(json);
    return new JsonCodec.JsonValues(source, json == null || json.equals("-") ? "stdin" : "JSON");
  }

  private static String readAll(InputStream in) throws CliException {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException("cannot read the request from stdin: " + e.getMessage());
    }
  }

  /** The exception's message and its causes' (Netty's connect failures nest the useful part). */
  static String reason(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null && text.length() < 500; t = t.getCause()) {
      String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
      if (text.indexOf(message) < 0) {
        text.append(text.isEmpty() ? "" : ": ").append(message);
      }
    }
    return text.toString();
  }

  private static String describeDetail(Any detail, JsonCodec codec) {
    try {
      return codec.print(detail, false);
    } catch (CliException e) {
      return detail.getTypeUrl() + " (" + detail.getValue().size() + " bytes)";
    }
  }
}
