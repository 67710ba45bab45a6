package dev.ttrpc;

/**
 * The sending end of a stream of messages, on either side of a call.
 *
 * <p>Thread-safe: concurrent sends are written in some order, each message whole.
 *
 * @param <T> the message type
 */
public interface StreamSender<T> {

  /**
   * Sends one message. Blocks while the connection's outbound buffer is above its high-water mark
   * (the transport's back-pressure), so a fast sender cannot exhaust memory.
   *
   * @param message the message, not null
   * @throws StatusException if the stream is already finished or cancelled, the peer is gone, or
   *     the message exceeds the maximum message size
   */
  void send(T message);
}
