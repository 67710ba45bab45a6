package dev.ttrpc.proto;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.ttrpc.proto.containerd.events.TaskEventsProto;
import dev.ttrpc.proto.containerd.runc.v1.OciProto;
import dev.ttrpc.proto.containerd.services.events.ttrpc.v1.EventsProto;
import dev.ttrpc.proto.containerd.types.MetricsProto;
import dev.ttrpc.proto.containerd.types.MountProto;
import dev.ttrpc.proto.containerd.types.PlatformProto;
import dev.ttrpc.proto.containerd.v1.types.TaskProto;
import dev.ttrpc.proto.google.rpc.StatusProto;
import dev.ttrpc.proto.io.containerd.cgroups.v1.CgroupsV1MetricsProto;
import dev.ttrpc.proto.io.containerd.cgroups.v2.CgroupsV2MetricsProto;
import dev.ttrpc.proto.ttrpc.RequestProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The descriptors of every .proto file of this module, and their wire facts as text lines. */
final class ProtoFiles {
  private ProtoFiles() {}

  static final List<FileDescriptor> ALL =
      List.of(
          RequestProto.getDescriptor(),
          StatusProto.getDescriptor(),
          MountProto.getDescriptor(),
          MetricsProto.getDescriptor(),
          PlatformProto.getDescriptor(),
          TaskProto.getDescriptor(),
          dev.ttrpc.proto.containerd.task.v2.ShimProto.getDescriptor(),
          dev.ttrpc.proto.containerd.task.v3.ShimProto.getDescriptor(),
          TaskEventsProto.getDescriptor(),
          EventsProto.getDescriptor(),
          OciProto.getDescriptor(),
          CgroupsV1MetricsProto.getDescriptor(),
          CgroupsV2MetricsProto.getDescriptor());

  /**
   * One line per service method, message field and enum value, in the format of {@code
   * upstream-wire-facts.txt}: {@code rpc pkg.Service/Method(In) returns (Out)}, {@code field
   * pkg.Message.name = number [repeated ]type}, {@code enum pkg.Enum.NAME = number}.
   */
  static List<String> wireFacts(FileDescriptor file) {
    List<String> facts = new ArrayList<>();
    for (ServiceDescriptor service : file.getServices()) {
      for (MethodDescriptor method : service.getMethods()) {
        facts.add(
            "rpc "
                + service.getFullName()
                + "/"
                + method.getName()
                + "("
                + (method.isClientStreaming() ? "stream " : "")
                + method.getInputType().getFullName()
                + ") returns ("
                + (method.isServerStreaming() ? "stream " : "")
                + method.getOutputType().getFullName()
                + ")");
      }
    }
    for (Descriptor message : file.getMessageTypes()) {
      addMessageFacts(message, facts);
    }
    for (EnumDescriptor e : file.getEnumTypes()) {
      addEnumFacts(e, facts);
    }
    return facts;
  }

  private static void addMessageFacts(Descriptor message, List<String> facts) {
    for (FieldDescriptor field : message.getFields()) {
      facts.add(
          "field "
              + message.getFullName()
              + "."
              + field.getName()
              + " = "
              + field.getNumber()
              + " "
              + fieldType(field));
    }
    for (Descriptor nested : message.getNestedTypes()) {
      if (!nested.getOptions().getMapEntry()) {
        addMessageFacts(nested, facts);
      }
    }
    for (EnumDescriptor e : message.getEnumTypes()) {
      addEnumFacts(e, facts);
    }
  }

  private static void addEnumFacts(EnumDescriptor e, List<String> facts) {
    for (EnumValueDescriptor value : e.getValues()) {
      facts.add("enum " + e.getFullName() + "." + value.getName() + " = " + value.getNumber());
    }
  }

  /** The field's type as written in a .proto file, fully qualified for messages and enums. */
  static String fieldType(FieldDescriptor field) {
    if (field.isMapField()) {
      Descriptor entry = field.getMessageType();
      return "map<"
          + baseType(entry.findFieldByNumber(1))
          + ","
          + baseType(entry.findFieldByNumber(2))
          + ">";
    }
    return (field.isRepeated() ? "repeated " : "") + baseType(field);
  }

  private static String baseType(FieldDescriptor field) {
    switch (field.getType()) {
      case MESSAGE:
        return field.getMessageType().getFullName();
      case ENUM:
        return field.getEnumType().getFullName();
      default:
        return field.getType().name().toLowerCase(Locale.ROOT);
    }
  }
}
