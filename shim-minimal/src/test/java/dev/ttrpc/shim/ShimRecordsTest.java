package dev.ttrpc.shim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ttrpc.shim.ShimRecords.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShimRecordsTest {
  @TempDir Path tmp;

  private static final ProcessIdentity CONTAINERD = new ProcessIdentity(100, 200);

  @Test
  void deleteRecordRoundTripsEveryByteForItsOwnTaskOnly() throws Exception {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) (255 - i);
    }
    ShimRecords.writeDeleteRecord(tmp, "ns", "/c.sock", "t1", CONTAINERD, all);
    assertArrayEquals(all, ShimRecords.deletedResponse(tmp, "ns", "t1").orElseThrow());
    assertTrue(ShimRecords.deletedResponse(tmp, "ns", "t2").isEmpty());
    assertTrue(ShimRecords.deletedResponse(tmp, "other", "t1").isEmpty());
    String text = Files.readString(tmp.resolve(ShimRecords.DELETED_FILE));
    assertTrue(text.startsWith("shim-deleted 1\n"), text);
    assertTrue(text.contains("\ncontainerd=100 200\n"), text);
    assertTrue(text.contains("\nbundle=" + tmp.toAbsolutePath() + "\n"), text);
    assertTrue(text.matches("(?s).*\nresponse=(\\\\[0-7]{3}){256}\n"), text);
  }

  @Test
  void malformedDeleteRecordsAreIgnored() throws Exception {
    Path f = tmp.resolve(ShimRecords.DELETED_FILE);
    ShimRecords.writeDeleteRecord(tmp, "ns", "/c.sock", "t1", CONTAINERD, new byte[] {1});
    String good = Files.readString(f);
    for (String bad : new String[] {"\\001x", "\\400", "\\01", "001", ""}) {
      Files.writeString(f, good.replace("response=\\001", "response=" + bad));
      assertTrue(ShimRecords.deletedResponse(tmp, "ns", "t1").isEmpty(), bad);
    }
    Files.writeString(f, good.replace("shim-deleted 1", "shim-deleted 9"));
    assertTrue(ShimRecords.deletedResponse(tmp, "ns", "t1").isEmpty());
  }

  @Test
  void valuesWithNewlinesAreNotRecorded() {
    ShimRecords.writeDeleteRecord(tmp, "ns", "/c.sock", "t1\nresponse=\\001", CONTAINERD,
        new byte[] {2});
    assertFalse(Files.exists(tmp.resolve(ShimRecords.DELETED_FILE)));
  }

  @Test
  void daemonRecordIsRemovedOnlyByItsDaemon() throws Exception {
    Path socket = tmp.resolve("abc");
    ShimRecords.writeDaemonRecord(socket, new ProcessIdentity(7, 8), "ns", "/c.sock", "g",
        CONTAINERD);
    Path record = tmp.resolve("abc.daemon");
    assertEquals(record, ShimRecords.daemonRecord(socket));
    assertEquals(
        "shim-daemon 1\npid=7\nstart=8\nboot=" + ShimRecords.bootId()
            + "\nnamespace=ns\naddress=/c.sock\ngroup=g\ncontainerd=100 200\n",
        Files.readString(record));
    ShimRecords.removeDaemonRecord(socket, 77);
    assertTrue(Files.exists(record));
    ShimRecords.removeDaemonRecord(socket, 7);
    assertFalse(Files.exists(record));
  }

  @Test
  void processIdentityTellsALiveProcessFromAGoneOne() throws Exception {
    ProcessIdentity self = ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow();
    assertEquals(self, ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow());
    Process p = new ProcessBuilder("true").start();
    long pid = p.pid();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    assertTrue(ProcessIdentity.of(pid).isEmpty(), "reaped process");
    assertFalse(ShimRecords.bootId().isEmpty());
  }
}
