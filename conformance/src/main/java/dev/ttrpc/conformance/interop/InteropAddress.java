package dev.ttrpc.conformance.interop;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** The address forms the interop tools accept, as ttrpc-core does. Stateless. */
public final class InteropAddress {
  private InteropAddress() {}

  /**
   * The socket file of {@code unix:///path} or a plain path; null for an abstract socket ({@code
   * unix://@name}), which has no file.
   *
   * @throws IllegalArgumentException for another scheme or an empty path
   */
  public static Path socketPath(String address) {
    requireNonNull(address, "address");
    String path = address;
    int scheme = address.indexOf("://");
    if (scheme >= 0) {
      if (!address.substring(0, scheme).equals("unix")) {
        throw new IllegalArgumentException(
            "unsupported address scheme in " + address + ": only unix:// is supported");
      }
      path = address.substring(scheme + 3);
    }
    if (path.isEmpty()) {
      throw new IllegalArgumentException("address " + address + " has no socket path");
    }
    return path.startsWith("@") ? null : Path.of(path);
  }
}
