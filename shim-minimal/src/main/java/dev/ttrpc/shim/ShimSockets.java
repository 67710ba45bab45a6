package dev.ttrpc.shim;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Where a shim listens, computed as containerd's own shims do, so that shims of one group find
 * each other: {@code unix://<socketDir>/<hex(sha256(join(address, namespace, groupId)))>}.
 *
 * <p>Stateless and thread-safe.
 */
public final class ShimSockets {
  /** The socket directory containerd 1.6 shims use, whatever containerd's state directory. */
  public static final Path DEFAULT_SOCKET_DIR = Path.of("/run/containerd/s");

  /** Annotation naming an explicit shim group (containerd's runc shim honours it too). */
  public static final String GROUP_ANNOTATION = "io.containerd.runc.v2.group";

  /** Annotation CRI puts on every container of a pod. */
  public static final String SANDBOX_ANNOTATION = "io.kubernetes.cri.sandbox-id";

  private ShimSockets() {}

  /** The group a container joins: its group annotation, else its pod, else its own id. */
  public static String groupId(Map<String, String> annotations, String id) {
    requireNonNull(id, "id");
    if (annotations != null) {
      String g = annotations.get(GROUP_ANNOTATION);
      if (g != null && !g.isEmpty()) {
        return g;
      }
      g = annotations.get(SANDBOX_ANNOTATION);
      if (g != null && !g.isEmpty()) {
        return g;
      }
    }
    return id;
  }

  /** The {@code unix://} address of the shim serving {@code groupId}. */
  public static String socketAddress(
      String containerdAddress, String namespace, String groupId, Path socketDir) {
    String joined = goJoin(containerdAddress, namespace, groupId);
    return "unix://" + socketDir.resolve(sha256Hex(joined));
  }

  /** The socket file path of a {@code unix://} address (or the address itself if bare). */
  public static Path socketPath(String address) {
    return Path.of(address.startsWith("unix://") ? address.substring("unix://".length()) : address);
  }

  static String sha256Hex(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  /** Go's {@code filepath.Join}: joins the non-empty elements with '/', then cleans. */
  static String goJoin(String... elements) {
    StringBuilder sb = new StringBuilder();
    for (String e : elements) {
      if (e.isEmpty()) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(e);
    }
    return sb.length() == 0 ? "" : goClean(sb.toString());
  }

  /** Go's {@code path.Clean} for slash-separated paths. */
  static String goClean(String path) {
    if (path.isEmpty()) {
      return ".";
    }
    boolean rooted = path.charAt(0) == '/';
    List<String> out = new ArrayList<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!rooted) {
          out.add("..");
        }
        continue;
      }
      out.add(part);
    }
    String joined = String.join("/", out);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }
}
