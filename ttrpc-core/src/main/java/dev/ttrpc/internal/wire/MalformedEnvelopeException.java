package dev.ttrpc.internal.wire;

/** A Request or Response envelope that is not valid protobuf of the expected shape. */
public final class MalformedEnvelopeException extends Exception {
  private static final long serialVersionUID = 1L;

  public MalformedEnvelopeException(String message) {
    super(message);
  }
}
