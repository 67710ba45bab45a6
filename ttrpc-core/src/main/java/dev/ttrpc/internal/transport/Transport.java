package dev.ttrpc.internal.transport;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.PeerCredentials;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
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
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Unix-socket transport: native epoll when Netty's epoll library loads, otherwise the JDK's
 * NIO Unix-domain channels (no peer credentials, no abstract sockets, no inherited descriptors),
 * announced by one log line.
 *
 * <p>Clients and servers run on a {@link Loops} lease: either on the JVM's shared event loop group
 * of daemon threads (sized to the processor count), which is created by the first lease and shut
 * down when the last one is released, or on a group the application owns and shuts down itself.
 * Thread-safe.
 */
public final class Transport {
  private static final Logger log = LoggerFactory.getLogger(Transport.class);

  /**
   * System property that forces the NIO transport ({@code -Dttrpc.transport=nio}) even where
   * epoll is available; read whenever the shared group is created.
   */
  public static final String TRANSPORT_PROPERTY = "ttrpc.transport";

  private static EventLoopGroup sharedGroup;
  private static boolean sharedEpoll;
  private static int sharedLeases;

  private Transport() {}

  /** Whether the shared group uses (or would now use) the native epoll transport. */
  public static synchronized boolean isEpoll() {
    return sharedGroup != null ? sharedEpoll : chooseEpoll();
  }

  private static boolean chooseEpoll() {
    return !"nio".equalsIgnoreCase(System.getProperty(TRANSPORT_PROPERTY)) && Epoll.isAvailable();
  }

  /** A lease on the shared group, created if none is running; release it when done. */
  public static synchronized Loops acquireShared() {
    if (sharedGroup == null) {
      boolean forceNio = "nio".equalsIgnoreCase(System.getProperty(TRANSPORT_PROPERTY));
      sharedEpoll = chooseEpoll();
      if (!sharedEpoll) {
        log.info(
            "ttrpc: using NIO Unix sockets ({}): no peer credentials, abstract sockets or"
                + " inherited descriptors",
            forceNio
                ? TRANSPORT_PROPERTY + "=nio"
                : "native epoll unavailable: " + Epoll.unavailabilityCause());
      }
      int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
      sharedGroup =
          new MultiThreadIoEventLoopGroup(
              threads,
              new DefaultThreadFactory("ttrpc-io", true),
              sharedEpoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }
    sharedLeases++;
    return new Loops(sharedGroup, sharedEpoll, true);
  }

  private static synchronized void releaseShared(EventLoopGroup group) {
    if (group != sharedGroup) {
      throw new IllegalStateException("lease of a group that is no longer shared");
    }
    if (--sharedLeases == 0) {
      sharedGroup = null;
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    }
  }

  /** Leases currently held on the shared group (0 once it is shut down). */
  public static synchronized int sharedLeases() {
    return sharedLeases;
  }

  /**
   * A lease on a group the application owns: releasing it does nothing, the application shuts the
   * group down.
   *
   * @throws IllegalArgumentException unless the group runs Netty's epoll or NIO I/O handler
   */
  public static Loops of(EventLoopGroup group) {
    requireNonNull(group, "group");
    if (group instanceof IoEventLoopGroup) {
      IoEventLoopGroup io = (IoEventLoopGroup) group;
      if (io.isIoType(EpollIoHandler.class)) {
        return new Loops(group, true, false);
      }
      if (io.isIoType(NioIoHandler.class)) {
        return new Loops(group, false, false);
      }
    }
    throw new IllegalArgumentException(
        "the event loop group must run Netty's epoll or NIO I/O handler"
            + " (a MultiThreadIoEventLoopGroup with EpollIoHandler or NioIoHandler): "
            + group);
  }

  /**
   * An event loop group in use by one client or server, with the matching channel types. Release
   * it exactly once, when the client or server is closed.
   */
  public static final class Loops {
    private final EventLoopGroup group;
    private final boolean epoll;
    private final boolean shared;
    private final AtomicBoolean released = new AtomicBoolean();

    private Loops(EventLoopGroup group, boolean epoll, boolean shared) {
      this.group = group;
      this.epoll = epoll;
      this.shared = shared;
    }

    public EventLoopGroup group() {
      return group;
    }

    /** Whether the channels are native epoll channels. */
    public boolean isEpoll() {
      return epoll;
    }

    /** Gives the lease back (once; later calls do nothing). */
    public void release() {
      if (released.compareAndSet(false, true) && shared) {
        releaseShared(group);
      }
    }

    /** A client bootstrap with the transport's channel type. */
    public Bootstrap clientBootstrap() {
      return new Bootstrap()
          .group(group)
          .channel(epoll ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class);
    }

    /** A server bootstrap with the transport's channel type. */
    public ServerBootstrap serverBootstrap() {
      return new ServerBootstrap()
          .group(group, group)
          .channel(
              epoll ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class);
    }

    /**
     * A server bootstrap that adopts an already listening socket; start it with {@code register()},
     * not {@code bind()}.
     */
    public ServerBootstrap inheritedServerBootstrap(int fd) throws IOException {
      if (!epoll) {
        throw new IOException(
            "serving on an inherited file descriptor needs the native epoll transport");
      }
      return new ServerBootstrap()
          .group(group, group)
          .channelFactory(() -> new EpollServerDomainSocketChannel(fd, true));
    }

    /** {@link Transport#address(String, boolean)} for this transport. */
    public SocketAddress address(String address) throws IOException {
      return Transport.address(address, epoll);
    }
  }

  /** {@link #address(String, boolean)} for the shared group's transport. */
  public static SocketAddress address(String address) throws IOException {
    return address(address, isEpoll());
  }

  /**
   * Parses {@code unix:///path}, {@code unix://@name} (abstract), {@code @name} or a plain path.
   *
   * @throws IOException if the address cannot be used with this transport
   */
  public static SocketAddress address(String address, boolean epoll) throws IOException {
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
    if (epoll) {
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
