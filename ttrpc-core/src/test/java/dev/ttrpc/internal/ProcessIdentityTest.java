package dev.ttrpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProcessIdentityTest {
  @Test
  void readsTheEffectiveIdsNotTheRealOnes() {
    ProcessIdentity id = ProcessIdentity.parse(
        "Name:\tjava\nUid:\t1000\t1001\t1002\t1003\nGid:\t2000\t2001\t2002\t2003\n");
    assertEquals(1001, id.effectiveUid());
    assertEquals(2001, id.effectiveGid());
  }

  @Test
  void currentProcessHasIds() {
    ProcessIdentity id = ProcessIdentity.current();
    assertEquals(id.effectiveUid() >= 0, true);
  }
}
