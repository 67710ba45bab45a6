package dev.ttrpc.shim.runc;

import dev.ttrpc.proto.containerd.runc.v1.Options;

/**
 * The fields of {@code containerd.runc.v1.Options} this shim honours (binary, root, systemd
 * cgroups, pivot/keyring switches, criu path). Immutable.
 */
public record RuncOptions(
    boolean noPivotRoot,
    boolean noNewKeyring,
    String binaryName,
    String root,
    String criuPath,
    boolean systemdCgroup) {

  public static final RuncOptions DEFAULT = new RuncOptions(false, false, "", "", "", false);

  /** The honoured fields of {@code options}; the others are ignored. */
  public static RuncOptions of(Options o) {
    return new RuncOptions(o.getNoPivotRoot(), o.getNoNewKeyring(), o.getBinaryName(),
        o.getRoot(), o.getCriuPath(), o.getSystemdCgroup());
  }
}
