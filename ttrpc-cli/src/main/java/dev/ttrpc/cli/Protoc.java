package dev.ttrpc.cli;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.ExtensionRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Turns {@code .proto} files into a descriptor set by running protoc ({@code --include_imports
 * --descriptor_set_out}). protoc is the one the distribution ships ({@code lib/protoc}, the
 * build's own version), another one given with {@code --protoc}, or {@code protoc} on PATH.
 *
 * <p>The built-in .proto files (protobuf's well-known types and containerd's APIs, from the class
 * path) come last on the include path, so a user's file may import {@code
 * google/protobuf/empty.proto} or {@code containerd/types/mount.proto} without having them.
 */
final class Protoc {
  /** Set by the launcher to the protoc it ships. */
  static final String SHIPPED_PROTOC_PROPERTY = "ttrpc.cli.protoc";

  private static final List<String> BUILT_IN_ROOT_MARKERS =
      List.of("google/protobuf/any.proto", "containerd/task/v2/shim.proto");
  private static final long TIMEOUT_SECONDS = 60;

  private Protoc() {}

  /**
   * Compiles {@code files}.
   *
   * @param protoc the protoc executable, or null for the shipped one (or the one on PATH)
   * @param includes the {@code -I} directories; if empty, each file's own directory
   */
  static FileDescriptorSet compile(List<Path> files, List<Path> includes, Path protoc)
      throws CliException {
    requireNonNull(files, "files");
    requireNonNull(includes, "includes");
    Path work;
    try {
      work = Files.createTempDirectory("ttrpc-protoc");
    } catch (IOException e) {
      throw new CliException("cannot create a temporary directory for protoc: " + e.getMessage());
    }
    try {
      Path out = work.resolve("descriptors.pb");
      List<String> command = new ArrayList<>();
      command.add(executable(protoc));
      command.add("--include_imports");
      command.add("--descriptor_set_out=" + out);
      Set<Path> paths = new LinkedHashSet<>(includes);
      if (includes.isEmpty()) {
        for (Path file : files) {
          Path parent = file.toAbsolutePath().getParent();
          paths.add(parent);
        }
      }
      paths.addAll(builtInRoots(work.resolve("builtin")));
      for (Path path : paths) {
        command.add("-I" + path);
      }
      for (Path file : files) {
        if (!Files.isRegularFile(file)) {
          throw new UsageException("--proto " + file + ": no such file");
        }
        // protoc matches a file to an include directory by its spelling: with the directories
        // chosen here (absolute), the file must be named absolutely too.
        command.add((includes.isEmpty() ? file.toAbsolutePath() : file).toString());
      }
      run(command);
      try (InputStream in = Files.newInputStream(out)) {
        return FileDescriptorSet.parseFrom(in, ExtensionRegistry.getEmptyRegistry());
      } catch (IOException e) {
        throw new CliException("cannot read the descriptor set protoc wrote: " + e.getMessage());
      }
    } finally {
      deleteRecursively(work);
    }
  }

  private static String executable(Path protoc) throws CliException {
    if (protoc != null) {
      if (!Files.isExecutable(protoc)) {
        throw new UsageException("--protoc " + protoc + " is not an executable file");
      }
      return protoc.toString();
    }
    String shipped = System.getProperty(SHIPPED_PROTOC_PROPERTY);
    if (shipped != null && Files.isExecutable(Path.of(shipped))) {
      return shipped;
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(":")) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "protoc"))) {
          return Path.of(dir, "protoc").toString();
        }
      }
    }
    throw new CliException(
        "--proto needs protoc: none shipped with this tool, none on PATH; give one with --protoc"
            + " PATH, or a descriptor set with --descriptor-set");
  }

  private static void run(List<String> command) throws CliException {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new CliException("cannot run " + command.getFirst() + ": " + e.getMessage());
    }
    try {
      process.getOutputStream().close();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new CliException("protoc did not finish within " + TIMEOUT_SECONDS + " s");
      }
      if (process.exitValue() != 0) {
        throw new CliException(
            "protoc failed (exit " + process.exitValue() + "):\n"
                + new String(output, StandardCharsets.UTF_8).strip());
      }
    } catch (IOException e) {
      process.destroyForcibly();
      throw new CliException("cannot read protoc's output: " + e.getMessage());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while protoc ran");
    }
  }

  /**
   * Directories holding the built-in .proto files: the class path directory itself when a jar is
   * not involved (in a build), otherwise the jar's .proto files copied under {@code scratch}.
   */
  private static List<Path> builtInRoots(Path scratch) throws CliException {
    List<Path> roots = new ArrayList<>();
    ClassLoader loader = Protoc.class.getClassLoader();
    for (String marker : BUILT_IN_ROOT_MARKERS) {
      URL url = loader.getResource(marker);
      if (url == null) {
        continue;
      }
      try {
        if (url.getProtocol().equals("file")) {
          Path file = Path.of(url.toURI());
          Path root = file;
          for (int i = 0; i < Path.of(marker).getNameCount(); i++) {
            root = root.getParent();
          }
          roots.add(root);
        } else if (url.getProtocol().equals("jar")) {
          Path dir = scratch.resolve(Integer.toString(roots.size()));
          JarURLConnection connection = (JarURLConnection) url.openConnection();
          connection.setUseCaches(false);
          try (JarFile jar = connection.getJarFile()) {
            extractProtos(jar, dir);
          }
          roots.add(dir);
        }
      } catch (IOException | URISyntaxException e) {
        throw new CliException("cannot read the built-in .proto files: " + e.getMessage());
      }
    }
    return roots;
  }

  private static void extractProtos(JarFile jar, Path dir) throws IOException {
    for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
      JarEntry entry = entries.nextElement();
      if (entry.isDirectory() || !entry.getName().endsWith(".proto")) {
        continue;
      }
      Path target = dir.resolve(entry.getName()).normalize();
      if (!target.startsWith(dir)) {
        continue;
      }
      Files.createDirectories(target.getParent());
      try (InputStream in = jar.getInputStream(entry)) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // A temporary directory left behind is harmless; the result does not depend on it.
    }
  }
}
