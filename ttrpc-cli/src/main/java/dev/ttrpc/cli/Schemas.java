package dev.ttrpc.cli;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.AnyProto;
import com.google.protobuf.ApiProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.FieldMaskProto;
import com.google.protobuf.SourceContextProto;
import com.google.protobuf.StructProto;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.TypeProto;
import com.google.protobuf.WrappersProto;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The message and service schemas the tool knows: the user's (from descriptor sets or .proto
 * files) first, then the built-in ones (containerd's shim APIs and protobuf's well-known types).
 * ttRPC has no server reflection, so every name is looked up here, never on the server.
 *
 * <p>A name defined by both a user schema and a built-in one resolves to the user's. Immutable
 * once built; thread-safe.
 */
final class Schemas {

  /** Where a file of schemas came from, for {@code list}. */
  record Source(FileDescriptor file, String origin) {}

  private final List<Source> files;
  private final Map<String, ServiceDescriptor> services = new LinkedHashMap<>();
  private final Map<String, Descriptor> messages = new HashMap<>();
  private final Map<String, EnumDescriptor> enums = new HashMap<>();
  private final Map<String, String> serviceOrigins = new HashMap<>();

  private Schemas(List<Source> files) {
    this.files = List.copyOf(files);
    for (Source source : this.files) {
      index(source);
    }
  }

  /** The built-in schemas only. */
  static Schemas builtIn() {
    return builder().build();
  }

  static Builder builder() {
    return new Builder();
  }

  /** Every file, user files first, each with the files it imports before it. */
  List<Source> files() {
    return files;
  }

  /** Every service, by full name, in the order of {@link #files()}. */
  Collection<ServiceDescriptor> services() {
    return services.values();
  }

  /** Where the service's schema came from: {@code built-in} or a file given by the user. */
  String origin(ServiceDescriptor service) {
    return serviceOrigins.getOrDefault(service.getFullName(), "?");
  }

  Optional<ServiceDescriptor> service(String fullName) {
    return Optional.ofNullable(services.get(fullName));
  }

  Optional<Descriptor> message(String fullName) {
    return Optional.ofNullable(messages.get(fullName));
  }

  Optional<EnumDescriptor> enumType(String fullName) {
    return Optional.ofNullable(enums.get(fullName));
  }

  /**
   * The method named {@code SERVICE/METHOD} (also {@code /SERVICE/METHOD}, as ttRPC's Go API
   * writes it, or {@code SERVICE.METHOD}).
   *
   * @throws UsageException naming what is unknown, with the services or methods there are
   */
  MethodDescriptor method(String name) throws UsageException {
    String n = name.startsWith("/") ? name.substring(1) : name;
    int slash = n.lastIndexOf('/');
    if (slash < 0) {
      slash = n.lastIndexOf('.');
    }
    if (slash <= 0 || slash == n.length() - 1) {
      throw new UsageException("method must be SERVICE/METHOD, e.g. containerd.task.v2.Task/State;"
          + " got " + name);
    }
    String serviceName = n.substring(0, slash);
    String methodName = n.substring(slash + 1);
    ServiceDescriptor service =
        service(serviceName)
            .orElseThrow(
                () -> new UsageException("unknown service " + serviceName
                    + " (no schema defines it; give one with --proto or --descriptor-set;"
                    + " `ttrpc list` shows the known services)"));
    MethodDescriptor method = service.findMethodByName(methodName);
    if (method == null) {
      List<String> names = service.getMethods().stream().map(MethodDescriptor::getName).toList();
      throw new UsageException(
          "service " + serviceName + " has no method " + methodName + "; it has " + names);
    }
    return method;
  }

  private void index(Source source) {
    FileDescriptor file = source.file();
    for (ServiceDescriptor service : file.getServices()) {
      if (services.putIfAbsent(service.getFullName(), service) == null) {
        serviceOrigins.put(service.getFullName(), source.origin());
      }
    }
    for (Descriptor message : file.getMessageTypes()) {
      indexMessage(message);
    }
    for (EnumDescriptor e : file.getEnumTypes()) {
      enums.putIfAbsent(e.getFullName(), e);
    }
  }

  private void indexMessage(Descriptor message) {
    messages.putIfAbsent(message.getFullName(), message);
    for (Descriptor nested : message.getNestedTypes()) {
      indexMessage(nested);
    }
    for (EnumDescriptor e : message.getEnumTypes()) {
      enums.putIfAbsent(e.getFullName(), e);
    }
  }

  /** Collects user schemas; not thread-safe. */
  static final class Builder {
    private final List<Source> user = new ArrayList<>();

    private Builder() {}

    /**
     * Adds every file of a descriptor set. Imports missing from the set are taken from the
     * built-in schemas (so a set made without {@code --include_imports} still works when it only
     * imports well-known types or containerd's files).
     *
     * @param origin what to call these files in {@code list}, e.g. the set's path
     * @throws UsageException if a file imports one that is nowhere to be found, or is invalid
     */
    Builder addDescriptorSet(FileDescriptorSet set, String origin) throws UsageException {
      requireNonNull(set, "set");
      Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
      for (FileDescriptorProto proto : set.getFileList()) {
        protos.putIfAbsent(proto.getName(), proto);
      }
      Map<String, FileDescriptor> built = new HashMap<>();
      for (String name : protos.keySet()) {
        FileDescriptor file = build(name, protos, built, new ArrayList<>());
        user.add(new Source(file, origin));
      }
      return this;
    }

    private static FileDescriptor build(
        String name,
        Map<String, FileDescriptorProto> protos,
        Map<String, FileDescriptor> built,
        List<String> importing)
        throws UsageException {
      FileDescriptor done = built.get(name);
      if (done != null) {
        return done;
      }
      FileDescriptorProto proto = protos.get(name);
      if (proto == null) {
        FileDescriptor builtIn = BuiltIn.FILES.get(name);
        if (builtIn == null) {
          throw new UsageException(
              "schema " + (importing.isEmpty() ? name : importing.getLast())
                  + " imports " + name + ", which is neither in the descriptor set nor built in"
                  + " (make the set with protoc --include_imports)");
        }
        return builtIn;
      }
      if (importing.contains(name)) {
        throw new UsageException("import cycle: " + String.join(" -> ", importing) + " -> " + name);
      }
      importing.add(name);
      FileDescriptor[] dependencies = new FileDescriptor[proto.getDependencyCount()];
      for (int i = 0; i < dependencies.length; i++) {
        dependencies[i] = build(proto.getDependency(i), protos, built, importing);
      }
      importing.removeLast();
      try {
        FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies);
        built.put(name, file);
        return file;
      } catch (DescriptorValidationException e) {
        throw new UsageException("invalid schema " + name + ": " + e.getMessage());
      }
    }

    Schemas build() {
      List<Source> all = new ArrayList<>(user);
      for (FileDescriptor file : BuiltIn.FILES.values()) {
        all.add(new Source(file, "built-in"));
      }
      return new Schemas(all);
    }
  }

  /** The built-in files, by file name: protobuf's well-known types and containerd's APIs. */
  static final class BuiltIn {
    static final Map<String, FileDescriptor> FILES = load();

    private BuiltIn() {}

    private static Map<String, FileDescriptor> load() {
      Map<String, FileDescriptor> files = new LinkedHashMap<>();
      for (FileDescriptor file :
          List.of(
              dev.ttrpc.proto.containerd.task.v2.ShimProto.getDescriptor(),
              dev.ttrpc.proto.containerd.task.v3.ShimProto.getDescriptor(),
              dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsProto.getDescriptor(),
              dev.ttrpc.proto.containerd.events.TaskEventsProto.getDescriptor(),
              dev.ttrpc.proto.containerd.runc.v1.OciProto.getDescriptor(),
              dev.ttrpc.proto.io.containerd.cgroups.v1.CgroupsV1MetricsProto.getDescriptor(),
              dev.ttrpc.proto.io.containerd.cgroups.v2.CgroupsV2MetricsProto.getDescriptor(),
              dev.ttrpc.proto.containerd.types.MetricsProto.getDescriptor(),
              dev.ttrpc.proto.containerd.types.PlatformProto.getDescriptor(),
              dev.ttrpc.proto.google.rpc.StatusProto.getDescriptor(),
              AnyProto.getDescriptor(),
              ApiProto.getDescriptor(),
              DurationProto.getDescriptor(),
              EmptyProto.getDescriptor(),
              FieldMaskProto.getDescriptor(),
              SourceContextProto.getDescriptor(),
              StructProto.getDescriptor(),
              TimestampProto.getDescriptor(),
              TypeProto.getDescriptor(),
              WrappersProto.getDescriptor())) {
        add(file, files);
      }
      return java.util.Collections.unmodifiableMap(files);
    }

    private static void add(FileDescriptor file, Map<String, FileDescriptor> files) {
      if (files.containsKey(file.getName())) {
        return;
      }
      for (FileDescriptor dependency : file.getDependencies()) {
        add(dependency, files);
      }
      files.put(file.getName(), file);
    }
  }
}
