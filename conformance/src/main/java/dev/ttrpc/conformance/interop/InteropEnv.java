package dev.ttrpc.conformance.interop;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.TtrpcClient;

/**
 * What an interop case runs against: a connected client shared by the cases of one run (so each
 * case also checks that the ones before left the connection usable), the server's address for
 * cases that need a connection of their own, and which implementation the server is.
 *
 * @param client the shared connection
 * @param address the server address, as given to the client
 * @param serverImpl the server's implementation
 */
public record InteropEnv(TtrpcClient client, String address, ServerImpl serverImpl) {

  /** Server implementations; some cases depend on known defects of a peer. */
  public enum ServerImpl {
    /** This project's server. */
    JAVA,
    /** Go ttrpc 1.1.1, as the Go peer in {@code conformance/go} is built. */
    GO;

    /** {@code java} or {@code go}, as on the command line. */
    public String flagValue() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The value of {@code --server_impl}. */
    public static ServerImpl fromFlag(String value) {
      for (ServerImpl impl : values()) {
        if (impl.flagValue().equals(value)) {
          return impl;
        }
      }
      throw new IllegalArgumentException("--server_impl must be java or go, got " + value);
    }
  }

  public InteropEnv {
    requireNonNull(client, "client");
    requireNonNull(address, "address");
    requireNonNull(serverImpl, "serverImpl");
  }
}
