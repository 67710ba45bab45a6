package dev.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.StringValue;
import dev.ttrpc.ServerHandlers.UnaryHandler;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceDefinitionTest {
  private static final Marshaller<StringValue> STRING =
      Marshaller.protobuf(StringValue.getDefaultInstance());
  private static final MethodDescriptor<StringValue, StringValue> ECHO =
      MethodDescriptor.unary("demo.v1.Echo", "Echo", STRING, STRING);
  private static final MethodDescriptor<StringValue, StringValue> STREAM =
      MethodDescriptor.of(MethodType.BIDI_STREAMING, "demo.v1.Echo", "Chat", STRING, STRING);

  @Test
  void withServiceNameServesTheSameHandlersUnderTheNewName() {
    UnaryHandler<StringValue, StringValue> echo = (request, context) -> request;
    ServiceDefinition v1 =
        ServiceDefinition.builder("demo.v1.Echo")
            .unary(ECHO, echo)
            .bidiStreaming(STREAM, (requests, responses, context) -> {})
            .build();

    ServiceDefinition v2 = v1.withServiceName("demo.v2.Echo");

    assertEquals("demo.v2.Echo", v2.name());
    assertEquals(
        List.of("Echo", "Chat"),
        v2.methods().stream().map(m -> m.descriptor().methodName()).toList());
    ServerMethod<?, ?> renamed = v2.method("Echo");
    assertEquals("/demo.v2.Echo/Echo", renamed.descriptor().fullMethodName());
    assertEquals(MethodType.UNARY, renamed.descriptor().type());
    assertSame(STRING, renamed.descriptor().requestMarshaller());
    assertSame(echo, renamed.unaryHandler());
    assertEquals(MethodType.BIDI_STREAMING, v2.method("Chat").descriptor().type());
    assertEquals("demo.v1.Echo", v1.name(), "the original is unchanged");
    assertEquals("/demo.v1.Echo/Echo", v1.method("Echo").descriptor().fullMethodName());
  }

  @Test
  void builderRejectsForeignAndDuplicateMethods() {
    ServiceDefinition.Builder b = ServiceDefinition.builder("demo.v2.Echo");
    assertThrows(IllegalArgumentException.class, () -> b.unary(ECHO, (r, c) -> r));
    ServiceDefinition.Builder same =
        ServiceDefinition.builder("demo.v1.Echo").unary(ECHO, (r, c) -> r);
    assertThrows(IllegalArgumentException.class, () -> same.unary(ECHO, (r, c) -> r));
    assertNull(same.build().method("Missing"));
  }
}
