package dev.ttrpc.conformance.cri;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.conformance.support.CommandResult;
import dev.ttrpc.conformance.support.Commands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes a single-layer OCI image archive (an OCI image layout packed as a tar, the format
 * {@code ctr images import} reads) from a root filesystem directory, so that the CRI scenario
 * needs no registry. The layer is an uncompressed tar of the directory (so its digest is also its
 * diff id); the index names the image with containerd's {@code io.containerd.image.name}
 * annotation, which {@code ctr images import} uses as the image name.
 *
 * <p>Packing uses the system {@code tar} (numeric owner root:root); the JSON documents and
 * digests are written here. Stateless and thread-safe.
 */
public final class OciImageArchive {

  private OciImageArchive() {}

  /**
   * Packs {@code rootfs} as image {@code name} into {@code archive}.
   *
   * @param name the full image reference, e.g. {@code ttrpc.test/busybox:1}
   * @param rootfs the directory that becomes the image's only layer
   * @param entrypoint the image's entrypoint (may be empty)
   * @param cmd the image's default arguments (may be empty)
   * @param archive where to write the tar; its parent directory must exist
   */
  public static void write(String name, Path rootfs, List<String> entrypoint, List<String> cmd,
      Path archive) {
    requireNonNull(name, "name");
    requireNonNull(rootfs, "rootfs");
    requireNonNull(entrypoint, "entrypoint");
    requireNonNull(cmd, "cmd");
    requireNonNull(archive, "archive");
    try {
      Path layout = Files.createTempDirectory(archive.getParent(), "oci-layout");
      Path blobs = Files.createDirectories(layout.resolve("blobs").resolve("sha256"));
      Path layerTar = layout.resolve("layer.tar");
      tar(List.of("-C", rootfs.toString(), "-cf", layerTar.toString(), "."));
      String layerDigest = sha256(layerTar);
      long layerSize = Files.size(layerTar);
      Files.move(layerTar, blobs.resolve(hex(layerDigest)));

      String config = "{\"architecture\":" + quote(architecture())
          + ",\"os\":\"linux\""
          + ",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]"
          + ",\"Entrypoint\":" + array(entrypoint)
          + ",\"Cmd\":" + array(cmd)
          + ",\"WorkingDir\":\"/\"}"
          + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + quote(layerDigest) + "]}}";
      Descriptor configBlob = blob(blobs, config);

      String manifest = "{\"schemaVersion\":2"
          + ",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\""
          + ",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\""
          + ",\"digest\":" + quote(configBlob.digest()) + ",\"size\":" + configBlob.size() + "}"
          + ",\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\""
          + ",\"digest\":" + quote(layerDigest) + ",\"size\":" + layerSize + "}]}";
      Descriptor manifestBlob = blob(blobs, manifest);

      Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
      Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2"
          + ",\"mediaType\":\"application/vnd.oci.image.index.v1+json\""
          + ",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\""
          + ",\"digest\":" + quote(manifestBlob.digest()) + ",\"size\":" + manifestBlob.size()
          + ",\"annotations\":{\"io.containerd.image.name\":" + quote(name) + "}}]}");
      tar(List.of("-C", layout.toString(), "-cf", archive.toString(),
          "oci-layout", "index.json", "blobs"));
      deleteTree(layout);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write image archive " + archive, e);
    }
  }

  /** The OCI architecture name of this JVM's platform. */
  public static String architecture() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
  }

  private record Descriptor(String digest, long size) {}

  private static Descriptor blob(Path blobs, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    String digest = "sha256:" + HexFormat.of().formatHex(digest().digest(bytes));
    Files.write(blobs.resolve(hex(digest)), bytes);
    return new Descriptor(digest, bytes.length);
  }

  private static void tar(List<String> args) {
    List<String> argv = new java.util.ArrayList<>(
        List.of("tar", "--numeric-owner", "--owner=0", "--group=0"));
    argv.addAll(args);
    CommandResult packed = Commands.run(Duration.ofSeconds(60), argv);
    if (packed.exitCode() != 0) {
      throw new IllegalStateException("tar failed\n" + packed.describe());
    }
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md = digest();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        md.update(buffer, 0, n);
      }
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(String digest) {
    return digest.substring("sha256:".length());
  }

  private static String array(List<String> values) {
    return values.stream().map(OciImageArchive::quote).collect(Collectors.joining(",", "[", "]"));
  }

  /** A JSON string literal; the values here are plain ASCII, so only quotes and backslashes. */
  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
