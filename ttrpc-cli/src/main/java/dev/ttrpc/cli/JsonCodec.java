package dev.ttrpc.cli;

import static java.util.Objects.requireNonNull;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Messages to and from JSON with protobuf's JSON mapping ({@link JsonFormat}), plus what
 * containerd needs on top of it: containerd writes {@code Any.type_url} as a bare message name
 * ({@code io.containerd.cgroups.v1.Metrics}, no {@code type.googleapis.com/} prefix), which
 * JsonFormat refuses. Such an Any is shown and read as {@code {"@type": "io.containerd...",
 * ...fields}} all the same, and an Any of a type no schema knows (e.g. containerd's runtime-spec
 * JSON) as {@code {"@type": URL, "value": BASE64}} instead of failing the whole output.
 *
 * <p>Immutable; thread-safe.
 */
final class JsonCodec {
  /**
   * Prefixes that make a type URL acceptable to JsonFormat while it works, removed again from its
   * result. The {@code .invalid} top-level domain is reserved: no real type URL uses it.
   */
  private static final String BARE = "bare.ttrpc-cli.invalid/";

  private static final String UNKNOWN = "unknown.ttrpc-cli.invalid/";
  private static final String ANY = "google.protobuf.Any";
  private static final String TYPE_KEY = "@type";
  private static final String BYTES_VALUE = BytesValue.getDescriptor().getFullName();

  /**
   * JsonFormat warns on stderr about types added twice; user schemas shadow built-in ones on
   * purpose. Held here so that the level set on it stays.
   */
  private static final Logger JSON_FORMAT_LOGGER = Logger.getLogger(JsonFormat.class.getName());

  static {
    JSON_FORMAT_LOGGER.setLevel(Level.SEVERE);
  }

  private final JsonFormat.TypeRegistry registry;
  private final JsonFormat.Printer printer;
  private final JsonFormat.Parser parser;
  private final Gson pretty = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
  private final Gson compact = new GsonBuilder().disableHtmlEscaping().create();

  /**
   * @param emitDefaults print fields that have their default value too
   * @param protoNames print field names as in the .proto file instead of lowerCamelCase
   */
  JsonCodec(Schemas schemas, boolean emitDefaults, boolean protoNames) {
    requireNonNull(schemas, "schemas");
    JsonFormat.TypeRegistry.Builder types = JsonFormat.TypeRegistry.newBuilder();
    for (Schemas.Source source : schemas.files()) {
      for (Descriptor message : source.file().getMessageTypes()) {
        types.add(message);
      }
    }
    types.add(BytesValue.getDescriptor());
    this.registry = types.build();
    JsonFormat.Printer p = JsonFormat.printer().usingTypeRegistry(registry);
    if (emitDefaults) {
      p = p.alwaysPrintFieldsWithNoPresence();
    }
    if (protoNames) {
      p = p.preservingProtoFieldNames();
    }
    this.printer = p;
    this.parser = JsonFormat.parser().usingTypeRegistry(registry);
  }

  /** The message as JSON: indented over several lines, or on one line. */
  String print(Message message, boolean multiLine) throws CliException {
    Message printable = rewriteAnys(message);
    String json;
    try {
      json = printer.print(printable);
    } catch (InvalidProtocolBufferException e) {
      throw new CliException("cannot show the " + message.getDescriptorForType().getFullName()
          + " as JSON: " + e.getMessage());
    }
    JsonElement tree = JsonParser.parseString(json);
    mapTypeUrls(tree, JsonCodec::restoreTypeUrl);
    return (multiLine ? pretty : compact).toJson(tree);
  }

  /** Parses one JSON value into a message of {@code type}. */
  DynamicMessage parse(JsonElement json, Descriptor type) throws CliException {
    JsonElement copy = json.deepCopy();
    mapTypeUrls(copy, this::markTypeUrl);
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
    try {
      parser.merge(compact.toJson(copy), builder);
    } catch (InvalidProtocolBufferException e) {
      throw new CliException("invalid " + type.getFullName() + " JSON: " + e.getMessage());
    }
    return (DynamicMessage) unmarkAnys(builder.build());
  }

  /** Parses text holding exactly one JSON value into a message of {@code type}. */
  DynamicMessage parse(String json, Descriptor type) throws CliException {
    JsonValues values = new JsonValues(new StringReader(json), "the request");
    JsonElement first = values.next();
    if (first == null) {
      throw new CliException("the request is empty; give a JSON object such as {}");
    }
    if (values.next() != null) {
      throw new CliException("the request holds more than one JSON value; this method takes one");
    }
    return parse(first, type);
  }

  /**
   * JSON values one after another, as in JSON lines (one per line) or simply concatenated (each
   * may span lines). Not thread-safe.
   */
  static final class JsonValues {
    private final PushbackReader source;
    private final JsonReader reader;
    private final String what;
    private boolean started;

    JsonValues(Reader source, String what) {
      this.source = new PushbackReader(requireNonNull(source, "source"));
      this.reader = new JsonReader(this.source);
      this.reader.setStrictness(Strictness.LENIENT);
      this.what = what;
    }

    /** The next value, or null at the end of the input. */
    JsonElement next() throws CliException {
      try {
        // Before its first value a JsonReader treats the end of input as an error, not as the
        // end of the document: an input of only white space is checked here.
        if (!started) {
          started = true;
          int c = source.read();
          while (c != -1 && Character.isWhitespace(c)) {
            c = source.read();
          }
          if (c == -1) {
            return null;
          }
          source.unread(c);
        }
        if (reader.peek() == JsonToken.END_DOCUMENT) {
          return null;
        }
        return JsonParser.parseReader(reader);
      } catch (JsonParseException | IOException | IllegalStateException e) {
        String reason = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
        throw new CliException("invalid JSON in " + what + ": " + reason);
      }
    }
  }

  /**
   * The message with every Any made printable by JsonFormat: a known type under a bare name gets
   * the {@link #BARE} prefix, an unknown type becomes a BytesValue Any under {@link #UNKNOWN} plus
   * its hex-encoded URL. Anys inside Anys are handled too.
   */
  private Message rewriteAnys(Message message) {
    return mapAnys(message, this::rewriteAny);
  }

  private Message rewriteAny(Message any) {
    FieldDescriptor urlField = any.getDescriptorForType().findFieldByNumber(1);
    FieldDescriptor valueField = any.getDescriptorForType().findFieldByNumber(2);
    String url = (String) any.getField(urlField);
    ByteString value = (ByteString) any.getField(valueField);
    if (url.isEmpty() && value.isEmpty()) {
      return any;
    }
    Descriptor type = registry.find(url.substring(url.lastIndexOf('/') + 1));
    Message.Builder builder = any.toBuilder();
    if (type != null) {
      try {
        Message inner = DynamicMessage.parseFrom(type, value);
        Message rewritten = rewriteAnys(inner);
        if (rewritten != inner) {
          builder.setField(valueField, rewritten.toByteString());
        }
      } catch (InvalidProtocolBufferException e) {
        // Not a valid message of that type after all: show the raw bytes.
        type = null;
      }
    }
    if (type == null) {
      return builder
          .setField(urlField, UNKNOWN + encodeUrl(url) + "/" + BYTES_VALUE)
          .setField(valueField, BytesValue.of(value).toByteString())
          .build();
    }
    if (url.indexOf('/') < 0) {
      builder.setField(urlField, BARE + url);
    }
    return builder.build();
  }

  /**
   * The message with {@code f} applied to every Any in it (not inside the Anys: {@code f} does
   * that if it wants to). Returns the same instance if nothing changed.
   */
  private static Message mapAnys(Message message, UnaryOperator<Message> f) {
    if (message.getDescriptorForType().getFullName().equals(ANY)) {
      return f.apply(message);
    }
    Message.Builder builder = null;
    for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
      FieldDescriptor field = entry.getKey();
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (field.isRepeated()) {
        List<?> values = (List<?>) entry.getValue();
        for (int i = 0; i < values.size(); i++) {
          Message old = (Message) values.get(i);
          Message mapped = mapAnys(old, f);
          if (mapped != old) {
            builder = builder == null ? message.toBuilder() : builder;
            builder.setRepeatedField(field, i, mapped);
          }
        }
      } else {
        Message old = (Message) entry.getValue();
        Message mapped = mapAnys(old, f);
        if (mapped != old) {
          builder = builder == null ? message.toBuilder() : builder;
          builder.setField(field, mapped);
        }
      }
    }
    return builder == null ? message : builder.build();
  }

  /** Undoes {@link #rewriteAnys} in JsonFormat's output. */
  private static String restoreTypeUrl(String url) {
    if (url.startsWith(BARE)) {
      return url.substring(BARE.length());
    }
    return url.startsWith(UNKNOWN) ? decodeMarkedUrl(url) : url;
  }

  /**
   * Before parsing: a known type without a slash gets the {@link #BARE} prefix, and an unknown
   * type (its object holds base64 {@code "value"}, as {@link #print} shows it) is read as a
   * BytesValue Any.
   */
  private String markTypeUrl(String url) {
    if (registry.find(url.substring(url.lastIndexOf('/') + 1)) == null) {
      return UNKNOWN + encodeUrl(url) + "/" + BYTES_VALUE;
    }
    return url.indexOf('/') < 0 ? BARE + url : url;
  }

  /** Replaces every {@code "@type"} string in the tree by {@code f} of it. */
  private static void mapTypeUrls(JsonElement element, UnaryOperator<String> f) {
    if (element.isJsonArray()) {
      element.getAsJsonArray().forEach(e -> mapTypeUrls(e, f));
      return;
    }
    if (!element.isJsonObject()) {
      return;
    }
    JsonObject object = element.getAsJsonObject();
    JsonElement type = object.get(TYPE_KEY);
    if (type != null && type.isJsonPrimitive() && type.getAsJsonPrimitive().isString()) {
      object.add(TYPE_KEY, new JsonPrimitive(f.apply(type.getAsString())));
    }
    for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
      if (!entry.getKey().equals(TYPE_KEY)) {
        mapTypeUrls(entry.getValue(), f);
      }
    }
  }

  /** Undoes {@link #markTypeUrl} in the parsed message. */
  private Message unmarkAnys(Message message) {
    return mapAnys(message, this::unmarkAny);
  }

  private Message unmarkAny(Message any) {
    FieldDescriptor urlField = any.getDescriptorForType().findFieldByNumber(1);
    FieldDescriptor valueField = any.getDescriptorForType().findFieldByNumber(2);
    String url = (String) any.getField(urlField);
    ByteString value = (ByteString) any.getField(valueField);
    Message.Builder builder = any.toBuilder();
    try {
      if (url.startsWith(UNKNOWN)) {
        return builder
            .setField(urlField, decodeMarkedUrl(url))
            .setField(valueField, BytesValue.parseFrom(value).getValue())
            .build();
      }
      Descriptor type = registry.find(url.substring(url.lastIndexOf('/') + 1));
      if (type != null) {
        Message inner = DynamicMessage.parseFrom(type, value);
        Message unmarked = unmarkAnys(inner);
        if (unmarked != inner) {
          builder.setField(valueField, unmarked.toByteString());
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a message JsonFormat just wrote is unreadable", e);
    }
    if (url.startsWith(BARE)) {
      builder.setField(urlField, url.substring(BARE.length()));
    }
    return builder.build();
  }

  /** A type URL as one path segment of a marked URL: the hex of its UTF-8 bytes. */
  private static String encodeUrl(String url) {
    return HexFormat.of().formatHex(url.getBytes(StandardCharsets.UTF_8));
  }

  /** The type URL inside {@code UNKNOWN + encodeUrl(url) + "/" + BYTES_VALUE}. */
  private static String decodeMarkedUrl(String marked) {
    String hex = marked.substring(UNKNOWN.length(), marked.lastIndexOf('/'));
    return new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
  }
}
