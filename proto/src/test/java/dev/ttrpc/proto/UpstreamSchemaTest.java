package dev.ttrpc.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Our schemas against the upstream ones: every service method, field (name, number, label, type)
 * and enum value listed in {@code upstream-wire-facts.txt} exists in our descriptors and nothing
 * else does; containerd.task.v3 has exactly the shapes of containerd.task.v2; and every file
 * carries the Java options and header this module promises.
 */
class UpstreamSchemaTest {

  private static List<String> upstreamFacts() throws IOException {
    try (InputStream in = UpstreamSchemaTest.class.getResourceAsStream("upstream-wire-facts.txt")) {
      assertNotNull(in, "upstream-wire-facts.txt on the test class path");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.isBlank() && !line.startsWith("#"))
          .collect(Collectors.toList());
    }
  }

  @Test
  void descriptorsMatchUpstreamWireFactsExactly() throws IOException {
    Set<String> upstream = new TreeSet<>(upstreamFacts());
    List<String> oursInOrder = new ArrayList<>();
    for (FileDescriptor file : ProtoFiles.ALL) {
      oursInOrder.addAll(ProtoFiles.wireFacts(file));
    }
    Set<String> ours = new TreeSet<>(oursInOrder);
    assertEquals(oursInOrder.size(), ours.size(), "no fact may appear twice");

    Set<String> missing = new TreeSet<>(upstream);
    missing.removeAll(ours);
    Set<String> extra = new TreeSet<>(ours);
    extra.removeAll(upstream);
    assertEquals(Set.of(), missing, "upstream facts our schemas lack");
    assertEquals(Set.of(), extra, "facts of ours that upstream does not have");
    assertTrue(upstream.size() > 400, "the fact list covers all files: " + upstream.size());
  }

  @Test
  void keyTaskApiFieldNumbers() {
    Descriptor create = dev.ttrpc.proto.containerd.task.v2.CreateTaskRequest.getDescriptor();
    assertField(create, "id", 1, "string");
    assertField(create, "bundle", 2, "string");
    assertField(create, "rootfs", 3, "repeated containerd.types.Mount");
    assertField(create, "terminal", 4, "bool");
    assertField(create, "stdin", 5, "string");
    assertField(create, "stdout", 6, "string");
    assertField(create, "stderr", 7, "string");
    assertField(create, "checkpoint", 8, "string");
    assertField(create, "parent_checkpoint", 9, "string");
    assertField(create, "options", 10, "google.protobuf.Any");

    Descriptor state = dev.ttrpc.proto.containerd.task.v2.StateResponse.getDescriptor();
    assertField(state, "pid", 3, "uint32");
    assertField(state, "status", 4, "containerd.v1.types.Status");
    assertField(state, "exit_status", 9, "uint32");
    assertField(state, "exited_at", 10, "google.protobuf.Timestamp");
    assertField(state, "exec_id", 11, "string");

    Descriptor waitResponse = dev.ttrpc.proto.containerd.task.v2.WaitResponse.getDescriptor();
    assertField(waitResponse, "exit_status", 1, "uint32");
    // Upstream numbers exited_at 2 in WaitResponse (3 in DeleteResponse, 10 in StateResponse).
    assertField(waitResponse, "exited_at", 2, "google.protobuf.Timestamp");

    Descriptor exec = dev.ttrpc.proto.containerd.task.v2.ExecProcessRequest.getDescriptor();
    assertField(exec, "exec_id", 2, "string");
    assertField(exec, "terminal", 3, "bool");
    assertField(exec, "spec", 7, "google.protobuf.Any");

    Descriptor kill = dev.ttrpc.proto.containerd.task.v2.KillRequest.getDescriptor();
    assertField(kill, "signal", 3, "uint32");
    assertField(kill, "all", 4, "bool");

    Descriptor delete = dev.ttrpc.proto.containerd.task.v2.DeleteResponse.getDescriptor();
    assertField(delete, "pid", 1, "uint32");
    assertField(delete, "exit_status", 2, "uint32");
    assertField(delete, "exited_at", 3, "google.protobuf.Timestamp");

    Descriptor update = dev.ttrpc.proto.containerd.task.v2.UpdateTaskRequest.getDescriptor();
    assertField(update, "annotations", 3, "map<string,string>");

    Descriptor exit = dev.ttrpc.proto.containerd.events.TaskExit.getDescriptor();
    assertField(exit, "container_id", 1, "string");
    assertField(exit, "id", 2, "string");
    assertField(exit, "pid", 3, "uint32");
    assertField(exit, "exit_status", 4, "uint32");
    assertField(exit, "exited_at", 5, "google.protobuf.Timestamp");

    Descriptor envelope =
        dev.ttrpc.proto.containerd.services.events.ttrpc.v1.Envelope.getDescriptor();
    assertField(envelope, "timestamp", 1, "google.protobuf.Timestamp");
    assertField(envelope, "namespace", 2, "string");
    assertField(envelope, "topic", 3, "string");
    assertField(envelope, "event", 4, "google.protobuf.Any");

    Descriptor v2Metrics = dev.ttrpc.proto.io.containerd.cgroups.v2.Metrics.getDescriptor();
    assertEquals(null, v2Metrics.findFieldByNumber(3), "cgroup v2 Metrics has no field 3");
    assertField(v2Metrics, "memory", 4, "io.containerd.cgroups.v2.MemoryStat");
  }

  private static void assertField(Descriptor message, String name, int number, String type) {
    FieldDescriptor field = message.findFieldByName(name);
    assertNotNull(field, message.getFullName() + "." + name);
    assertEquals(number, field.getNumber(), message.getFullName() + "." + name + " number");
    assertEquals(type, ProtoFiles.fieldType(field), message.getFullName() + "." + name + " type");
  }

  @Test
  void statusEnumValues() {
    assertEquals(0, dev.ttrpc.proto.containerd.v1.types.Status.UNKNOWN.getNumber());
    assertEquals(1, dev.ttrpc.proto.containerd.v1.types.Status.CREATED.getNumber());
    assertEquals(2, dev.ttrpc.proto.containerd.v1.types.Status.RUNNING.getNumber());
    assertEquals(3, dev.ttrpc.proto.containerd.v1.types.Status.STOPPED.getNumber());
    assertEquals(4, dev.ttrpc.proto.containerd.v1.types.Status.PAUSED.getNumber());
    assertEquals(5, dev.ttrpc.proto.containerd.v1.types.Status.PAUSING.getNumber());
  }

  @Test
  void taskV3HasTheMethodsAndMessagesOfTaskV2() {
    FileDescriptor v2 = dev.ttrpc.proto.containerd.task.v2.ShimProto.getDescriptor();
    FileDescriptor v3 = dev.ttrpc.proto.containerd.task.v3.ShimProto.getDescriptor();
    assertEquals("containerd.task.v2", v2.getPackage());
    assertEquals("containerd.task.v3", v3.getPackage());

    ServiceDescriptor task2 = v2.findServiceByName("Task");
    ServiceDescriptor task3 = v3.findServiceByName("Task");
    assertEquals("containerd.task.v2.Task", task2.getFullName());
    assertEquals("containerd.task.v3.Task", task3.getFullName());
    assertEquals(17, task2.getMethods().size());
    assertEquals(methodShapes(task2, "v2"), methodShapes(task3, "v3"));

    assertEquals(
        v2.getMessageTypes().stream().map(Descriptor::getName).collect(Collectors.toList()),
        v3.getMessageTypes().stream().map(Descriptor::getName).collect(Collectors.toList()));
    List<String> v2Fields = withoutVersion(ProtoFiles.wireFacts(v2), "v2");
    List<String> v3Fields = withoutVersion(ProtoFiles.wireFacts(v3), "v3");
    assertEquals(v2Fields, v3Fields);
  }

  private static List<String> methodShapes(ServiceDescriptor service, String version) {
    List<String> shapes = new ArrayList<>();
    for (MethodDescriptor m : service.getMethods()) {
      shapes.add(
          m.getName()
              + " "
              + m.isClientStreaming()
              + "/"
              + m.isServerStreaming()
              + " "
              + m.getInputType().getFullName()
              + " -> "
              + m.getOutputType().getFullName());
    }
    return withoutVersion(shapes, version);
  }

  private static List<String> withoutVersion(List<String> lines, String version) {
    String pkg = "containerd.task." + version + ".";
    return lines.stream()
        .map(line -> line.replace(pkg, "containerd.task.VERSION."))
        .collect(Collectors.toList());
  }

  @Test
  void everyFileHasOurJavaOptionsAndAnUpstreamHeader() throws IOException {
    for (FileDescriptor file : ProtoFiles.ALL) {
      String javaPackage = file.getOptions().getJavaPackage();
      assertEquals("dev.ttrpc.proto." + file.getPackage(), javaPackage, file.getName());
      assertTrue(file.getOptions().getJavaMultipleFiles(), file.getName());

      String source = protoSource(file.getName());
      assertTrue(
          source.startsWith("//") && source.contains("Wire-compatible with "),
          file.getName() + " starts with a header naming the upstream file it matches");
      assertTrue(!source.contains("Copyright"), file.getName() + " has no upstream copyright");
      assertTrue(!source.contains("gogoproto"), file.getName() + " has no gogoproto options");
    }
  }

  @Test
  void everyShippedProtoFileIsCoveredByTheseTests() throws IOException, URISyntaxException {
    URL anchor = UpstreamSchemaTest.class.getClassLoader().getResource("ttrpc/request.proto");
    assertNotNull(anchor, "the .proto sources are packaged as resources");
    Path root = Path.of(anchor.toURI()).getParent().getParent();
    Set<String> shipped;
    try (Stream<Path> files = Files.walk(root)) {
      shipped =
          files
              .filter(p -> p.toString().endsWith(".proto"))
              .map(p -> root.relativize(p).toString().replace('\\', '/'))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> covered =
        ProtoFiles.ALL.stream()
            .map(FileDescriptor::getName)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(covered, shipped);
  }

  private static String protoSource(String name) throws IOException {
    try (InputStream in = UpstreamSchemaTest.class.getClassLoader().getResourceAsStream(name)) {
      assertNotNull(in, name + " is packaged");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
