package dev.ttrpc.conformance.cri;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client for the URL that CRI {@code Exec} returns, speaking the Kubernetes websocket stream
 * protocol {@code v4.channel.k8s.io} (which containerd's CRI streaming server accepts next to
 * SPDY): every binary message starts with a channel byte — 0 stdin, 1 stdout, 2 stderr, 3 the
 * final status (a JSON {@code metav1.Status}), 4 terminal resize (JSON
 * {@code {"Width":w,"Height":h}}). The JDK's own websocket client is enough; no SPDY needed.
 *
 * <p>One exec session per instance. Output is collected by the JDK's listener thread; the
 * accessors are safe to call once {@link #awaitEnd(Duration)} returned.
 */
public final class ExecStream implements AutoCloseable {

  static final String PROTOCOL = "v4.channel.k8s.io";

  private static final Pattern EXIT_CODE =
      Pattern.compile("\"reason\":\"ExitCode\",\"message\":\"(\\d+)\"");

  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private final ByteArrayOutputStream status = new ByteArrayOutputStream();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile Throwable transportError;
  private final WebSocket socket;

  private ExecStream(URI uri, Duration timeout) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
    socket = client.newWebSocketBuilder()
        .subprotocols(PROTOCOL)
        .connectTimeout(timeout)
        .buildAsync(uri, new Listener())
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!PROTOCOL.equals(socket.getSubprotocol())) {
      throw new IllegalStateException("server chose protocol '" + socket.getSubprotocol() + "'");
    }
  }

  /** Connects to {@code url} (the {@code http://} URL from {@code ExecResponse}). */
  public static ExecStream open(String url, Duration timeout) throws Exception {
    requireNonNull(url, "url");
    URI uri = URI.create(url.replaceFirst("^http", "ws"));
    return new ExecStream(uri, timeout);
  }

  /** Sends bytes to the process's stdin (channel 0). */
  public void sendStdin(String text) throws Exception {
    send(0, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Asks for a terminal size (channel 4). */
  public void resize(int width, int height) throws Exception {
    send(4, ("{\"Width\":" + width + ",\"Height\":" + height + "}")
        .getBytes(StandardCharsets.UTF_8));
  }

  /** Waits until the server closed the stream (the process ended). */
  public void awaitEnd(Duration timeout) throws Exception {
    try {
      closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("exec stream still open after " + timeout + "; stdout so far: "
          + stdout() + " stderr: " + stderr(), e);
    } catch (ExecutionException e) {
      throw new AssertionError("exec stream failed", e.getCause());
    }
  }

  public synchronized String stdout() {
    return stdout.toString(StandardCharsets.UTF_8);
  }

  public synchronized String stderr() {
    return stderr.toString(StandardCharsets.UTF_8);
  }

  /** The final status document (channel 3). */
  public synchronized String status() {
    return status.toString(StandardCharsets.UTF_8);
  }

  /**
   * The process's exit code from the final status: 0 for {@code "status":"Success"}, the
   * {@code ExitCode} cause otherwise.
   */
  public int exitCode() {
    String s = status();
    if (s.contains("\"status\":\"Success\"")) {
      return 0;
    }
    Matcher m = EXIT_CODE.matcher(s);
    if (!m.find()) {
      throw new AssertionError("no exit code in exec status: '" + s + "'", transportError);
    }
    return Integer.parseInt(m.group(1));
  }

  @Override
  public void close() {
    socket.abort();
  }

  private void send(int channel, byte[] data) throws Exception {
    ByteBuffer message = ByteBuffer.allocate(data.length + 1);
    message.put((byte) channel).put(data).flip();
    socket.sendBinary(message, true).get(10, TimeUnit.SECONDS);
  }

  private synchronized void deliver(byte[] message) {
    if (message.length == 0) {
      return;
    }
    ByteArrayOutputStream target = switch (message[0]) {
      case 1 -> stdout;
      case 2 -> stderr;
      case 3 -> status;
      default -> null;
    };
    if (target != null) {
      target.write(message, 1, message.length - 1);
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] chunk = new byte[data.remaining()];
      data.get(chunk);
      partial.write(chunk, 0, chunk.length);
      if (last) {
        deliver(partial.toByteArray());
        partial.reset();
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      closed.completeExceptionally(
          new IllegalStateException("text message on a binary channel protocol: " + data));
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(null);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      // The Go server may drop the TCP connection right after its last message instead of
      // sending a close frame; what arrived before counts, the final status decides.
      transportError = error;
      closed.complete(null);
    }
  }
}
