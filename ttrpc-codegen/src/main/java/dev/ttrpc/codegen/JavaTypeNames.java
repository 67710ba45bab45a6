package dev.ttrpc.codegen;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.Edition;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FeatureSet;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.JavaFeaturesProto;
import com.google.protobuf.JavaFeaturesProto.JavaFeatures.NestInFileClassFeature.NestInFileClass;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Java class names protoc's {@code java_out} gives to the messages of a set of {@code .proto}
 * files, resolved exactly as its {@code ClassNameResolver} does: Java package from {@code
 * java_package} or the proto package; outer class from {@code java_outer_classname}, or the
 * camel-cased file name with {@code OuterClass} appended on a clash with any type of the file
 * (before edition 2024) or {@code Proto} appended (edition 2024 on); top-level types nested in the
 * outer class unless {@code java_multiple_files} (before 2024) or unless the type's {@code
 * features.(pb.java).nest_in_file_class} is not {@code YES} (2024 on); nested types inside their
 * parent.
 *
 * <p>Immutable after construction; not meant for concurrent use while being built.
 */
final class JavaTypeNames {

  /** Where a message is declared: its file, its top-level ancestor and its nesting path. */
  private record MessageEntry(
      FileDescriptorProto file, DescriptorProto topLevel, String pathInFile, boolean deprecated) {}

  private final Map<String, FileDescriptorProto> filesByName = new HashMap<>();
  private final Map<String, MessageEntry> messages = new HashMap<>();
  private final ExtensionRegistry registry;

  static {
    // protobuf-java 4.33 fails with an init cycle if JavaFeaturesProto is initialised first.
    DescriptorProtos.getDescriptor();
  }

  /**
   * Indexes {@code files}, which must hold every file whose messages will be looked up (for a
   * plugin: the request's {@code proto_file}, imports included).
   */
  JavaTypeNames(List<FileDescriptorProto> files) {
    registry = ExtensionRegistry.newInstance();
    JavaFeaturesProto.registerAllExtensions(registry);
    for (FileDescriptorProto file : files) {
      filesByName.put(file.getName(), file);
      String prefix = file.getPackage().isEmpty() ? "." : "." + file.getPackage() + ".";
      for (DescriptorProto message : file.getMessageTypeList()) {
        index(file, message, message, prefix, "", file.getOptions().getDeprecated());
      }
    }
  }

  private void index(
      FileDescriptorProto file,
      DescriptorProto topLevel,
      DescriptorProto message,
      String protoPrefix,
      String pathPrefix,
      boolean enclosingDeprecated) {
    String path = pathPrefix + message.getName();
    boolean deprecated = enclosingDeprecated || message.getOptions().getDeprecated();
    messages.put(protoPrefix + message.getName(), new MessageEntry(file, topLevel, path, deprecated));
    for (DescriptorProto nested : message.getNestedTypeList()) {
      index(file, topLevel, nested, protoPrefix + message.getName() + ".", path + ".", deprecated);
    }
  }

  /** The file with this name, or null if it is not indexed. */
  FileDescriptorProto file(String name) {
    return filesByName.get(name);
  }

  /**
   * The edition the file is written in: {@code EDITION_PROTO2}/{@code EDITION_PROTO3} for
   * syntax-based files.
   *
   * @throws CodeGenerationException for a syntax or edition this generator does not know
   */
  static Edition edition(FileDescriptorProto file) throws CodeGenerationException {
    switch (file.getSyntax()) {
      case "":
      case "proto2":
        return Edition.EDITION_PROTO2;
      case "proto3":
        return Edition.EDITION_PROTO3;
      case "editions":
        Edition edition = file.getEdition();
        if (edition == Edition.EDITION_2023 || edition == Edition.EDITION_2024) {
          return edition;
        }
        throw new CodeGenerationException(
            file.getName() + ": edition " + edition + " is not supported (supported: proto2,"
                + " proto3, 2023, 2024)");
      default:
        throw new CodeGenerationException(
            file.getName() + ": syntax \"" + file.getSyntax() + "\" is not supported");
    }
  }

  /** The Java package of the file's classes: {@code java_package}, else the proto package. */
  static String javaPackage(FileDescriptorProto file) {
    return file.getOptions().hasJavaPackage()
        ? file.getOptions().getJavaPackage()
        : file.getPackage();
  }

  /** The simple name of the file's outer ("file") class. */
  static String outerClassName(FileDescriptorProto file) throws CodeGenerationException {
    if (file.getOptions().hasJavaOuterClassname()) {
      return file.getOptions().getJavaOuterClassname();
    }
    String name = file.getName();
    String base = name.substring(name.lastIndexOf('/') + 1);
    if (base.endsWith(".protodevel")) {
      base = base.substring(0, base.length() - ".protodevel".length());
    } else if (base.endsWith(".proto")) {
      base = base.substring(0, base.length() - ".proto".length());
    }
    String camel = JavaIdentifiers.underscoresToCamelCase(base, true);
    boolean oldDefault = edition(file).getNumber() < Edition.EDITION_2024.getNumber();
    if (!oldDefault) {
      return camel + "Proto";
    }
    return declaresTypeNamed(file, camel) ? camel + "OuterClass" : camel;
  }

  /** Whether any enum, service or message of the file, at any depth, is named exactly {@code name}. */
  private static boolean declaresTypeNamed(FileDescriptorProto file, String name) {
    for (EnumDescriptorProto e : file.getEnumTypeList()) {
      if (e.getName().equals(name)) {
        return true;
      }
    }
    for (ServiceDescriptorProto s : file.getServiceList()) {
      if (s.getName().equals(name)) {
        return true;
      }
    }
    for (DescriptorProto m : file.getMessageTypeList()) {
      if (messageDeclaresTypeNamed(m, name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean messageDeclaresTypeNamed(DescriptorProto message, String name) {
    if (message.getName().equals(name)) {
      return true;
    }
    for (EnumDescriptorProto e : message.getEnumTypeList()) {
      if (e.getName().equals(name)) {
        return true;
      }
    }
    for (DescriptorProto nested : message.getNestedTypeList()) {
      if (messageDeclaresTypeNamed(nested, name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether java_out nests a top-level type with these features in the outer class: before 2024
   * unless {@code java_multiple_files}; from 2024 when {@code nest_in_file_class = YES}.
   */
  private boolean nestedInFileClass(FileDescriptorProto file, FeatureSet typeFeatures)
      throws CodeGenerationException {
    NestInFileClass nest = NestInFileClass.NEST_IN_FILE_CLASS_UNKNOWN;
    if (typeFeatures.getSerializedSize() > 0) {
      nest = javaFeatures(file, typeFeatures).getNestInFileClass();
    }
    if (nest == NestInFileClass.NEST_IN_FILE_CLASS_UNKNOWN) {
      nest =
          edition(file).getNumber() >= Edition.EDITION_2024.getNumber()
              ? NestInFileClass.NO
              : NestInFileClass.LEGACY;
    }
    switch (nest) {
      case YES:
        return true;
      case NO:
        return false;
      case LEGACY:
        return !file.getOptions().getJavaMultipleFiles();
      default:
        throw new CodeGenerationException(
            file.getName() + ": unsupported value of features.(pb.java).nest_in_file_class: " + nest);
    }
  }

  /**
   * The Java features of {@code features}, also when the request was parsed without the Java
   * feature extension registered (then they sit in the unknown fields).
   */
  private JavaFeaturesProto.JavaFeatures javaFeatures(FileDescriptorProto file, FeatureSet features)
      throws CodeGenerationException {
    try {
      FeatureSet parsed = FeatureSet.parseFrom(features.toByteString(), registry);
      return parsed.getExtension(JavaFeaturesProto.java_);
    } catch (InvalidProtocolBufferException e) {
      throw new CodeGenerationException(file.getName() + ": unreadable features: " + e.getMessage());
    }
  }

  /**
   * The canonical Java name (dots only, as written in source) of the message with this fully
   * qualified proto name, e.g. {@code .demo.v1.Req.Inner} → {@code demo.v1.TypesOuterClass.Req.Inner}.
   *
   * @throws CodeGenerationException if no indexed file declares the message
   */
  String messageClassName(String protoFullName) throws CodeGenerationException {
    MessageEntry entry = messages.get(protoFullName);
    if (entry == null) {
      throw new CodeGenerationException("message type " + protoFullName + " is not defined in any file of the request");
    }
    FileDescriptorProto file = entry.file();
    String javaPackage = javaPackage(file);
    StringBuilder name = new StringBuilder();
    if (!javaPackage.isEmpty()) {
      name.append(javaPackage).append('.');
    }
    if (nestedInFileClass(file, entry.topLevel().getOptions().getFeatures())) {
      name.append(outerClassName(file)).append('.');
    }
    return name.append(entry.pathInFile()).toString();
  }

  /**
   * The Java package of the message with this fully qualified proto name (possibly empty).
   *
   * @throws CodeGenerationException if no indexed file declares the message
   */
  String messageJavaPackage(String protoFullName) throws CodeGenerationException {
    MessageEntry entry = messages.get(protoFullName);
    if (entry == null) {
      throw new CodeGenerationException(
          "message type " + protoFullName + " is not defined in any file of the request");
    }
    return javaPackage(entry.file());
  }

  /**
   * Whether java_out marks the message's class, or a class enclosing it, {@code @Deprecated}
   * (message or file option {@code deprecated}).
   */
  boolean isDeprecated(String protoFullName) {
    MessageEntry entry = messages.get(protoFullName);
    return entry != null && entry.deprecated();
  }

  /**
   * The simple names of the top-level classes java_out writes into {@code javaPackage} for the
   * indexed files: outer classes, and top-level messages, enums and generic services in their own
   * files (with the {@code OrBuilder} interfaces of such messages).
   */
  Set<String> topLevelClassNames(String javaPackage) throws CodeGenerationException {
    Set<String> names = new TreeSet<>();
    for (FileDescriptorProto file : filesByName.values()) {
      if (!javaPackage(file).equals(javaPackage)) {
        continue;
      }
      names.add(outerClassName(file));
      for (DescriptorProto message : file.getMessageTypeList()) {
        if (!nestedInFileClass(file, message.getOptions().getFeatures())) {
          names.add(message.getName());
          names.add(message.getName() + "OrBuilder");
        }
      }
      for (EnumDescriptorProto e : file.getEnumTypeList()) {
        if (!nestedInFileClass(file, e.getOptions().getFeatures())) {
          names.add(e.getName());
        }
      }
      if (file.getOptions().getJavaGenericServices()) {
        for (ServiceDescriptorProto s : file.getServiceList()) {
          if (!nestedInFileClass(file, s.getOptions().getFeatures())) {
            names.add(s.getName());
          }
        }
      }
    }
    return names;
  }
}
