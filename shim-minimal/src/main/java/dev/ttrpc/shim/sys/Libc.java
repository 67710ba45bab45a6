package dev.ttrpc.shim.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.util.Objects.requireNonNull;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The libc calls a containerd shim needs and the JDK lacks, bound with the FFM API (Linux,
 * x86_64 and aarch64 glibc layouts). Every failing call throws an {@link ErrnoException} naming
 * the call and its {@code errno}; nothing here returns a bare {@code -1}.
 *
 * <p>Thread-safe (the functions are). Blocking calls ({@link #waitid}, {@link #read}, {@link
 * #accept}) pin a virtual thread: call them on platform threads. Requires {@code
 * --enable-native-access=ALL-UNNAMED} (or the module's equivalent) to run without a warning.
 */
@SuppressWarnings("restricted") // FFM downcalls are this class's purpose.
public final class Libc {
  // Signals (the numbers are the same on x86_64 and aarch64).
  public static final int SIGHUP = 1;
  public static final int SIGINT = 2;
  public static final int SIGKILL = 9;
  public static final int SIGUSR1 = 10;
  public static final int SIGTERM = 15;
  public static final int SIGCHLD = 17;
  public static final int SIGCONT = 18;
  public static final int SIGSTOP = 19;

  // open(2) flags.
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_CREAT = 0100;
  public static final int O_NOCTTY = 0400;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_CLOEXEC = 02000000;

  // waitid(2).
  public static final int P_ALL = 0;
  public static final int P_PID = 1;
  public static final int P_PIDFD = 3;
  public static final int WNOHANG = 1;
  public static final int WEXITED = 4;
  public static final int WNOWAIT = 0x01000000;
  public static final int CLD_EXITED = 1;
  public static final int CLD_KILLED = 2;
  public static final int CLD_DUMPED = 3;

  private static final int PR_SET_CHILD_SUBREAPER = 36;
  private static final int PR_GET_CHILD_SUBREAPER = 37;
  private static final long SYS_PIDFD_OPEN = 434;
  private static final long TIOCGWINSZ = 0x5413;
  private static final long TIOCSWINSZ = 0x5414;
  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int F_DUPFD_CLOEXEC = 1030;
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_CLOEXEC = O_CLOEXEC;
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;
  private static final int SUN_PATH_MAX = 108;
  private static final int MSG_CMSG_CLOEXEC = 0x40000000;
  private static final int ENAMETOOLONG = 36;
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final short POSIX_SPAWN_SETSID = 0x80;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
  private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));
  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  // One holder class per function: a downcall handle is linked when its function is first
  // called, not all at class initialisation. Linking spins classes at run time that the AOT
  // cache cannot hold (a few ms each), and `start` and the daemon each need only a few.

  private static final class Getpid {
    static final MethodHandle H =
        plain("getpid", FunctionDescriptor.of(JAVA_INT));
  }

  private static final class Getuid {
    static final MethodHandle H =
        plain("getuid", FunctionDescriptor.of(JAVA_INT));
  }

  private static final class Geteuid {
    static final MethodHandle H =
        plain("geteuid", FunctionDescriptor.of(JAVA_INT));
  }

  private static final class Getgid {
    static final MethodHandle H =
        plain("getgid", FunctionDescriptor.of(JAVA_INT));
  }

  private static final class Getegid {
    static final MethodHandle H =
        plain("getegid", FunctionDescriptor.of(JAVA_INT));
  }

  private static final class Strerror {
    static final MethodHandle H =
        plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
  }

  private static final class Kill {
    static final MethodHandle H =
        errno("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }

  private static final class Prctl {
    static final MethodHandle H =
        errno(
            "prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
  }

  private static final class Waitid {
    static final MethodHandle H =
        errno("waitid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class Syscall2 {
    static final MethodHandle H =
        errno(
            "syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
  }

  private static final class Setsid {
    static final MethodHandle H =
        errno("setsid", FunctionDescriptor.of(JAVA_INT));
  }

  private static final class Mkfifo {
    static final MethodHandle H =
        errno("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class Openpty {
    static final MethodHandle H =
        errno(
            "openpty",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
  }

  private static final class IoctlPtr {
    static final MethodHandle H =
        errno(
            "ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2));
  }

  private static final class Fcntl {
    static final MethodHandle H =
        errno(
            "fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
  }

  private static final class Open {
    static final MethodHandle H =
        errno(
            "open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
  }

  private static final class Close {
    static final MethodHandle H =
        errno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  }

  private static final class Dup2 {
    static final MethodHandle H =
        errno("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }

  private static final class Pipe2 {
    static final MethodHandle H =
        errno("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class Read {
    static final MethodHandle H =
        errno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  }

  private static final class Write {
    static final MethodHandle H =
        errno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  }

  private static final class Splice {
    static final MethodHandle H =
        errno("splice", FunctionDescriptor.of(
            JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  }

  private static final class Socket {
    static final MethodHandle H =
        errno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  }

  private static final class Bind {
    static final MethodHandle H =
        errno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class Connect {
    static final MethodHandle H =
        errno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class Listen {
    static final MethodHandle H =
        errno("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }

  private static final class Accept4 {
    static final MethodHandle H =
        errno("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
  }

  private static final class Recvmsg {
    static final MethodHandle H =
        errno("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class PosixSpawn {
    static final MethodHandle H =
        plain(
            "posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
  }

  private static final class FaInit {
    static final MethodHandle H =
        plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class FaDestroy {
    static final MethodHandle H =
        plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class FaAdddup2 {
    static final MethodHandle H =
        plain(
            "posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  }

  private static final class FaAddopen {
    static final MethodHandle H =
        plain(
            "posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
  }

  private static final class FaAddchdir {
    static final MethodHandle H =
        optional(
            "posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }

  private static final class FaAddclosefrom {
    static final MethodHandle H =
        optional(
            "posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  }

  private static final class AttrInit {
    static final MethodHandle H =
        plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class AttrDestroy {
    static final MethodHandle H =
        plain("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class AttrSetflags {
    static final MethodHandle H =
        plain("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
  }

  private static final class AttrSetsigmask {
    static final MethodHandle H =
        plain("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }

  private static final class AttrSetsigdefault {
    static final MethodHandle H =
        plain("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
  }

  private static final class Sigemptyset {
    static final MethodHandle H =
        plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class Sigfillset {
    static final MethodHandle H =
        plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
  }

  private static final class Mount {
    static final MethodHandle H =
        errno(
            "mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
  }

  private static final class Umount2 {
    static final MethodHandle H =
        errno("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  }


  /** Generous sizes for glibc's opaque spawn structures (80 and 336 bytes on x86_64). */
  private static final long SPAWN_STRUCT_SIZE = 1024;

  private static final long SIGINFO_SIZE = 128;
  private static final long SIGINFO_PID = 16;
  private static final long SIGINFO_STATUS = 24;
  private static final long SIGINFO_CODE = 8;

  private Libc() {}

  private static MethodHandle plain(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(find(name), fd);
  }

  private static MethodHandle errno(String name, FunctionDescriptor fd, Linker.Option... extra) {
    Linker.Option[] options = new Linker.Option[extra.length + 1];
    options[0] = CAPTURE_ERRNO;
    System.arraycopy(extra, 0, options, 1, extra.length);
    return LINKER.downcallHandle(find(name), fd, options);
  }

  private static MethodHandle optional(String name, FunctionDescriptor fd) {
    Optional<MemorySegment> sym = LOOKUP.find(name);
    return sym.map(s -> LINKER.downcallHandle(s, fd)).orElse(null);
  }

  private static MemorySegment find(String name) {
    return LOOKUP
        .find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
  }

  private static int errnoOf(MemorySegment capture) {
    return (int) ERRNO.get(capture, 0L);
  }

  /** Rethrows what a downcall can throw: nothing checked, so wrap only Errors and runtime ones. */
  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }

  // ---- identity ----------------------------------------------------------------------------

  public static int getpid() {
    try {
      return (int) Getpid.H.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int getuid() {
    try {
      return (int) Getuid.H.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int geteuid() {
    try {
      return (int) Geteuid.H.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int getgid() {
    try {
      return (int) Getgid.H.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static int getegid() {
    try {
      return (int) Getegid.H.invokeExact();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static String strerror(int errno) {
    try {
      MemorySegment s = (MemorySegment) Strerror.H.invokeExact(errno);
      return s.reinterpret(256).getString(0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  // ---- signals and processes ---------------------------------------------------------------

  /** Sends {@code sig} to {@code pid} (negative: a process group; 0 as sig: existence check). */
  public static void kill(int pid, int sig) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int rc = (int) Kill.H.invokeExact(cap, pid, sig);
      if (rc != 0) {
        throw new ErrnoException("kill(" + pid + ", " + sig + ")", errnoOf(cap));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Whether a process with this pid exists (a zombie counts); EPERM also means it exists. */
  public static boolean processExists(int pid) {
    try {
      kill(pid, 0);
      return true;
    } catch (ErrnoException e) {
      return e.errno() == Errno.EPERM;
    }
  }

  /** Makes this process a child subreaper: orphaned descendants are re-parented to it. */
  public static void setChildSubreaper(boolean on) throws ErrnoException {
    prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, "prctl(PR_SET_CHILD_SUBREAPER)");
  }

  /** Whether this process is a child subreaper. */
  public static boolean isChildSubreaper() throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(JAVA_INT);
      prctl(PR_GET_CHILD_SUBREAPER, value.address(), "prctl(PR_GET_CHILD_SUBREAPER)");
      return value.get(JAVA_INT, 0) != 0;
    }
  }

  private static void prctl(int option, long arg, String what) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int rc = (int) Prctl.H.invokeExact(cap, option, arg, 0L, 0L, 0L);
      if (rc != 0) {
        throw new ErrnoException(what, errnoOf(cap));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Opens a pidfd for {@code pid} (close-on-exec). */
  public static int pidfdOpen(int pid) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      long rc = (long) Syscall2.H.invokeExact(cap, SYS_PIDFD_OPEN, (long) pid, 0L);
      if (rc < 0) {
        throw new ErrnoException("pidfd_open(" + pid + ")", errnoOf(cap));
      }
      return (int) rc;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** How a child ended, as {@code waitid} reports it. */
  public record WaitResult(int pid, int code, int status) {
    /** The shell-style status: the exit code, or 128 + signal for a killed process. */
    public int exitStatus() {
      return code == CLD_EXITED ? status : 128 + status;
    }
  }

  /**
   * {@code waitid(idtype, id, &info, options)}; returns null when {@link #WNOHANG} is set and no
   * child has changed state. Retries on EINTR.
   */
  public static WaitResult waitid(int idtype, int id, int options) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment info = arena.allocate(SIGINFO_SIZE, 8);
      while (true) {
        info.fill((byte) 0);
        int rc = (int) Waitid.H.invokeExact(cap, idtype, id, info, options);
        if (rc != 0) {
          int err = errnoOf(cap);
          if (err == Errno.EINTR) {
            continue;
          }
          throw new ErrnoException("waitid(" + idtype + ", " + id + ")", err);
        }
        int pid = info.get(JAVA_INT, SIGINFO_PID);
        if (pid == 0) {
          return null;
        }
        return new WaitResult(
            pid, info.get(JAVA_INT, SIGINFO_CODE), info.get(JAVA_INT, SIGINFO_STATUS));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Starts a new session with this process as its leader; returns the session id. */
  public static int setsid() throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int rc = (int) Setsid.H.invokeExact(cap);
      if (rc < 0) {
        throw new ErrnoException("setsid()", errnoOf(cap));
      }
      return rc;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** What {@link #spawn} does to the child's file descriptors and session. */
  public record SpawnOptions(Path cwd, Map<Integer, Integer> dupFds, boolean newSession) {
    public SpawnOptions {
      dupFds = Map.copyOf(dupFds);
    }
  }

  /**
   * Starts {@code argv[0]} (an absolute path) with {@code posix_spawn}: stdin/stdout/stderr on
   * {@code /dev/null} unless {@code dupFds} maps them, each {@code dupFds} entry (child fd →
   * parent fd) duplicated, every other descriptor above the mapped ones closed, signal mask and
   * dispositions reset, optionally in a new session. The child is NOT reaped by the JDK: the
   * caller owns its exit status (or lets it be re-parented by exiting).
   */
  public static int spawn(List<String> argv, Map<String, String> env, SpawnOptions options)
      throws ErrnoException {
    requireNonNull(argv, "argv");
    requireNonNull(env, "env");
    requireNonNull(options, "options");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment fa = arena.allocate(SPAWN_STRUCT_SIZE, 16);
      MemorySegment attr = arena.allocate(SPAWN_STRUCT_SIZE, 16);
      MemorySegment empty = arena.allocate(SPAWN_STRUCT_SIZE, 16);
      MemorySegment all = arena.allocate(SPAWN_STRUCT_SIZE, 16);
      checkZero((int) FaInit.H.invokeExact(fa), "posix_spawn_file_actions_init");
      checkZero((int) AttrInit.H.invokeExact(attr), "posix_spawnattr_init");
      try {
        MemorySegment devNull = arena.allocateFrom("/dev/null");
        int maxFd = 2;
        for (int childFd = 0; childFd <= 2; childFd++) {
          if (!options.dupFds().containsKey(childFd)) {
            int flags = childFd == 0 ? O_RDONLY : O_WRONLY;
            checkZero(
                (int) FaAddopen.H.invokeExact(fa, childFd, devNull, flags, 0),
                "posix_spawn_file_actions_addopen");
          }
        }
        for (Map.Entry<Integer, Integer> e : options.dupFds().entrySet()) {
          checkZero(
              (int) FaAdddup2.H.invokeExact(fa, (int) e.getValue(), (int) e.getKey()),
              "posix_spawn_file_actions_adddup2");
          maxFd = Math.max(maxFd, e.getKey());
        }
        if (FaAddclosefrom.H != null) {
          checkZero(
              (int) FaAddclosefrom.H.invokeExact(fa, maxFd + 1),
              "posix_spawn_file_actions_addclosefrom_np");
        }
        if (options.cwd() != null) {
          if (FaAddchdir.H == null) {
            throw new ErrnoException("posix_spawn_file_actions_addchdir_np", Errno.ENOSYS);
          }
          checkZero(
              (int) FaAddchdir.H.invokeExact(fa, arena.allocateFrom(options.cwd().toString())),
              "posix_spawn_file_actions_addchdir_np");
        }
        checkZero((int) Sigemptyset.H.invokeExact(empty), "sigemptyset");
        checkZero((int) Sigfillset.H.invokeExact(all), "sigfillset");
        checkZero((int) AttrSetsigmask.H.invokeExact(attr, empty), "posix_spawnattr_setsigmask");
        checkZero(
            (int) AttrSetsigdefault.H.invokeExact(attr, all), "posix_spawnattr_setsigdefault");
        short flags = (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        if (options.newSession()) {
          flags |= POSIX_SPAWN_SETSID;
        }
        checkZero((int) AttrSetflags.H.invokeExact(attr, flags), "posix_spawnattr_setflags");

        MemorySegment argvArr = stringArray(arena, argv);
        MemorySegment envArr =
            stringArray(
                arena,
                env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
        MemorySegment pid = arena.allocate(JAVA_INT);
        int rc =
            (int)
                PosixSpawn.H.invokeExact(
                    pid, arena.allocateFrom(argv.get(0)), fa, attr, argvArr, envArr);
        if (rc != 0) {
          throw new ErrnoException("posix_spawn(" + argv.get(0) + ")", rc);
        }
        return pid.get(JAVA_INT, 0);
      } finally {
        int ignored = (int) FaDestroy.H.invokeExact(fa);
        ignored = (int) AttrDestroy.H.invokeExact(attr);
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static MemorySegment stringArray(Arena arena, List<String> strings) {
    MemorySegment arr = arena.allocate(ADDRESS, strings.size() + 1L);
    for (int i = 0; i < strings.size(); i++) {
      arr.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
    }
    arr.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
    return arr;
  }

  private static void checkZero(int rc, String what) throws ErrnoException {
    if (rc != 0) {
      throw new ErrnoException(what, rc);
    }
  }

  // ---- files and descriptors ---------------------------------------------------------------

  /** Creates a FIFO at {@code path} with the given mode (before umask). */
  public static void mkfifo(Path path, int mode) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int rc = (int) Mkfifo.H.invokeExact(cap, arena.allocateFrom(path.toString()), mode);
      if (rc != 0) {
        throw new ErrnoException("mkfifo(" + path + ")", errnoOf(cap));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** {@code open(path, flags, mode)}; returns the descriptor. */
  public static int open(Path path, int flags, int mode) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int fd = (int) Open.H.invokeExact(cap, arena.allocateFrom(path.toString()), flags, mode);
      if (fd < 0) {
        throw new ErrnoException("open(" + path + ")", errnoOf(cap));
      }
      return fd;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public static void close(int fd) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      if ((int) Close.H.invokeExact(cap, fd) != 0) {
        throw new ErrnoException("close(" + fd + ")", errnoOf(cap));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Closes {@code fd}, ignoring errors (for cleanup paths); negative values are skipped. */
  public static void closeQuietly(int fd) {
    if (fd >= 0) {
      try {
        close(fd);
      } catch (ErrnoException ignored) {
        // Cleanup: the descriptor is gone either way.
      }
    }
  }

  public static void dup2(int oldFd, int newFd) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      if ((int) Dup2.H.invokeExact(cap, oldFd, newFd) < 0) {
        throw new ErrnoException("dup2(" + oldFd + ", " + newFd + ")", errnoOf(cap));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A close-on-exec duplicate of {@code fd}. */
  public static int dup(int fd) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int copy = (int) Fcntl.H.invokeExact(cap, fd, F_DUPFD_CLOEXEC, 0L);
      if (copy < 0) {
        throw new ErrnoException("fcntl(" + fd + ", F_DUPFD_CLOEXEC)", errnoOf(cap));
      }
      return copy;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A close-on-exec pipe: {@code [readFd, writeFd]}. */
  public static int[] pipe() throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      if ((int) Pipe2.H.invokeExact(cap, fds, O_CLOEXEC) != 0) {
        throw new ErrnoException("pipe2()", errnoOf(cap));
      }
      return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Sets or clears {@code O_NONBLOCK} on {@code fd}. */
  public static void setNonBlocking(int fd, boolean on) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int flags = (int) Fcntl.H.invokeExact(cap, fd, F_GETFL, 0L);
      if (flags < 0) {
        throw new ErrnoException("fcntl(" + fd + ", F_GETFL)", errnoOf(cap));
      }
      int wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
      if ((int) Fcntl.H.invokeExact(cap, fd, F_SETFL, (long) wanted) < 0) {
        throw new ErrnoException("fcntl(" + fd + ", F_SETFL)", errnoOf(cap));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Reads up to {@code length} bytes into {@code buffer}; returns the count, 0 at end of file.
   * Retries on EINTR. {@code EIO} on a pty master whose slave side is closed counts as end of
   * file, since that is how Linux reports it.
   */
  public static int read(int fd, MemorySegment buffer, long length) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      while (true) {
        long n = (long) Read.H.invokeExact(cap, fd, buffer, length);
        if (n >= 0) {
          return (int) n;
        }
        int err = errnoOf(cap);
        if (err == Errno.EINTR) {
          continue;
        }
        if (err == Errno.EIO) {
          return 0;
        }
        throw new ErrnoException("read(" + fd + ")", err);
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** splice(2) flag: move pages instead of copying where the kernel can. */
  public static final int SPLICE_F_MOVE = 1;

  /**
   * Moves up to {@code length} bytes from {@code in} to {@code out} inside the kernel with
   * splice(2) (one of them must be a pipe), at the descriptors' current positions; retries on
   * EINTR. Returns the bytes moved, 0 at end of input. Blocks like read/write on blocking
   * descriptors. Fails with EINVAL where the kernel cannot splice (e.g. an O_APPEND file): the
   * caller then copies with read/write.
   */
  public static long splice(int in, int out, long length, int flags) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      while (true) {
        long n =
            (long) Splice.H.invokeExact(
                cap, in, MemorySegment.NULL, out, MemorySegment.NULL, length, flags);
        if (n >= 0) {
          return n;
        }
        int err = errnoOf(cap);
        if (err != Errno.EINTR) {
          throw new ErrnoException("splice(" + in + ", " + out + ")", err);
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Writes all {@code length} bytes of {@code buffer}, looping over short writes and EINTR. */
  public static void writeFully(int fd, MemorySegment buffer, long length) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      long off = 0;
      while (off < length) {
        long n = (long) Write.H.invokeExact(cap, fd, buffer.asSlice(off), length - off);
        if (n < 0) {
          int err = errnoOf(cap);
          if (err == Errno.EINTR) {
            continue;
          }
          throw new ErrnoException("write(" + fd + ")", err);
        }
        off += n;
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  // ---- mounts ------------------------------------------------------------------------------

  /** umount2(2) flag: detach now, finish when the mount is no longer busy (lazy unmount). */
  public static final int MNT_DETACH = 2;

  /**
   * {@code mount(source, target, fstype, flags, data)}, mount(2) as is: the caller turns
   * fstab-style options into {@code flags} and {@code data}. A null {@code source}, {@code
   * fstype} or {@code data} is passed as NULL (as the kernel wants for a propagation change or
   * a remount). Retries on EINTR.
   */
  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment src = source == null ? MemorySegment.NULL : arena.allocateFrom(source);
      MemorySegment tgt = arena.allocateFrom(target.toString());
      MemorySegment type = fstype == null ? MemorySegment.NULL : arena.allocateFrom(fstype);
      MemorySegment dat = data == null ? MemorySegment.NULL : arena.allocateFrom(data);
      while (true) {
        int rc = (int) Mount.H.invokeExact(cap, src, tgt, type, flags, dat);
        if (rc == 0) {
          return;
        }
        int err = errnoOf(cap);
        if (err != Errno.EINTR) {
          throw new ErrnoException(
              "mount(" + source + ", " + target + ", " + fstype + ", 0x" + Long.toHexString(flags)
                  + ")",
              err);
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Links mount(2) and umount2(2) now rather than in the first Create with a rootfs (see {@link
   * #linkStdioCalls}). Thread-safe; links each function once.
   */
  public static void linkMountCalls() {
    for (MethodHandle h : new MethodHandle[] {Mount.H, Umount2.H}) {
      java.util.Objects.requireNonNull(h);
    }
  }

  /** {@code umount2(target, flags)}; EINVAL means {@code target} is not a mount point. */
  public static void umount2(Path target, int flags) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment tgt = arena.allocateFrom(target.toString());
      while (true) {
        int rc = (int) Umount2.H.invokeExact(cap, tgt, flags);
        if (rc == 0) {
          return;
        }
        int err = errnoOf(cap);
        if (err != Errno.EINTR) {
          throw new ErrnoException("umount2(" + target + ", " + flags + ")", err);
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  // ---- terminals ---------------------------------------------------------------------------

  /** A pseudo-terminal pair from {@link #openpty}. */
  public record Pty(int master, int slave) {}

  /** A terminal size in character cells. */
  public record Winsize(int rows, int cols) {}

  /** Allocates a pseudo-terminal, optionally with an initial size (null: the kernel default). */
  public static Pty openpty(Winsize size) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment master = arena.allocate(JAVA_INT);
      MemorySegment slave = arena.allocate(JAVA_INT);
      MemorySegment ws = size == null ? MemorySegment.NULL : winsize(arena, size);
      int rc =
          (int)
              Openpty.H.invokeExact(
                  cap, master, slave, MemorySegment.NULL, MemorySegment.NULL, ws);
      if (rc != 0) {
        throw new ErrnoException("openpty()", errnoOf(cap));
      }
      return new Pty(master.get(JAVA_INT, 0), slave.get(JAVA_INT, 0));
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static MemorySegment winsize(Arena arena, Winsize size) {
    MemorySegment ws = arena.allocate(8, 2);
    ws.set(JAVA_SHORT, 0, (short) size.rows());
    ws.set(JAVA_SHORT, 2, (short) size.cols());
    return ws;
  }

  /** {@code ioctl(fd, TIOCSWINSZ)}: sets the terminal size. */
  public static void setWinsize(int fd, Winsize size) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      if ((int) IoctlPtr.H.invokeExact(cap, fd, TIOCSWINSZ, winsize(arena, size)) != 0) {
        throw new ErrnoException("ioctl(" + fd + ", TIOCSWINSZ)", errnoOf(cap));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** {@code ioctl(fd, TIOCGWINSZ)}: reads the terminal size. */
  public static Winsize getWinsize(int fd) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment ws = arena.allocate(8, 2);
      if ((int) IoctlPtr.H.invokeExact(cap, fd, TIOCGWINSZ, ws) != 0) {
        throw new ErrnoException("ioctl(" + fd + ", TIOCGWINSZ)", errnoOf(cap));
      }
      return new Winsize(
          Short.toUnsignedInt(ws.get(JAVA_SHORT, 0)), Short.toUnsignedInt(ws.get(JAVA_SHORT, 2)));
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  // ---- unix sockets ------------------------------------------------------------------------

  private static MemorySegment sockaddr(Arena arena, Path path) throws ErrnoException {
    byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= SUN_PATH_MAX) {
      throw new ErrnoException("unix socket path too long (" + bytes.length + "): " + path, ENAMETOOLONG);
    }
    MemorySegment sa = arena.allocate(2 + SUN_PATH_MAX, 2);
    sa.set(JAVA_SHORT, 0, (short) AF_UNIX);
    MemorySegment.copy(bytes, 0, sa, JAVA_BYTE_LAYOUT, 2, bytes.length);
    return sa;
  }

  private static final java.lang.foreign.ValueLayout.OfByte JAVA_BYTE_LAYOUT =
      java.lang.foreign.ValueLayout.JAVA_BYTE;

  private static int socket() throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int fd = (int) Socket.H.invokeExact(cap, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        throw new ErrnoException("socket(AF_UNIX)", errnoOf(cap));
      }
      return fd;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Binds and listens on a Unix socket file; fails with {@code EADDRINUSE} if the file exists
   * (unlike Netty's bind, which unlinks it first). Returns the listening descriptor
   * (close-on-exec).
   */
  public static int unixListen(Path path, int backlog) throws ErrnoException {
    int fd = socket();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment sa = sockaddr(arena, path);
      if ((int) Bind.H.invokeExact(cap, fd, sa, (int) sa.byteSize()) != 0) {
        throw new ErrnoException("bind(" + path + ")", errnoOf(cap));
      }
      if ((int) Listen.H.invokeExact(cap, fd, backlog) != 0) {
        throw new ErrnoException("listen(" + path + ")", errnoOf(cap));
      }
      return fd;
    } catch (Throwable t) {
      closeQuietly(fd);
      if (t instanceof ErrnoException e) {
        throw e;
      }
      throw rethrow(t);
    }
  }

  /** Connects to a Unix socket file; returns the connected descriptor (close-on-exec). */
  public static int unixConnect(Path path) throws ErrnoException {
    int fd = socket();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment sa = sockaddr(arena, path);
      if ((int) Connect.H.invokeExact(cap, fd, sa, (int) sa.byteSize()) != 0) {
        throw new ErrnoException("connect(" + path + ")", errnoOf(cap));
      }
      return fd;
    } catch (Throwable t) {
      closeQuietly(fd);
      if (t instanceof ErrnoException e) {
        throw e;
      }
      throw rethrow(t);
    }
  }

  /** Accepts one connection (close-on-exec); EAGAIN if the socket is non-blocking and idle. */
  public static int accept(int listenFd) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      while (true) {
        int fd =
            (int)
                Accept4.H.invokeExact(
                    cap, listenFd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
          return fd;
        }
        int err = errnoOf(cap);
        if (err != Errno.EINTR) {
          throw new ErrnoException("accept(" + listenFd + ")", err);
        }
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Receives one message on a connected Unix socket and returns the first file descriptor passed
   * with it ({@code SCM_RIGHTS}), or -1 if the message carried none. runc sends a console's pty
   * master this way ({@code --console-socket}).
   */
  public static int receiveFd(int sockFd) throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment data = arena.allocate(4096);
      MemorySegment iov = arena.allocate(16, 8);
      iov.set(ADDRESS, 0, data);
      iov.set(JAVA_LONG, 8, data.byteSize());
      long controlLen = 64;
      MemorySegment control = arena.allocate(controlLen, 8);
      MemorySegment msg = arena.allocate(56, 8);
      msg.set(ADDRESS, 16, iov);
      msg.set(JAVA_LONG, 24, 1L);
      msg.set(ADDRESS, 32, control);
      msg.set(JAVA_LONG, 40, controlLen);
      long n;
      do {
        n = (long) Recvmsg.H.invokeExact(cap, sockFd, msg, MSG_CMSG_CLOEXEC);
      } while (n < 0 && errnoOf(cap) == Errno.EINTR);
      if (n < 0) {
        throw new ErrnoException("recvmsg(" + sockFd + ")", errnoOf(cap));
      }
      long usedControl = msg.get(JAVA_LONG, 40);
      long off = 0;
      while (off + 16 <= usedControl) {
        long cmsgLen = control.get(JAVA_LONG, off);
        int level = control.get(JAVA_INT, off + 8);
        int type = control.get(JAVA_INT, off + 12);
        if (cmsgLen < 16) {
          break;
        }
        if (level == SOL_SOCKET && type == SCM_RIGHTS && cmsgLen >= 20) {
          int fd = control.get(JAVA_INT, off + 16);
          // Close any extra descriptors so that none leaks.
          for (long extra = off + 20; extra + 4 <= off + cmsgLen; extra += 4) {
            closeQuietly(control.get(JAVA_INT, extra));
          }
          return fd;
        }
        off += (cmsgLen + 7) & ~7L;
      }
      return -1;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  // ---- event-loop I/O: epoll, non-blocking read/write/splice, pipe sizes -------------------
  // Used by the shim's stdio loop. The non-blocking calls return {@code -errno} instead of
  // throwing, because EAGAIN is their normal outcome there and an exception per wake-up would
  // cost more than the call.

  public static final int EPOLLIN = 0x001;
  public static final int EPOLLOUT = 0x004;
  public static final int EPOLLERR = 0x008;
  public static final int EPOLLHUP = 0x010;
  public static final int EPOLL_CTL_ADD = 1;
  public static final int EPOLL_CTL_DEL = 2;
  public static final int EPOLL_CTL_MOD = 3;
  /** splice(2) flag: do not block on either pipe. */
  public static final int SPLICE_F_NONBLOCK = 2;

  private static final int F_SETPIPE_SZ = 1031;
  private static final long FIONREAD = 0x541B;
  private static final int EFD_CLOEXEC = O_CLOEXEC;
  private static final int EFD_NONBLOCK = O_NONBLOCK;
  /** struct epoll_event is packed on x86_64 (12 bytes) but naturally aligned elsewhere (16). */
  private static final boolean EPOLL_PACKED = "amd64".equals(System.getProperty("os.arch"))
      || "x86_64".equals(System.getProperty("os.arch"));
  public static final long EPOLL_EVENT_SIZE = EPOLL_PACKED ? 12 : 16;
  private static final long EPOLL_DATA_OFFSET = EPOLL_PACKED ? 4 : 8;
  private static final java.lang.foreign.ValueLayout.OfLong EPOLL_DATA_LAYOUT =
      JAVA_LONG.withByteAlignment(4);

  /**
   * The epoll and eventfd handles, linked on first use: a daemon needs them, the short-lived
   * {@code start} and {@code delete} runs of the shim binary do not.
   */
  private static final class EventLoopCalls {
    private static final MethodHandle EPOLL_CREATE1 =
        errno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL =
        errno("epoll_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT =
        errno("epoll_wait",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle EVENTFD =
        errno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  }

  /** A close-on-exec epoll instance. */
  public static int epollCreate() throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int fd = (int) EventLoopCalls.EPOLL_CREATE1.invokeExact(cap, O_CLOEXEC);
      if (fd < 0) {
        throw new ErrnoException("epoll_create1()", errnoOf(cap));
      }
      return fd;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** {@code epoll_ctl(epfd, op, fd, {events, data})} (level-triggered unless asked otherwise). */
  public static void epollCtl(int epfd, int op, int fd, int events, long data)
      throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      MemorySegment ev = arena.allocate(16, 8);
      ev.set(JAVA_INT, 0, events);
      ev.set(EPOLL_DATA_LAYOUT, EPOLL_DATA_OFFSET, data);
      if ((int) EventLoopCalls.EPOLL_CTL.invokeExact(cap, epfd, op, fd, ev) != 0) {
        throw new ErrnoException("epoll_ctl(" + epfd + ", " + op + ", " + fd + ")", errnoOf(cap));
      }
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Waits for events into {@code events} (room for {@code max} entries of {@link
   * #EPOLL_EVENT_SIZE} bytes; read them with {@link #epollEvents} and {@link #epollData}).
   * Returns the count, 0 on timeout or EINTR. {@code timeoutMillis} -1 waits without limit.
   */
  public static int epollWait(CallState st, int epfd, MemorySegment events, int max,
      int timeoutMillis) throws ErrnoException {
    try {
      int n =
          (int) EventLoopCalls.EPOLL_WAIT.invokeExact(st.capture, epfd, events, max, timeoutMillis);
      if (n >= 0) {
        return n;
      }
      int err = errnoOf(st.capture);
      if (err == Errno.EINTR) {
        return 0;
      }
      throw new ErrnoException("epoll_wait(" + epfd + ")", err);
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The event mask of entry {@code i} of an {@link #epollWait} result. */
  public static int epollEvents(MemorySegment events, int i) {
    return events.get(JAVA_INT, i * EPOLL_EVENT_SIZE);
  }

  /** The user data of entry {@code i} of an {@link #epollWait} result. */
  public static long epollData(MemorySegment events, int i) {
    return events.get(EPOLL_DATA_LAYOUT, i * EPOLL_EVENT_SIZE + EPOLL_DATA_OFFSET);
  }

  /** A non-blocking, close-on-exec eventfd with counter 0 (a wake-up for an epoll loop). */
  public static int eventfd() throws ErrnoException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int fd = (int) EventLoopCalls.EVENTFD.invokeExact(cap, 0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (fd < 0) {
        throw new ErrnoException("eventfd()", errnoOf(cap));
      }
      return fd;
    } catch (ErrnoException e) {
      throw e;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Links the downcalls that copying a process's stdio needs (pipe2, read, write, splice, ioctl)
   * now rather than at their first use: linking spins classes the AOT cache cannot hold, a few ms
   * per function, which the first Create with stdio would otherwise wait for. Thread-safe;
   * links each function once.
   */
  public static void linkStdioCalls() {
    for (MethodHandle h :
        new MethodHandle[] {Pipe2.H, Read.H, Write.H, Splice.H, IoctlPtr.H}) {
      java.util.Objects.requireNonNull(h);
    }
  }

  /**
   * Asks for a pipe (or FIFO) buffer of {@code bytes} ({@code F_SETPIPE_SZ}); returns the size
   * the kernel granted, or {@code -errno} if it refused (EPERM past the per-user limits, EBUSY
   * when the pipe holds more than the new size): callers keep the old size then.
   */
  public static int setPipeSize(int fd, int bytes) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cap = arena.allocate(CAPTURE_LAYOUT);
      int rc = (int) Fcntl.H.invokeExact(cap, fd, F_SETPIPE_SZ, (long) bytes);
      return rc >= 0 ? rc : -errnoOf(cap);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Reusable room for what the non-blocking calls below return besides their result (errno, an
   * int), so that an event loop allocates nothing per call. One per thread: not thread-safe.
   */
  public static final class CallState {
    private final MemorySegment capture;
    private final MemorySegment intOut;

    /** Allocates the state in {@code arena}, which must outlive its use. */
    public CallState(Arena arena) {
      capture = arena.allocate(CAPTURE_LAYOUT);
      intOut = arena.allocate(JAVA_INT);
    }
  }

  /** The bytes waiting to be read on {@code fd} ({@code FIONREAD}), or {@code -errno}. */
  public static int bytesReadable(CallState st, int fd) {
    try {
      int rc = (int) IoctlPtr.H.invokeExact(st.capture, fd, FIONREAD, st.intOut);
      return rc == 0 ? st.intOut.get(JAVA_INT, 0) : -errnoOf(st.capture);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * One {@code read(2)} on a non-blocking descriptor: the count, 0 at end of file (EIO, a pty
   * master whose slave side is gone, counts as end of file), or {@code -errno} (EAGAIN: nothing
   * there yet). Retries on EINTR.
   */
  public static long readNonBlocking(CallState st, int fd, MemorySegment buffer, long length) {
    try {
      while (true) {
        long n = (long) Read.H.invokeExact(st.capture, fd, buffer, length);
        if (n >= 0) {
          return n;
        }
        int err = errnoOf(st.capture);
        if (err == Errno.EIO) {
          return 0;
        }
        if (err != Errno.EINTR) {
          return -err;
        }
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** One {@code write(2)}: the count written (maybe short) or {@code -errno}; retries on EINTR. */
  public static long writeNonBlocking(CallState st, int fd, MemorySegment buffer, long length) {
    try {
      while (true) {
        long n = (long) Write.H.invokeExact(st.capture, fd, buffer, length);
        if (n >= 0) {
          return n;
        }
        int err = errnoOf(st.capture);
        if (err != Errno.EINTR) {
          return -err;
        }
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * One {@code splice(2)} with {@link #SPLICE_F_NONBLOCK} and {@link #SPLICE_F_MOVE}: the bytes
   * moved, 0 at the end of {@code in}, or {@code -errno} (EAGAIN: {@code in} empty or {@code out}
   * full; EINVAL: the kernel cannot splice between these two). Retries on EINTR.
   */
  public static long spliceNonBlocking(CallState st, int in, int out, long length) {
    try {
      while (true) {
        long n =
            (long) Splice.H.invokeExact(st.capture, in, MemorySegment.NULL, out, MemorySegment.NULL,
                length, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
        if (n >= 0) {
          return n;
        }
        int err = errnoOf(st.capture);
        if (err != Errno.EINTR) {
          return -err;
        }
      }
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }
}
