package dev.ttrpc.shim.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ttrpc.proto.ContainerdAny;
import dev.ttrpc.proto.containerd.runc.v1.Options;
import org.junit.jupiter.api.Test;

class RuncOptionsTest {
  @Test
  void honouredFieldsComeFromTheGeneratedOptions() throws Exception {
    Options o = Options.newBuilder()
        .setNoPivotRoot(true)
        .setNoNewKeyring(true)
        .setShimCgroup("/ignored")
        .setBinaryName("/usr/local/bin/runc")
        .setRoot("/run/other-runc")
        .setCriuPath("/usr/sbin/criu")
        .setSystemdCgroup(true)
        .build();
    // Through a bare-URL Any, as containerd sends it.
    Options decoded = ContainerdAny.unpack(ContainerdAny.pack(o), Options.class);
    assertEquals(
        new RuncOptions(true, true, "/usr/local/bin/runc", "/run/other-runc", "/usr/sbin/criu",
            true),
        RuncOptions.of(decoded));
    assertEquals(RuncOptions.DEFAULT, RuncOptions.of(Options.getDefaultInstance()));
  }
}
