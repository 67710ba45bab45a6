package dev.ttrpc.internal.wire;

/**
 * Pauses and resumes a connection's reads; holds nest, reading resumes when the last one is let
 * go. Implemented by the connection's read gate.
 */
public interface ReadPause {
  void hold();

  void release();
}
