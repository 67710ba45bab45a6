package dev.ttrpc.cli;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Renders schemas as .proto text, for {@code ttrpc describe}: services with their methods,
 * methods with their request and response messages, messages with fields, nested types and
 * oneofs, enums with values. Stateless.
 */
final class Describer {
  private Describer() {}

  /** {@code service NAME { rpc ... }}, with a comment naming the file. */
  static String service(ServiceDescriptor service) {
    StringBuilder out = new StringBuilder();
    out.append("// ").append(service.getFile().getName()).append('\n');
    out.append("service ").append(service.getFullName()).append(" {\n");
    for (MethodDescriptor method : service.getMethods()) {
      out.append("  ").append(rpc(method)).append('\n');
    }
    return out.append("}\n").toString();
  }

  /** The method's rpc line, then its request and response messages (each once). */
  static String method(MethodDescriptor method) {
    StringBuilder out = new StringBuilder();
    out.append("// ").append(method.getService().getFullName()).append('\n');
    out.append(rpc(method)).append("\n\n");
    out.append(message(method.getInputType()));
    if (!method.getOutputType().equals(method.getInputType())) {
      out.append('\n').append(message(method.getOutputType()));
    }
    return out.toString();
  }

  /** One line: {@code rpc Name(stream Request) returns (stream Response);}. */
  static String rpc(MethodDescriptor method) {
    return "rpc " + method.getName() + "("
        + (method.isClientStreaming() ? "stream " : "") + method.getInputType().getFullName()
        + ") returns ("
        + (method.isServerStreaming() ? "stream " : "") + method.getOutputType().getFullName()
        + ");";
  }

  /** {@code message NAME { fields }}, nested types inside. */
  static String message(Descriptor message) {
    StringBuilder out = new StringBuilder();
    out.append("// ").append(message.getFile().getName()).append('\n');
    appendMessage(out, message, "", true);
    return out.toString();
  }

  /** {@code enum NAME { VALUE = N; }}. */
  static String enumType(EnumDescriptor e) {
    StringBuilder out = new StringBuilder();
    out.append("// ").append(e.getFile().getName()).append('\n');
    appendEnum(out, e, "", true);
    return out.toString();
  }

  private static void appendMessage(
      StringBuilder out, Descriptor message, String indent, boolean fullName) {
    out.append(indent).append("message ")
        .append(fullName ? message.getFullName() : message.getName()).append(" {\n");
    String inner = indent + "  ";
    Set<OneofDescriptor> written = new HashSet<>();
    for (FieldDescriptor field : message.getFields()) {
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof == null) {
        out.append(inner).append(field(field)).append('\n');
      } else if (written.add(oneof)) {
        out.append(inner).append("oneof ").append(oneof.getName()).append(" {\n");
        for (FieldDescriptor member : oneof.getFields()) {
          out.append(inner).append("  ").append(field(member)).append('\n');
        }
        out.append(inner).append("}\n");
      }
    }
    for (Descriptor nested : message.getNestedTypes()) {
      if (!nested.getOptions().getMapEntry()) {
        appendMessage(out, nested, inner, false);
      }
    }
    for (EnumDescriptor e : message.getEnumTypes()) {
      appendEnum(out, e, inner, false);
    }
    out.append(indent).append("}\n");
  }

  private static void appendEnum(StringBuilder out, EnumDescriptor e, String indent, boolean full) {
    out.append(indent).append("enum ").append(full ? e.getFullName() : e.getName()).append(" {\n");
    for (EnumValueDescriptor value : e.getValues()) {
      out.append(indent).append("  ").append(value.getName()).append(" = ")
          .append(value.getNumber()).append(";\n");
    }
    out.append(indent).append("}\n");
  }

  /** One field line; the JSON name follows as a comment when it differs from the field name. */
  private static String field(FieldDescriptor field) {
    StringBuilder line = new StringBuilder();
    if (field.isMapField()) {
      Descriptor entry = field.getMessageType();
      line.append("map<").append(type(entry.findFieldByNumber(1))).append(", ")
          .append(type(entry.findFieldByNumber(2))).append("> ");
    } else {
      if (field.isRepeated()) {
        line.append("repeated ");
      } else if (field.hasPresence() && field.getContainingOneof() != null
          && field.getRealContainingOneof() == null) {
        line.append("optional ");
      }
      line.append(type(field)).append(' ');
    }
    line.append(field.getName()).append(" = ").append(field.getNumber()).append(';');
    if (!field.getJsonName().equals(field.getName())) {
      line.append("  // JSON: ").append(field.getJsonName());
    }
    return line.toString();
  }

  private static String type(FieldDescriptor field) {
    return switch (field.getType()) {
      case MESSAGE, GROUP -> field.getMessageType().getFullName();
      case ENUM -> field.getEnumType().getFullName();
      default -> field.getType().name().toLowerCase(Locale.ROOT);
    };
  }
}
