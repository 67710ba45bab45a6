package dev.ttrpc;

/** The four shapes of a ttRPC method, as declared in the .proto service. */
public enum MethodType {
  /** One request, one response. */
  UNARY(false, false),
  /** A stream of requests, one response. */
  CLIENT_STREAMING(true, false),
  /** One request, a stream of responses. */
  SERVER_STREAMING(false, true),
  /** Streams both ways. */
  BIDI_STREAMING(true, true);

  private final boolean clientStreams;
  private final boolean serverStreams;

  MethodType(boolean clientStreams, boolean serverStreams) {
    this.clientStreams = clientStreams;
    this.serverStreams = serverStreams;
  }

  /**
   * Whether the client may send more than one message.
   *
   * @return true for {@link #CLIENT_STREAMING} and {@link #BIDI_STREAMING}
   */
  public boolean clientStreams() {
    return clientStreams;
  }

  /**
   * Whether the server may send more than one message.
   *
   * @return true for {@link #SERVER_STREAMING} and {@link #BIDI_STREAMING}
   */
  public boolean serverStreams() {
    return serverStreams;
  }
}
