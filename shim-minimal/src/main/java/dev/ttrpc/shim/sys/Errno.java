package dev.ttrpc.shim.sys;

import java.util.Map;

/** Linux {@code errno} values (x86_64) that shim code branches on, and their names. */
public final class Errno {
  public static final int EPERM = 1;
  public static final int ENOENT = 2;
  public static final int ESRCH = 3;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int ENXIO = 6;
  public static final int EBADF = 9;
  public static final int ECHILD = 10;
  public static final int EAGAIN = 11;
  public static final int ENOMEM = 12;
  public static final int EACCES = 13;
  public static final int EBUSY = 16;
  public static final int EEXIST = 17;
  public static final int ENODEV = 19;
  public static final int ENOTDIR = 20;
  public static final int EINVAL = 22;
  public static final int ENOTTY = 25;
  public static final int EPIPE = 32;
  public static final int ENOSYS = 38;
  public static final int ENOTSOCK = 88;
  public static final int EOPNOTSUPP = 95;
  public static final int EADDRINUSE = 98;
  public static final int ECONNREFUSED = 111;

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(EPERM, "EPERM"),
          Map.entry(ENOENT, "ENOENT"),
          Map.entry(ESRCH, "ESRCH"),
          Map.entry(EINTR, "EINTR"),
          Map.entry(EIO, "EIO"),
          Map.entry(ENXIO, "ENXIO"),
          Map.entry(EBADF, "EBADF"),
          Map.entry(ECHILD, "ECHILD"),
          Map.entry(EAGAIN, "EAGAIN"),
          Map.entry(ENOMEM, "ENOMEM"),
          Map.entry(EACCES, "EACCES"),
          Map.entry(EBUSY, "EBUSY"),
          Map.entry(EEXIST, "EEXIST"),
          Map.entry(ENODEV, "ENODEV"),
          Map.entry(ENOTDIR, "ENOTDIR"),
          Map.entry(EINVAL, "EINVAL"),
          Map.entry(ENOTTY, "ENOTTY"),
          Map.entry(EPIPE, "EPIPE"),
          Map.entry(ENOSYS, "ENOSYS"),
          Map.entry(ENOTSOCK, "ENOTSOCK"),
          Map.entry(EOPNOTSUPP, "EOPNOTSUPP"),
          Map.entry(EADDRINUSE, "EADDRINUSE"),
          Map.entry(ECONNREFUSED, "ECONNREFUSED"));

  private Errno() {}

  /** The symbolic name ({@code ESRCH}), or {@code errno N} for values not listed here. */
  public static String name(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }

  /** The C library's description of the value ({@code strerror}). */
  public static String describe(int errno) {
    return Libc.strerror(errno);
  }
}
