package dev.ttrpc.proto;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

/**
 * {@code google.protobuf.Any} the way containerd writes and reads it.
 *
 * <p>containerd's Go side (the {@code typeurl} package) names a protobuf type in an Any by its
 * bare full name, e.g. {@code containerd.runc.v1.Options} or {@code containerd.events.TaskExit},
 * without the {@code type.googleapis.com/} prefix that protobuf-java's {@link Any#pack} adds, and
 * containerd 1.6 cannot resolve a prefixed name (it looks the URL up as a message name). Types
 * that are not protobuf messages, such as the OCI runtime spec, travel as JSON under URLs that
 * containerd registers ({@link #OCI_PROCESS} and friends).
 *
 * <p>{@link #pack} therefore writes bare names; {@link #is} and {@link #unpack} accept both forms,
 * because protobuf-java's own {@link Any#is} rejects a bare name. All methods are stateless and
 * thread-safe.
 */
public final class ContainerdAny {
  private ContainerdAny() {}

  /** The URL of an OCI runtime spec ({@code config.json}) carried as JSON. */
  public static final String OCI_SPEC = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

  /** The URL of an OCI process spec carried as JSON (the spec of ExecProcessRequest). */
  public static final String OCI_PROCESS =
      "types.containerd.io/opencontainers/runtime-spec/1/Process";

  /** The URL of OCI Linux resources carried as JSON (the resources of UpdateTaskRequest). */
  public static final String OCI_LINUX_RESOURCES =
      "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";

  /** The URL of OCI Windows resources carried as JSON. */
  public static final String OCI_WINDOWS_RESOURCES =
      "types.containerd.io/opencontainers/runtime-spec/1/WindowsResources";

  /** An Any holding {@code message} under its bare full name, as containerd expects. */
  public static Any pack(Message message) {
    requireNonNull(message, "message");
    return Any.newBuilder()
        .setTypeUrl(message.getDescriptorForType().getFullName())
        .setValue(message.toByteString())
        .build();
  }

  /**
   * The message name of an Any's type URL: the text after the last {@code '/'}, or the whole URL
   * when it has none (containerd's bare form).
   */
  public static String typeName(Any any) {
    requireNonNull(any, "any");
    String url = any.getTypeUrl();
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** Whether {@code any} holds a message of {@code type}, named bare or with a URL prefix. */
  public static boolean is(Any any, Descriptor type) {
    requireNonNull(type, "type");
    return typeName(any).equals(type.getFullName());
  }

  /** Whether {@code any} holds a message of class {@code type}, named bare or with a prefix. */
  public static <T extends Message> boolean is(Any any, Class<T> type) {
    requireNonNull(type, "type");
    return is(any, defaultInstance(type).getDescriptorForType());
  }

  /**
   * The message in {@code any}, which must name {@code type} (bare or with a prefix).
   *
   * @throws InvalidProtocolBufferException if {@code any} holds another type or its value does not
   *     parse as {@code type}
   */
  public static <T extends Message> T unpack(Any any, Class<T> type)
      throws InvalidProtocolBufferException {
    requireNonNull(any, "any");
    T prototype = defaultInstance(requireNonNull(type, "type"));
    String expected = prototype.getDescriptorForType().getFullName();
    if (!typeName(any).equals(expected)) {
      throw new InvalidProtocolBufferException(
          "Any holds \"" + any.getTypeUrl() + "\", not " + expected);
    }
    @SuppressWarnings("unchecked")
    T message = (T) prototype.getParserForType().parseFrom(any.getValue());
    return message;
  }

  private static <T extends Message> T defaultInstance(Class<T> type) {
    return Internal.getDefaultInstance(type);
  }
}
