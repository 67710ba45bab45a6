package dev.ttrpc.shim.minimal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ttrpc.proto.containerd.task.v2.DeleteResponse;
import dev.ttrpc.shim.ShimRecords;
import dev.ttrpc.shim.ShimRecords.ProcessIdentity;
import dev.ttrpc.shim.ShimSockets;
import dev.ttrpc.shim.ShimStart;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script's {@code start} and {@code delete} shortcuts: taken only when provably
 * right, and then byte-for-byte what the JVM answers. The launcher runs from the sources
 * (src/main/dist) against this module's classes; "the JVM path" is either the real shim or, to
 * see whether the shortcut was taken, a stub java that prints {@value #STUB_OUTPUT}. The test
 * JVM plays containerd (it is the launcher's parent), a {@code sleep} process plays the daemon.
 * The cold-start tests run the real daemon the launcher starts (and kill it at the end).
 */
class LauncherFastPathTest {
  private static final String STUB_OUTPUT = "jvm-path";
  private static final int STUB_STATUS = 3;
  private static final Path SOCKET_DIR = ShimSockets.DEFAULT_SOCKET_DIR;

  @TempDir Path tmp;

  private Path launcher;
  private Path stubJava;
  private Path bundle;
  private final String namespace = "fastpath-test";
  private final String containerdAddress = "/run/fastpath-test/containerd.sock";
  private final String group = "g-" + UUID.randomUUID();
  private final String id = "c-" + UUID.randomUUID();
  private Process daemon;
  private ServerSocketChannel listener;
  private Path socket;
  /** Daemons a test made the launcher start (killed at the end). */
  private final List<Long> served = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "needs root: the launcher's shortcut looks for daemons in " + SOCKET_DIR);
    Path home = Files.createDirectories(tmp.resolve("dist"));
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("lib"));
    launcher = home.resolve("bin/containerd-shim-minimal-v2");
    String script =
        Files.readString(Path.of("src/main/dist/containerd-shim-minimal-v2"))
            .replace("@JAVA@", Path.of(System.getProperty("java.home"), "bin", "java").toString())
            .replace("@CLASSPATH@", System.getProperty("java.class.path"));
    Files.writeString(launcher, script);
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    stubJava = tmp.resolve("stub-java");
    Files.writeString(
        stubJava, "#!/bin/sh\nprintf " + STUB_OUTPUT + "\nexit " + STUB_STATUS + "\n");
    Files.setPosixFilePermissions(stubJava, PosixFilePermissions.fromString("rwxr-xr-x"));
    bundle = Files.createDirectories(tmp.resolve("bundle"));
    writeSpec("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"]},"
        + "\"annotations\":{\"io.containerd.runc.v2.group\":\"" + group + "\",\"x\":\"y\"}}");
  }

  @AfterEach
  void tearDown() throws IOException {
    for (long pid : served) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    served.clear();
    if (daemon != null) {
      daemon.destroyForcibly();
    }
    if (listener != null) {
      listener.close();
    }
    if (socket != null) {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(ShimRecords.daemonRecord(socket));
    }
  }

  // ---- start --------------------------------------------------------------------------------

  @Test
  void startShortcutPrintsAndWritesWhatTheJvmDoes() throws Exception {
    startFakeDaemon(group);
    recordDaemon(group, containerd());
    Result jvm = run(List.of("start"), Map.of("MINIMAL_SHIM_FAST_PATHS", "off"), null);
    assertEquals(0, jvm.status, jvm.text());
    String jvmAddressFile = Files.readString(bundle.resolve("address"));
    Files.delete(bundle.resolve("address"));

    Result fast = runStub(List.of("start"));
    assertEquals(jvm.status, fast.status);
    assertArrayEquals(jvm.stdout, fast.stdout, fast.text());
    assertEquals("unix://" + socket, fast.text());
    assertEquals(jvmAddressFile, Files.readString(bundle.resolve("address")));
    assertFalse(Files.exists(bundle.resolve(".address")));
  }

  @Test
  void startShortcutFollowsTheGroupRule() throws Exception {
    // CRI sandbox id when there is no group annotation, the container id when neither is set.
    String sandbox = "sb-" + UUID.randomUUID();
    writeSpec("{\"annotations\":{\"io.kubernetes.cri.sandbox-id\":\"" + sandbox + "\"}}");
    startFakeDaemon(sandbox);
    recordDaemon(sandbox, containerd());
    assertEquals("unix://" + socket, runStub(List.of("start")).text());
    tearDown();

    writeSpec("{\"ociVersion\":\"1.0.2\"}");
    startFakeDaemon(id);
    recordDaemon(id, containerd());
    assertEquals("unix://" + socket, runStub(List.of("start")).text());
  }

  @Test
  void startTakesTheJvmPathWithoutALiveRecordedDaemon() throws Exception {
    startFakeDaemon(group);
    assertJvmPath(List.of("start"), "no daemon record");

    recordDaemon(group, containerd());
    Path record = ShimRecords.daemonRecord(socket);
    String good = Files.readString(record);

    Files.writeString(record, good.replaceFirst("start=\\d+", "start=1"));
    assertJvmPath(List.of("start"), "pid reused: another start time");
    Files.writeString(record, good.replaceFirst("boot=\\S+", "boot=" + UUID.randomUUID()));
    assertJvmPath(List.of("start"), "recorded in another boot");
    Files.writeString(record, good.replaceFirst("containerd=.*", "containerd=1 1"));
    assertJvmPath(List.of("start"), "another containerd (restarted)");
    Files.writeString(record, good.replace("namespace=" + namespace, "namespace=other"));
    assertJvmPath(List.of("start"), "record of another namespace");
    Files.writeString(record, good.replace("address=" + containerdAddress, "address=/x.sock"));
    assertJvmPath(List.of("start"), "record of another containerd address");
    Files.writeString(record, good.replace("shim-daemon 1", "shim-daemon 2"));
    assertJvmPath(List.of("start"), "unknown record version");

    Files.delete(record);
    Path elsewhere = tmp.resolve("foreign");
    Files.writeString(elsewhere, good);
    Files.createSymbolicLink(record, elsewhere);
    assertJvmPath(List.of("start"), "record is a symbolic link");
    Files.delete(record);
    Files.writeString(record, good);
    Files.setOwner(record, record.getFileSystem().getUserPrincipalLookupService()
        .lookupPrincipalByName("nobody"));
    assertJvmPath(List.of("start"), "record owned by another user");
    Files.delete(record);
    Files.writeString(record, good);

    daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertJvmPath(List.of("start"), "daemon dead");
  }

  @Test
  void startTakesTheJvmPathForInputsOnlyTheJvmUnderstands() throws Exception {
    startFakeDaemon(group);
    recordDaemon(group, containerd());
    assertEquals("unix://" + socket, runStub(List.of("start")).text(), "the shortcut applies");

    assertJvmPath(List.of("start"), Map.of("MINIMAL_SHIM_FAST_PATHS", "off"), "disabled");

    Path config = tmp.resolve("minimal-shim.toml");
    Files.writeString(config, "grouping = \"namespace\"\n");
    assertJvmPath(List.of("start"), Map.of("MINIMAL_SHIM_CONFIG", config.toString()),
        "a config that chooses the grouping");
    Files.writeString(config, "default_backend = \"process\"\n");
    assertEquals("unix://" + socket,
        run(List.of("start"), Map.of("MINIMAL_SHIM_JAVA", stubJava.toString(),
            "MINIMAL_SHIM_CONFIG", config.toString()), null).text(),
        "a config without grouping keeps the rule");

    List<String> otherFlags = new ArrayList<>(flags());
    otherFlags.set(otherFlags.indexOf(namespace), "other-ns");
    assertEquals(STUB_OUTPUT,
        run(otherFlags, List.of("start"), Map.of("MINIMAL_SHIM_JAVA", stubJava.toString()), null)
            .text(),
        "another namespace hashes to another (absent) daemon");
    assertJvmPath(List.of("-unknown", "start"), "unknown flag");
    assertJvmPath(List.of("-bundle", bundle.toString(), "start"), "flag containerd never gives");

    String spec = "{\"annotations\":{\"io.containerd.runc.v2.group\":\"" + group + "\"}}";
    writeSpec(spec.replace(group, "a/" + group));
    assertJvmPath(List.of("start"), "group with a slash");
    writeSpec(spec.replace("{\"annotations", "{\"a\":\"\\u0041\",\"annotations"));
    assertJvmPath(List.of("start"), "\\u escapes");
    writeSpec("{\"annotations\": {\"io.containerd.runc.v2.group\": \"" + group + "\"}}");
    assertJvmPath(List.of("start"), "not compact JSON");
    writeSpec(spec.replace("}}", ",\"io.containerd.runc.v2.group\":\"" + group + "\"}}"));
    assertJvmPath(List.of("start"), "duplicate key");
    writeSpec("{\"annotations\":{\"k\":\"{}\",\"io.containerd.runc.v2.group\":\"" + group
        + "\"}}");
    assertJvmPath(List.of("start"), "braces inside the annotations");
    writeSpec("{\"x\":{\"io.containerd.runc.v2.group\":\"" + group + "\"},\"annotations\":{}}");
    assertJvmPath(List.of("start"), "key outside the annotations");
    Files.delete(bundle.resolve("config.json"));
    assertJvmPath(List.of("start"), "no config.json");
    // Go's JSON encoder escapes <, > and & as \u003c, \u003e, \u0026: still readable.
    writeSpec(
        spec.replace("{\"annotations", "{\"args\":[\"a\\u0026\\u003cb\"],\"annotations"));
    assertEquals("unix://" + socket, runStub(List.of("start")).text());

    Files.delete(socket);
    assertJvmPath(List.of("start"), "socket file gone");
  }

  @Test
  void startShortcutFollowsTheRuntimeOptionsAsTheJvmDoes() throws Exception {
    // containerd writes the runtime options on start's stdin for every container of a runtime
    // that has options (every container of a CRI handler with an options table).
    startFakeDaemon(group);
    recordDaemon(group, containerd());
    Path plain = tmp.resolve("plain.toml");
    Files.writeString(plain, "default_backend = \"runc\"\n");
    Path grouped = tmp.resolve("grouped.toml");
    Files.writeString(grouped, "grouping = \"namespace\"\n");
    Map<String, String> noConfigVariable = Map.of("MINIMAL_SHIM_CONFIG", "");

    Result jvm = run(List.of("start"), withEnv(noConfigVariable, "MINIMAL_SHIM_FAST_PATHS", "off"),
        runtimeOptions(plain.toString()));
    assertEquals(0, jvm.status, new String(jvm.stderr, StandardCharsets.UTF_8));
    Result fast = runShortcut(noConfigVariable, runtimeOptions(plain.toString()));
    assertEquals(jvm.status, fast.status);
    assertArrayEquals(jvm.stdout, fast.stdout, fast.text());
    assertEquals("unix://" + socket, fast.text());
    assertEquals("", new String(fast.stderr, StandardCharsets.UTF_8));

    assertEquals("unix://" + socket, runShortcut(noConfigVariable,
        any("io.containerd.runc.v1.Options", new byte[] {0x08, 0x01})).text(),
        "other options name no config file: the default one");
    assertEquals("unix://" + socket, runShortcut(noConfigVariable, new byte[0]).text(),
        "an empty stdin");
    assertEquals("unix://" + socket, runShortcut(noConfigVariable,
        runtimeOptions(tmp.resolve("absent.toml").toString())).text(),
        "a config file that does not exist: defaults");
    assertEquals("unix://" + socket,
        runShortcut(Map.of("MINIMAL_SHIM_CONFIG", plain.toString()),
            runtimeOptions(grouped.toString())).text(),
        "$MINIMAL_SHIM_CONFIG before the options' file");
    String longPath = tmp.resolve("d".repeat(200)).toString();
    assertEquals("unix://" + socket, runShortcut(noConfigVariable, runtimeOptions(longPath))
        .text(), "lengths of two varint bytes");

    assertJvmPath(List.of("start"), noConfigVariable, runtimeOptions(grouped.toString()),
        "the options name a config that may choose another grouping");
    Files.writeString(bundle.resolve("relative.toml"), "grouping = \"namespace\"\n");
    assertJvmPath(List.of("start"), noConfigVariable, runtimeOptions("relative.toml"),
        "a relative config path is the bundle's file, for the JVM too");
  }

  @Test
  void startTakesTheJvmPathForRuntimeOptionsOnlyTheJvmReads() throws Exception {
    startFakeDaemon(group);
    recordDaemon(group, containerd());
    Map<String, String> env = Map.of("MINIMAL_SHIM_CONFIG", "");
    Path plain = tmp.resolve("plain.toml");
    Files.writeString(plain, "default_backend = \"runc\"\n");
    byte[] good = runtimeOptions(plain.toString());
    assertEquals("unix://" + socket, runShortcut(env, good).text(), "the shortcut applies");

    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    assertJvmPath(List.of("start"), env,
        concat(field(1, id.getBytes(StandardCharsets.UTF_8)), field(2, ns)),
        "containerd 2.3's BootstrapParams: id and namespace");
    assertJvmPath(List.of("start"), env, concat(good, field(5, "/run/x.sock".getBytes(
        StandardCharsets.UTF_8))), "a BootstrapParams field");
    assertJvmPath(List.of("start"), env, concat(good, new byte[] {0x18, 0x01}),
        "a varint field");
    assertJvmPath(List.of("start"), env, concat(field(1, "x".getBytes(StandardCharsets.UTF_8)),
        good), "the type twice");
    assertJvmPath(List.of("start"), env, java.util.Arrays.copyOf(good, good.length - 1),
        "truncated");
    assertJvmPath(List.of("start"), env, new byte[] {0x0a, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, (byte) 0x80, 0x01}, "a length of five varint bytes");
    assertJvmPath(List.of("start"), env, runtimeOptions("/etc/caf\u00e9.toml"),
        "a config path that is not ASCII");
    assertJvmPath(List.of("start"), env, runtimeOptions("/etc/a\nb.toml"),
        "a config path with a control character");
    assertJvmPath(List.of("start"), env, any(MinimalShim.RUNTIME_OPTIONS_TYPE,
        concat(field(2, plain.toString().getBytes(StandardCharsets.UTF_8)),
            field(4, new byte[0]))), "an unknown field in the options");
    assertJvmPath(List.of("start"), env, any(MinimalShim.RUNTIME_OPTIONS_TYPE,
        concat(field(2, plain.toString().getBytes(StandardCharsets.UTF_8)),
            field(2, plain.toString().getBytes(StandardCharsets.UTF_8)))),
        "the config path twice");
    assertJvmPath(List.of("start"), env, any("type\0", new byte[0]), "a NUL in the type");
  }

  @Test
  void theJvmGetsTheRuntimeOptionsTheLauncherRead() throws Exception {
    // The options name a config that groups by namespace: only the Java shim follows that, so
    // the right socket proves that the JVM parsed the very bytes containerd wrote.
    Path grouped = tmp.resolve("grouped.toml");
    Files.writeString(grouped, "grouping = \"namespace\"\n");
    Map<String, String> env = Map.of("MINIMAL_SHIM_CONFIG", "");
    byte[] options = runtimeOptions(grouped.toString());
    String namespaceGroup = "minimal-shim-namespace";

    // The start JVM (-bundle: a flag only it handles), with the bytes in hex on its stdin.
    startFakeDaemon(namespaceGroup);
    Result start = run(List.of("-bundle", bundle.toString(), "start"), env, options);
    assertEquals(0, start.status, new String(start.stderr, StandardCharsets.UTF_8));
    assertEquals("unix://" + socket, start.text());
    tearDown();

    // The cold start's serve JVM, with the bytes in hex on its command line.
    socket = groupSocket(namespaceGroup);
    Files.deleteIfExists(socket);
    Result cold = run(List.of("start"), env, options);
    assertEquals(0, cold.status, new String(cold.stderr, StandardCharsets.UTF_8));
    assertEquals("unix://" + socket, cold.text());
    long pid = recordedDaemonPid();
    served.add(pid);
    assertTrue(isServeJvm(pid), "the daemon ran start itself");
    assertTrue(ShimStart.canConnect(socket));
  }

  // ---- delete -------------------------------------------------------------------------------

  @Test
  void deleteShortcutPrintsTheBytesTheJvmPrints() throws Exception {
    Files.writeString(bundle.resolve(MinimalBackends.OPTIONS_FILE), "{\"backend\":\"process\"}");
    DeleteResponse response =
        DeleteResponse.newBuilder()
            .setPid(4242)
            .setExitStatus(7)
            .setExitedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_700_000_000L)
                .setNanos(255))
            .build();
    recordDelete(response.toByteArray(), containerd());
    List<String> action = List.of("-bundle", bundle.toString(), "delete");

    Result jvm = run(action, Map.of("MINIMAL_SHIM_FAST_PATHS", "off"), null);
    assertEquals(0, jvm.status, jvm.text());
    assertArrayEquals(response.toByteArray(), jvm.stdout);
    Result fast = runStub(action);
    assertEquals(jvm.status, fast.status);
    assertArrayEquals(jvm.stdout, fast.stdout, HexFormat.of().formatHex(fast.stdout));
    // Also from the bundle as working directory (no -bundle), as containerd runs it.
    assertArrayEquals(jvm.stdout, runStub(List.of("delete")).stdout);
  }

  @Test
  void deleteShortcutCopesWithEveryByteValue() throws Exception {
    byte[] all = new byte[256];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    recordDelete(all, containerd());
    Result fast = runStub(List.of("delete"));
    assertEquals(0, fast.status);
    assertArrayEquals(all, fast.stdout);
  }

  @Test
  void deleteTakesTheJvmPathWithoutAMatchingCleanDelete() throws Exception {
    List<String> action = List.of("delete");
    assertJvmPath(action, "no delete record");
    recordDelete(new byte[] {8, 1}, containerd());
    Path record = bundle.resolve(ShimRecords.DELETED_FILE);
    String good = Files.readString(record);
    assertEquals("\b\1", runStub(action).text(), "the shortcut applies");

    Files.writeString(record, good.replaceFirst("containerd=.*", "containerd=1 1"));
    assertJvmPath(action, "another containerd (restarted)");
    Files.writeString(record, good.replaceFirst("boot=\\S+", "boot=" + UUID.randomUUID()));
    assertJvmPath(action, "recorded in another boot");
    Files.writeString(record, good.replace("id=" + id, "id=other"));
    assertJvmPath(action, "another task");
    Files.writeString(record, good.replace("namespace=" + namespace, "namespace=other"));
    assertJvmPath(action, "another namespace");
    Files.writeString(record, good.replace("address=" + containerdAddress, "address=/x.sock"));
    assertJvmPath(action, "another containerd address");
    Files.writeString(record, good.replace("bundle=" + bundle, "bundle=/elsewhere"));
    assertJvmPath(action, "another bundle");
    Files.writeString(record, good.replaceFirst("response=.*", "response=\\\\010%s"));
    assertJvmPath(action, "response that is not octal escapes");
    Files.writeString(record, good.replaceFirst("response=.*", "response="));
    assertJvmPath(action, "empty response");
    Files.writeString(record, good.replace("shim-deleted 1", "shim-deleted 2"));
    assertJvmPath(action, "unknown version");

    Files.delete(record);
    Path elsewhere = tmp.resolve("foreign");
    Files.writeString(elsewhere, good);
    Files.createSymbolicLink(record, elsewhere);
    assertJvmPath(action, "record is a symbolic link");
  }

  @Test
  void jvmDeleteReportsTheRecordedExitOnlyForTheSameTask() throws Exception {
    Files.writeString(bundle.resolve(MinimalBackends.OPTIONS_FILE), "{\"backend\":\"process\"}");
    byte[] recorded = DeleteResponse.newBuilder().setPid(9).setExitStatus(3).build().toByteArray();
    // A record of another containerd: the shortcut is off, but the exit is still this task's.
    recordDelete(recorded, new ProcessIdentity(1, 1));
    Path record = bundle.resolve(ShimRecords.DELETED_FILE);
    String good = Files.readString(record);
    Result jvm = run(List.of("delete"), Map.of(), null);
    assertEquals(0, jvm.status, jvm.text());
    assertArrayEquals(recorded, jvm.stdout);

    Files.writeString(record, good.replace("id=" + id, "id=other"));
    jvm = run(List.of("delete"), Map.of(), null);
    assertEquals(0, jvm.status, jvm.text());
    DeleteResponse own = DeleteResponse.parseFrom(jvm.stdout);
    assertEquals(137, own.getExitStatus(), "not the other task's exit: " + own);
  }

  // ---- cold start: `start` in the daemon JVM ------------------------------------------------

  @Test
  void coldStartInTheDaemonJvmAnswersAsTheStartJvm() throws Exception {
    socket = groupSocket(group);
    Result jvm = run(List.of("start"), Map.of("MINIMAL_SHIM_FAST_PATHS", "off"), null);
    assertEquals(0, jvm.status, jvm.text() + new String(jvm.stderr, StandardCharsets.UTF_8));
    assertEquals("", new String(jvm.stderr, StandardCharsets.UTF_8));
    String jvmAddressFile = Files.readString(bundle.resolve("address"));
    long spawned = recordedDaemonPid();
    assertFalse(isServeJvm(spawned), "the start JVM spawned a daemon of its own");
    stopDaemon(spawned);
    Files.delete(bundle.resolve("address"));

    Result cold = run(List.of("start"), Map.of(), null);
    assertEquals(jvm.status, cold.status, new String(cold.stderr, StandardCharsets.UTF_8));
    assertArrayEquals(jvm.stdout, cold.stdout, cold.text());
    assertArrayEquals(jvm.stderr, cold.stderr);
    assertEquals(jvmAddressFile, Files.readString(bundle.resolve("address")));
    long pid = recordedDaemonPid();
    served.add(pid);
    assertTrue(isServeJvm(pid), "the daemon ran start itself");
    // Its arguments are a daemon's: containerd's flags without the action.
    String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
    assertTrue(cmdline.endsWith("\0" + String.join("\0", flags()) + "\0"), cmdline);
    // Written once it serves, as by a spawned daemon: after the reply.
    Path pidFile = bundle.resolve("shim.pid");
    for (int i = 0; i < 400 && !Files.exists(pidFile); i++) {
      Thread.sleep(25);
    }
    assertEquals(Long.toString(pid), Files.readString(pidFile));
    assertTrue(ShimStart.canConnect(socket));
    // What the start JVM gives a spawned daemon: a session of its own, the bundle as working
    // directory, stdio on /dev/null, containerd's OOM score + 1, no ignored SIGINT/SIGQUIT.
    assertEquals(pid, statField(pid, 6), "session leader");
    assertEquals(bundle.toRealPath(), Path.of("/proc/" + pid + "/cwd").toRealPath());
    for (int fd = 0; fd <= 2; fd++) {
      assertEquals("/dev/null", Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/" + fd))
          .toString(), "fd " + fd);
    }
    int containerdScore = Integer.parseInt(
        Files.readString(Path.of("/proc/self/oom_score_adj")).trim());
    assertEquals(Math.min(1000, containerdScore + 1), Integer.parseInt(
        Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).trim()));
    long ignored = Long.parseLong(procStatus(pid, "SigIgn"), 16);
    assertEquals(0, ignored & ((1L << 1) | (1L << 2)), "SIGINT/SIGQUIT ignored: " + ignored);

    // The daemon record lets the next start of the group take the shell shortcut.
    assertEquals("unix://" + socket, runStub(List.of("start")).text());
  }

  @Test
  void coldStartReusesALiveDaemonItCannotVerify() throws Exception {
    // A live daemon without a record (say, containerd restarted): the serve JVM finds the socket
    // in use and answers with it, as the start JVM does, and leaves no process behind.
    startFakeDaemon(group);
    Result jvm = run(List.of("start"), Map.of("MINIMAL_SHIM_FAST_PATHS", "off"), null);
    assertEquals(0, jvm.status);
    String jvmAddressFile = Files.readString(bundle.resolve("address"));
    Files.delete(bundle.resolve("address"));

    Result cold = run(List.of("start"), Map.of(), null);
    assertEquals(0, cold.status, new String(cold.stderr, StandardCharsets.UTF_8));
    assertArrayEquals(jvm.stdout, cold.stdout);
    assertEquals("unix://" + socket, cold.text());
    assertEquals("", new String(cold.stderr, StandardCharsets.UTF_8));
    assertEquals(jvmAddressFile, Files.readString(bundle.resolve("address")));
    assertFalse(Files.exists(ShimRecords.daemonRecord(socket)), "no daemon of its own");
    assertTrue(waitUntilNoServeJvm(), "the serve JVM exited");
  }

  @Test
  void coldStartReplacesAStaleSocket() throws Exception {
    socket = groupSocket(group);
    Files.createDirectories(SOCKET_DIR);
    Files.deleteIfExists(socket);
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertTrue(Files.exists(socket), "a socket file nobody serves");
    Result cold = run(List.of("start"), Map.of(), null);
    assertEquals(0, cold.status, new String(cold.stderr, StandardCharsets.UTF_8));
    assertEquals("unix://" + socket, cold.text());
    long pid = recordedDaemonPid();
    served.add(pid);
    assertTrue(isServeJvm(pid));
    assertTrue(ShimStart.canConnect(socket));
  }

  @Test
  void coldStartFailureReportsTheStartJvmsErrorAndLeavesNothing() throws Exception {
    socket = groupSocket(group);
    Path config = tmp.resolve("broken.toml");
    Files.writeString(config, "grouping = \"sideways\"\n");
    Map<String, String> env = Map.of("MINIMAL_SHIM_CONFIG", config.toString());
    Result jvm = run(List.of("start"), withEnv(env, "MINIMAL_SHIM_FAST_PATHS", "off"), null);
    assertEquals(1, jvm.status);
    String error = new String(jvm.stderr, StandardCharsets.UTF_8);
    assertTrue(error.startsWith("containerd-shim-minimal-v2: "), error);

    Result cold = run(List.of("start"), env, null);
    assertEquals(1, cold.status);
    assertEquals(error, new String(cold.stderr, StandardCharsets.UTF_8));
    assertEquals("", cold.text());
    assertNothingLeft();

    // A daemon JVM that cannot start at all reports nothing: the start JVM runs and says why.
    Result broken = run(List.of("start"), Map.of("MINIMAL_SHIM_JVM_OPTS", "-XX:+NoSuchOption"),
        null);
    assertTrue(broken.status != 0, "status " + broken.status);
    assertTrue(new String(broken.stderr, StandardCharsets.UTF_8).contains("NoSuchOption"),
        new String(broken.stderr, StandardCharsets.UTF_8));
    assertEquals("", broken.text());
    assertNothingLeft();
  }

  @Test
  void coldStartLeavesInputsItDoesNotPassToTheStartJvm() throws Exception {
    // Flags containerd never gives start: the start JVM decides.
    socket = groupSocket(group);
    assertJvmPath(List.of("-bundle", bundle.toString(), "start"), "-bundle");
    assertJvmPath(List.of("-socket", "/x", "start"), "-socket");
    assertJvmPath(List.of("start"), Map.of("MINIMAL_SHIM_FAST_PATHS", "off"), "disabled");
    assertNothingLeft();
  }

  private void assertNothingLeft() throws Exception {
    assertFalse(Files.exists(socket), "socket left behind");
    assertFalse(Files.exists(ShimRecords.daemonRecord(socket)), "record left behind");
    assertFalse(Files.exists(bundle.resolve("address")), "address file written");
    assertTrue(waitUntilNoServeJvm(), "a serve JVM left running");
  }

  private static Map<String, String> withEnv(Map<String, String> env, String k, String v) {
    Map<String, String> out = new HashMap<>(env);
    out.put(k, v);
    return out;
  }

  private Path groupSocket(String groupId) {
    return ShimSockets.socketPath(
        ShimSockets.socketAddress(containerdAddress, namespace, groupId, SOCKET_DIR));
  }

  private long recordedDaemonPid() throws IOException {
    for (String line : Files.readAllLines(ShimRecords.daemonRecord(socket))) {
      if (line.startsWith("pid=")) {
        return Long.parseLong(line.substring(4));
      }
    }
    throw new AssertionError("no pid in the daemon record");
  }

  /** Whether {@code pid} is a JVM the launcher ran with this test's task id and serve flag. */
  private boolean isServeJvm(long pid) {
    try {
      String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"))
          .replace('\0', ' ');
      return cmdline.contains("-D" + ShimStart.SERVE_PROPERTY + "=") && cmdline.contains(id);
    } catch (IOException e) {
      return false;
    }
  }

  private boolean waitUntilNoServeJvm() throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      if (ProcessHandle.allProcesses().noneMatch(p -> isServeJvm(p.pid()))) {
        return true;
      }
      Thread.sleep(25);
    }
    return false;
  }

  private void stopDaemon(long pid) throws Exception {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    for (int i = 0; i < 200 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        i++) {
      Thread.sleep(25);
    }
    Files.deleteIfExists(socket);
    Files.deleteIfExists(ShimRecords.daemonRecord(socket));
  }

  private static long statField(long pid, int field) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] rest = stat.substring(stat.lastIndexOf(") ") + 2).split(" ");
    return Long.parseLong(rest[field - 3]);
  }

  private static String procStatus(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key + ":")) {
        return line.substring(key.length() + 1).trim();
      }
    }
    throw new AssertionError(key + " not in /proc/" + pid + "/status");
  }

  // ---- helpers ------------------------------------------------------------------------------

  private record Result(int status, byte[] stdout, byte[] stderr) {
    String text() {
      return new String(stdout, StandardCharsets.ISO_8859_1);
    }
  }

  private void writeSpec(String json) throws IOException {
    Files.writeString(bundle.resolve("config.json"), json);
  }

  private ProcessIdentity containerd() {
    return ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow();
  }

  /** A process standing for the group's daemon, and a socket that accepts connections. */
  private void startFakeDaemon(String groupId) throws IOException {
    daemon = new ProcessBuilder("sleep", "300").start();
    socket =
        ShimSockets.socketPath(
            ShimSockets.socketAddress(containerdAddress, namespace, groupId, SOCKET_DIR));
    Files.createDirectories(SOCKET_DIR);
    Files.deleteIfExists(socket);
    listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    listener.bind(UnixDomainSocketAddress.of(socket));
  }

  private void recordDaemon(String groupId, ProcessIdentity containerd) {
    ShimRecords.writeDaemonRecord(
        socket, ProcessIdentity.of(daemon.pid()).orElseThrow(), namespace, containerdAddress,
        groupId, containerd);
    assertTrue(Files.exists(ShimRecords.daemonRecord(socket)));
  }

  private void recordDelete(byte[] response, ProcessIdentity containerd) {
    ShimRecords.writeDeleteRecord(
        bundle, namespace, containerdAddress, id, containerd, response);
    assertTrue(Files.exists(bundle.resolve(ShimRecords.DELETED_FILE)));
  }

  private List<String> flags() {
    return List.of("-namespace", namespace, "-address", containerdAddress, "-publish-binary",
        "/usr/bin/containerd", "-id", id);
  }

  private void assertJvmPath(List<String> action, String why) throws Exception {
    assertJvmPath(action, Map.of(), why);
  }

  private void assertJvmPath(List<String> action, Map<String, String> env, String why)
      throws Exception {
    assertJvmPath(action, env, null, why);
  }

  private void assertJvmPath(List<String> action, Map<String, String> env, byte[] stdin,
      String why) throws Exception {
    Map<String, String> e = new HashMap<>(env);
    e.put("MINIMAL_SHIM_JAVA", stubJava.toString());
    Result r = run(action, e, stdin);
    assertEquals(STUB_OUTPUT, r.text(), why);
    assertEquals(STUB_STATUS, r.status, why);
    // containerd reads start's stdout and stderr together: the launcher must add nothing.
    assertEquals("", new String(r.stderr, StandardCharsets.UTF_8), why);
  }

  private Result runStub(List<String> action) throws Exception {
    return runStubRaw(flags(), action);
  }

  /** {@code start} with {@code stdin}, which must take the shortcut. */
  private Result runShortcut(Map<String, String> env, byte[] stdin) throws Exception {
    Result r = run(List.of("start"), withEnv(env, "MINIMAL_SHIM_JAVA", stubJava.toString()),
        stdin);
    assertFalse(r.text().equals(STUB_OUTPUT), "expected the shortcut");
    return r;
  }

  /** A protobuf length-delimited field. */
  private static byte[] field(int number, byte[] value) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream out =
        com.google.protobuf.CodedOutputStream.newInstance(bytes);
    out.writeByteArray(number, value);
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** A google.protobuf.Any as containerd writes it. */
  private static byte[] any(String type, byte[] value) throws IOException {
    return concat(field(1, type.getBytes(StandardCharsets.UTF_8)), field(2, value));
  }

  /** CRI's runtime options ({@code runtimeoptions.v1.Options}) naming a config file. */
  private static byte[] runtimeOptions(String configPath) throws IOException {
    return any(MinimalShim.RUNTIME_OPTIONS_TYPE,
        field(2, configPath.getBytes(StandardCharsets.UTF_8)));
  }

  private Result runStubRaw(List<String> flags, List<String> action) throws Exception {
    Result r = run(flags, action, Map.of("MINIMAL_SHIM_JAVA", stubJava.toString()), null);
    assertFalse(r.text().equals(STUB_OUTPUT), "expected the shortcut");
    return r;
  }

  private Result run(List<String> action, Map<String, String> env, byte[] stdin)
      throws Exception {
    return run(flags(), action, env, stdin);
  }

  private Result run(List<String> flags, List<String> action, Map<String, String> env,
      byte[] stdin) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher.toString());
    cmd.addAll(flags);
    cmd.addAll(action);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(bundle.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("MINIMAL_SHIM_"));
    // Not the machine's config file: a test sets its own.
    pb.environment().put("MINIMAL_SHIM_CONFIG", tmp.resolve("absent.toml").toString());
    pb.environment().putAll(env);
    Path stderr = Files.createTempFile(tmp, "stderr", ".txt");
    pb.redirectError(stderr.toFile());
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    }
    Process p = pb.start();
    if (stdin != null) {
      try (var in = p.getOutputStream()) {
        in.write(stdin);
      }
    }
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher hangs");
    return new Result(p.exitValue(), out, Files.readAllBytes(stderr));
  }
}
