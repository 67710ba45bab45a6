package dev.ttrpc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JavaIdentifiersTest {

  @ParameterizedTest
  @CsvSource({
    "greeter_service, GreeterService",
    "foo-bar, FooBar",
    "my2x, My2X",
    "types, Types",
    "ed2024, Ed2024",
    "HTTPServer, HTTPServer",
    "a.b_c, ABC",
    "__x__, X",
    "v1_api, V1Api",
  })
  void underscoresToCamelCaseMatchesProtocForFileNames(String input, String expected) {
    assertEquals(expected, JavaIdentifiers.underscoresToCamelCase(input, true));
  }

  @Test
  void underscoresToCamelCaseLowersLeadingCapitalWhenNotCapitalizing() {
    assertEquals("fooBar", JavaIdentifiers.underscoresToCamelCase("Foo_bar", false));
  }

  @ParameterizedTest
  @CsvSource({
    "SayHello, sayHello",
    "send_inner, sendInner",
    "Default, default",
    "do, do",
    "Get2Things, get2Things",
    "HTTPGet, hTTPGet",
    "a_b_c, aBC",
    "_Leading, _Leading",
  })
  void mixedLowerMatchesGrpcJava(String input, String expected) {
    assertEquals(expected, JavaIdentifiers.mixedLower(input));
  }

  @ParameterizedTest
  @CsvSource({
    "SayHello, SAY_HELLO",
    "send_inner, SEND_INNER",
    "HTTPGet, HTTPGET",
    "getURLFor, GET_URLFOR",
    "Get2Things, GET2THINGS",
  })
  void upperSnakeSplitsAtLowerToUpper(String input, String expected) {
    assertEquals(expected, JavaIdentifiers.upperSnake(input));
  }

  @Test
  void mixedUpperCapitalizesFirstLetter() {
    assertEquals("SendInner", JavaIdentifiers.mixedUpper("send_inner"));
    assertEquals("Default", JavaIdentifiers.mixedUpper("Default"));
  }

  @Test
  void keywordsIncludeLiteralsButNotContextualWords() {
    assertTrue(JavaIdentifiers.isKeyword("default"));
    assertTrue(JavaIdentifiers.isKeyword("true"));
    assertTrue(JavaIdentifiers.isKeyword("null"));
    assertTrue(JavaIdentifiers.isKeyword("goto"));
    assertFalse(JavaIdentifiers.isKeyword("record"));
    assertFalse(JavaIdentifiers.isKeyword("var"));
    assertFalse(JavaIdentifiers.isKeyword("Default"));
  }
}
