package dev.ttrpc.conformance.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged {@code ttrpc} command-line client ({@code ttrpc-cli/target/dist/bin/ttrpc}), run
 * as a user runs it. The reactor builds ttrpc-cli before this module, so a missing launcher is a
 * build problem and fails the test.
 */
public final class TtrpcTool {
  private static final Duration TIMEOUT = Duration.ofMinutes(1);

  private TtrpcTool() {}

  /** The launcher; fails the calling test if it has not been built. */
  public static Path launcher() {
    Path launcher = projectDir().resolve("ttrpc-cli/target/dist/bin/ttrpc");
    if (!Files.isExecutable(launcher)) {
      fail("the ttrpc launcher is missing at " + launcher
          + "; build it first: mvn -pl ttrpc-cli -am package -DskipTests");
    }
    return launcher;
  }

  /** Runs {@code ttrpc ARGS} with empty stdin. */
  public static CommandResult run(String... args) {
    return runWithInput(null, args);
  }

  /** Runs {@code ttrpc ARGS} with {@code stdin} (null: none). */
  public static CommandResult runWithInput(String stdin, String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(launcher().toString());
    argv.addAll(List.of(args));
    return Commands.run(TIMEOUT, argv, Map.of(), stdin);
  }

  /** The repository's root: the parent of this module, found from the test classes. */
  private static Path projectDir() {
    try {
      Path classes =
          Path.of(TtrpcTool.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // conformance/target/test-classes -> the repository.
      return classes.getParent().getParent().getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
