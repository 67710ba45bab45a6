package dev.ttrpc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ttrpc list} and {@code ttrpc describe}, with the built-in schemas and user ones. */
class SchemaCommandsTest {
  @TempDir Path dir;

  @Test
  void listShowsTheBuiltInServices() {
    CliRun run = CliRun.run("list");
    assertEquals(0, run.exitCode(), run::toString);
    assertEquals(
        List.of(
            "containerd.task.v2.Task",
            "containerd.task.v3.Task",
            "containerd.services.events.ttrpc.v1.Events"),
        run.out().lines().toList());
  }

  @Test
  void listOfAServiceShowsItsMethodsAsCallNames() {
    CliRun run = CliRun.run("list", "containerd.task.v2.Task");
    assertEquals(0, run.exitCode(), run::toString);
    List<String> lines = run.out().lines().toList();
    assertTrue(lines.contains("containerd.task.v2.Task/State"), run::toString);
    assertTrue(lines.contains("containerd.task.v2.Task/Pids"), run::toString);
    assertTrue(lines.contains("containerd.task.v2.Task/Stats"), run::toString);
    assertEquals(17, lines.size(), "Task v2 has 17 methods: " + run);
  }

  @Test
  void describeAMethodShowsItsRpcAndMessages() {
    CliRun run = CliRun.run("describe", "containerd.task.v2.Task/Pids");
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(
        run.out().contains(
            "rpc Pids(containerd.task.v2.PidsRequest) returns (containerd.task.v2.PidsResponse);"),
        run::toString);
    assertTrue(run.out().contains("message containerd.task.v2.PidsRequest {\n  string id = 1;\n}"),
        run::toString);
    assertTrue(
        run.out().contains("  repeated containerd.v1.types.ProcessInfo processes = 1;"),
        run::toString);
  }

  @Test
  void describeAMessageShowsJsonNamesEnumsAndMaps() {
    CliRun state = CliRun.run("describe", "containerd.task.v2.StateResponse");
    assertEquals(0, state.exitCode(), state::toString);
    assertTrue(state.out().contains("  containerd.v1.types.Status status = 4;"), state::toString);
    assertTrue(state.out().contains("uint32 exit_status = 9;  // JSON: exitStatus"),
        state::toString);

    CliRun status = CliRun.run("describe", "containerd.v1.types.Status");
    assertEquals(0, status.exitCode(), status::toString);
    assertTrue(status.out().contains("  RUNNING = 2;"), status::toString);
  }

  @Test
  void describeWithoutNameShowsEveryService() {
    CliRun run = CliRun.run("describe");
    assertEquals(0, run.exitCode(), run::toString);
    assertTrue(run.out().contains("service containerd.task.v3.Task {"), run::toString);
    assertTrue(run.out().contains("service containerd.services.events.ttrpc.v1.Events {"),
        run::toString);
  }

  @Test
  void describeAnUnknownNameIsAUsageError() {
    CliRun run = CliRun.run("describe", "no.such.Thing");
    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().contains("no service, method, message or enum named no.such.Thing"),
        run::toString);
  }

  @Test
  void aDescriptorSetAddsServicesAndShadowsBuiltInOnes() throws Exception {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("my/greeter.proto")
            .setPackage("my")
            .setSyntax("proto3")
            .addDependency("google/protobuf/empty.proto")
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("Hello")
                    .addField(
                        FieldDescriptorProto.newBuilder()
                            .setName("name")
                            .setNumber(1)
                            .setType(FieldDescriptorProto.Type.TYPE_STRING)))
            .addService(
                ServiceDescriptorProto.newBuilder()
                    .setName("Greeter")
                    .addMethod(
                        MethodDescriptorProto.newBuilder()
                            .setName("Greet")
                            .setInputType(".my.Hello")
                            .setOutputType(".google.protobuf.Empty")))
            .build();
    Path set = dir.resolve("greeter.pb");
    Files.write(set, FileDescriptorSet.newBuilder().addFile(file).build().toByteArray());

    CliRun list = CliRun.run("list", "--descriptor-set", set.toString());
    assertEquals(0, list.exitCode(), list::toString);
    assertEquals("my.Greeter", list.out().lines().findFirst().orElseThrow(), "user's first");

    CliRun describe = CliRun.run("describe", "my.Greeter", "--descriptor-set", set.toString());
    assertEquals(0, describe.exitCode(), describe::toString);
    assertTrue(describe.out().contains("rpc Greet(my.Hello) returns (google.protobuf.Empty);"),
        describe::toString);
  }

  @Test
  void aDescriptorSetWithAMissingImportIsAClearFailure() throws Exception {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("a.proto")
            .setPackage("a")
            .addDependency("not/there.proto")
            .build();
    Path set = dir.resolve("a.pb");
    Files.write(set, FileDescriptorSet.newBuilder().addFile(file).build().toByteArray());
    CliRun run = CliRun.run("list", "--descriptor-set", set.toString());
    assertEquals(2, run.exitCode(), run::toString);
    assertTrue(run.err().contains("a.proto imports not/there.proto"), run::toString);
  }

  @Test
  void aFileThatIsNoDescriptorSet() throws Exception {
    Path set = dir.resolve("junk.pb");
    Files.write(set, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    CliRun run = CliRun.run("list", "--descriptor-set", set.toString());
    assertEquals(1, run.exitCode(), run::toString);
    assertTrue(run.err().contains("is not a FileDescriptorSet"), run::toString);
  }

  @Test
  void helpAndBadCommandLines() {
    CliRun help = CliRun.run("help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("ttrpc call [OPTIONS] ADDRESS SERVICE/METHOD [JSON|-]"));

    assertEquals(2, CliRun.run().exitCode());
    assertEquals(2, CliRun.run("frobnicate").exitCode());
    assertEquals(2, CliRun.run("list", "--no-such-option").exitCode());
    assertEquals(2, CliRun.run("call", "only-an-address").exitCode());
    CliRun header = CliRun.run("call", "-H", "novalue", "unix:///x", "a.B/C");
    assertEquals(2, header.exitCode(), header::toString);
    assertTrue(header.err().contains("-H must be KEY=VALUE"), header::toString);
  }
}
