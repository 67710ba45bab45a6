package dev.ttrpc.internal.transport;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.PeerCredentials;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Unix-socket transport: native epoll when Netty's epoll library loads, otherwise the JDK's
 * NIO Unix-domain channels (no peer credentials, no abstract sockets, no inherited descriptors),
 * announced by one log line.
 *
 * <p>Every client and server of the JVM shares one event loop group of daemon threads, created on
 * first use and sized to the processor count. Thread-safe.
 */
public final class Transport {
  private static final Logger log = LoggerFactory.getLogger(Transport.class);

  /**
   * System property that forces the NIO transport ({@code -Dttrpc.transport=nio}) even where
   * epoll is available; read whenever the shared group is created.
   */
  public static final String TRANSPORT_PROPERTY = "ttrpc.transport";

  private static EventLoopGroup sharedGroup;
  private static boolean epoll;

  private Transport() {}

  /** Whether the native epoll transport is in use. */
  public static synchronized boolean isEpoll() {
    group();
    return epoll;
  }

  /** The shared event loop group, (re)created if none is running. */
  public static synchronized EventLoopGroup group() {
    if (sharedGroup == null || sharedGroup.isShuttingDown()) {
      boolean forceNio = "nio".equalsIgnoreCase(System.getProperty(TRANSPORT_PROPERTY));
      epoll = !forceNio && Epoll.isAvailable();
      if (!epoll) {
        log.info(
            "ttrpc: using NIO Unix sockets ({}): no peer credentials, abstract sockets or"
                + " inherited descriptors",
            forceNio
                ? TRANSPORT_PROPERTY + "=nio"
                : "native epoll unavailable: " + Epoll.unavailabilityCause());
      }
      int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
      DefaultThreadFactory threadFactory = new DefaultThreadFactory("ttrpc-io", true);
      sharedGroup =
          new MultiThreadIoEventLoopGroup(
              threads,
              threadFactory,
              epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }
    return sharedGroup;
  }

  /**
   * Shuts the shared group down (it is recreated on next use). For tests and orderly process
   * exits; channels still open on it are closed.
   */
  public static synchronized Future<?> shutdownSharedGroup() {
    EventLoopGroup group = sharedGroup;
    sharedGroup = null;
    return group == null
        ? io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE.newSucceededFuture(null)
        : group.shutdownGracefully(0, 5, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** A client bootstrap on the shared group with the transport's channel type. */
  public static synchronized Bootstrap clientBootstrap() {
    return new Bootstrap()
        .group(group())
        .channel(epoll ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class);
  }

  /** A server bootstrap on the shared group with the transport's channel type. */
  public static synchronized ServerBootstrap serverBootstrap() {
    EventLoopGroup group = group();
    return new ServerBootstrap()
        .group(group, group)
        .channel(
            epoll ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class);
  }

  /**
   * A server bootstrap that adopts an already listening socket; start it with {@code register()},
   * not {@code bind()}.
   */
  public static synchronized ServerBootstrap inheritedServerBootstrap(int fd) throws IOException {
    EventLoopGroup group = group();
    if (!epoll) {
      throw new IOException(
          "serving on an inherited file descriptor needs the native epoll transport");
    }
    return new ServerBootstrap()
        .group(group, group)
        .channelFactory(() -> new EpollServerDomainSocketChannel(fd, true));
  }

  /**
   * Parses {@code unix:///path}, {@code unix://@name} (abstract), {@code @name} or a plain path.
   *
   * @throws IOException if the address cannot be used with this transport
   */
  public static SocketAddress address(String address) throws IOException {
    requireNonNull(address, "address");
    String path = address;
    if (path.startsWith("unix://")) {
      path = path.substring("unix://".length());
    } else if (path.startsWith("unix:")) {
      path = path.substring("unix:".length());
    }
    if (path.isEmpty()) {
      throw new IOException("invalid ttrpc address (no path): " + address);
    }
    boolean isAbstract = path.charAt(0) == '@';
    if (isEpoll()) {
      return new DomainSocketAddress(isAbstract ? "\0" + path.substring(1) : path);
    }
    if (isAbstract) {
      throw new IOException("abstract socket addresses need the native epoll transport: " + address);
    }
    return UnixDomainSocketAddress.of(path);
  }

  /** The credentials of a connected channel's peer, or {@link PeerCredentials#NONE}. */
  public static PeerCredentials peerCredentials(Channel channel) {
    if (channel instanceof EpollDomainSocketChannel) {
      try {
        io.netty.channel.unix.PeerCredentials c =
            ((EpollDomainSocketChannel) channel).peerCredentials();
        int[] gids = c.gids();
        return new PeerCredentials(
            c.pid(), c.uid(), gids.length > 0 ? gids[0] : PeerCredentials.UNKNOWN);
      } catch (IOException e) {
        log.debug("ttrpc: cannot read peer credentials of {}", channel, e);
      }
    }
    return PeerCredentials.NONE;
  }
}
