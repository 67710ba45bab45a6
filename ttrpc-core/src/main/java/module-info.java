/**
 * ttRPC for Java: client, server, descriptors and the building blocks of generated code. Only
 * {@code dev.ttrpc} is exported; the wire, transport and call layers are internal.
 */
module dev.ttrpc {
  // Protobuf types are part of the API (marshallers, status details).
  requires transitive com.google.protobuf;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.common;
  // Builders take an application-owned Netty EventLoopGroup.
  requires transitive io.netty.transport;
  requires io.netty.transport.classes.epoll;
  requires io.netty.transport.unix.common;
  requires org.slf4j;

  exports dev.ttrpc;
}
