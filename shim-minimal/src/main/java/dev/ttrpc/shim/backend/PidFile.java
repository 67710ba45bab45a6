package dev.ttrpc.shim.backend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the pid files backends keep in the bundle ({@code init.pid}, {@code <exec>.pid}). */
public final class PidFile {
  private PidFile() {}

  /** The pid in {@code pidFile}; an IOException if it is missing or not a number. */
  public static int read(Path pidFile) throws IOException {
    String s = Files.readString(pidFile, StandardCharsets.UTF_8).trim();
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IOException("invalid pid file " + pidFile + ": " + s);
    }
  }
}
