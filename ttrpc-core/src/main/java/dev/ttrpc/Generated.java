package dev.ttrpc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class written by a code generator ({@code protoc-gen-ttrpc-java}). It is kept in the
 * class files so that coverage and analysis tools that skip generated code by an annotation named
 * {@code Generated} (JaCoCo, among others) recognise it; {@code javax.annotation.processing.Generated}
 * is source-only and outside {@code java.base}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Generated {

  /**
   * The generator, e.g. {@code protoc-gen-ttrpc-java}.
   *
   * @return the name of the tool that wrote the class
   */
  String value();

  /**
   * Where the class comes from, e.g. the {@code .proto} file.
   *
   * @return the source the class was generated from, or empty
   */
  String source() default "";
}
