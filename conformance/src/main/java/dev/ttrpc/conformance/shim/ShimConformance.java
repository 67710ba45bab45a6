package dev.ttrpc.conformance.shim;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.conformance.cri.CriClient;
import dev.ttrpc.conformance.support.Commands;
import dev.ttrpc.conformance.support.PrivateContainerd;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code shim-conformance}: runs the ctr checklist (and with {@code --cri} the CRI pod scenarios)
 * against a containerd runtime v2 shim and against a reference shim, side by side, in a private
 * containerd, and reports where they differ.
 *
 * <pre>
 * shim-conformance --runtime NAME|PATH [--reference NAME|PATH] [--containerd PATH] [--ctr PATH]
 *                  [--report DIR] [--only SCENARIO,...] [--runtime-annotation KEY=VALUE]...
 *                  [--without FEATURE,...] [--timeout DURATION] [--cri] [--list]
 * </pre>
 *
 * <p>Exit status: 0 when every scenario the reference passes also passes on the runtime (a
 * scenario the reference fails is reported, not counted; one skipped because of {@code --without}
 * is reported as skipped); 1 when one does not; 2 for a usage error; 3 when the checklist cannot
 * run on this machine (not root, no containerd, containerd does not start, …).
 *
 * <p>Not thread-safe; one run per instance.
 */
public final class ShimConformance {

  /** The reference runtime unless {@code --reference} says otherwise. */
  public static final String DEFAULT_REFERENCE = "io.containerd.runc.v2";

  static final int EXIT_OK = 0;
  static final int EXIT_DIFFERENT = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_CANNOT_RUN = 3;

  private static final String USAGE = """
      usage: shim-conformance --runtime NAME|PATH [options]

      Runs the ctr checklist (shim-contract §14), and with --cri the CRI pod scenarios, against
      a containerd runtime v2 shim and a reference shim, side by side, in a private containerd
      (never the system one).

        --runtime NAME|PATH         the shim under test: a runtime name such as
                                    io.containerd.example.v2 (containerd-shim-example-v2 on PATH)
                                    or the path of a shim binary
        --reference NAME|PATH       the reference shim (default io.containerd.runc.v2)
        --containerd PATH           containerd binary (default: containerd on PATH)
        --ctr PATH                  ctr binary (default: ctr on PATH)
        --report DIR                where report.md, report.html and junit.xml go
                                    (default ./shim-conformance-report)
        --only SELECTOR,...         scenarios to run: names (s03-run-detached), checklist numbers
                                    (s03) or groups (run, detached, tty, failure, and cri with
                                    --cri); the earlier steps a scenario builds on are added
        --runtime-annotation K=V    OCI annotation for every container of the runtime under test
                                    (repeatable), e.g. dev.ttrpc.minimal.backend=process
        --without FEATURE,...       features the runtime lacks: pause, metrics, oom, runc-errors,
                                    isolation; scenarios needing them are skipped on it, checks
                                    depending on them relaxed
        --timeout DURATION          per-scenario timeout, e.g. 90s or 5m (default: 3m, 5m for
                                    the containerd restart)
        --cri                       also run the CRI pod scenarios (group cri): a pod through
                                    containerd's CRI plugin, one runtime handler per side
        --list                      print the scenarios and exit

      Exit status: 0 if every scenario the reference passes also passes on the runtime,
      1 if not, 2 on a usage error, 3 if the checklist cannot run on this machine.
      """;

  private static final String QUIET_BOOTSTRAP =
      "org.slf4j.simpleLogger.log.io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap";

  private final PrintStream out;
  private final PrintStream err;

  ShimConformance(PrintStream out, PrintStream err) {
    this.out = requireNonNull(out, "out");
    this.err = requireNonNull(err, "err");
  }

  public static void main(String[] args) {
    // gRPC's Netty asks for SO_KEEPALIVE on the CRI's Unix socket, which has none: a warning per
    // connection that says nothing about the shims.
    if (System.getProperty(QUIET_BOOTSTRAP) == null) {
      System.setProperty(QUIET_BOOTSTRAP, "error");
    }
    int status = new ShimConformance(System.out, System.err).run(args);
    System.out.flush();
    System.exit(status);
  }

  /** The parsed command line. */
  record Options(String runtime, String reference, String containerd, String ctr, Path report,
      List<String> only, Map<String, String> runtimeAnnotations, Set<Feature> without,
      Duration timeout, boolean cri, boolean list) {}

  /** A command-line mistake; its message is printed with the usage. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  static Options parse(String[] args) throws UsageException {
    String runtime = null;
    String reference = DEFAULT_REFERENCE;
    String containerd = "containerd";
    String ctr = "ctr";
    Path report = Path.of("shim-conformance-report");
    List<String> only = List.of();
    Map<String, String> annotations = new LinkedHashMap<>();
    Set<Feature> without = EnumSet.noneOf(Feature.class);
    Duration timeout = null;
    boolean list = false;
    boolean cri = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      if (arg.startsWith("--") && arg.contains("=")) {
        name = arg.substring(0, arg.indexOf('='));
        value = arg.substring(arg.indexOf('=') + 1);
      }
      switch (name) {
        case "-h", "--help" -> throw new UsageException(null);
        case "--list" -> list = true;
        case "--cri" -> cri = true;
        case "--runtime", "--reference", "--containerd", "--ctr", "--report", "--only",
            "--runtime-annotation", "--without", "--timeout" -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new UsageException(name + " needs a value");
            }
            value = args[++i];
          }
          if (value.isEmpty()) {
            throw new UsageException(name + " needs a non-empty value");
          }
          switch (name) {
            case "--runtime" -> runtime = value;
            case "--reference" -> reference = value;
            case "--containerd" -> containerd = value;
            case "--ctr" -> ctr = value;
            case "--report" -> report = Path.of(value);
            case "--only" -> only = splitList(value);
            case "--runtime-annotation" -> {
              int eq = value.indexOf('=');
              if (eq <= 0) {
                throw new UsageException("--runtime-annotation must be KEY=VALUE, got: " + value);
              }
              annotations.put(value.substring(0, eq), value.substring(eq + 1));
            }
            case "--without" -> {
              for (String f : splitList(value)) {
                try {
                  without.add(Feature.parse(f));
                } catch (IllegalArgumentException e) {
                  throw new UsageException("--without: " + e.getMessage());
                }
              }
            }
            case "--timeout" -> timeout = parseDuration(value);
            default -> throw new IllegalStateException(name);
          }
        }
        default -> throw new UsageException("unknown argument: " + arg);
      }
    }
    if (runtime == null && !list) {
      throw new UsageException("--runtime is required");
    }
    return new Options(runtime, reference, containerd, ctr, report, only, annotations, without,
        timeout, cri, list);
  }

  private static List<String> splitList(String value) throws UsageException {
    List<String> items = new ArrayList<>();
    for (String item : value.split(",")) {
      if (!item.isBlank()) {
        items.add(item.strip());
      }
    }
    if (items.isEmpty()) {
      throw new UsageException("empty list: " + value);
    }
    return items;
  }

  /** {@code 90}, {@code 90s}, {@code 1500ms}, {@code 5m}, {@code 1h}. */
  static Duration parseDuration(String value) throws UsageException {
    try {
      if (value.endsWith("ms")) {
        return positive(Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2))));
      } else if (value.endsWith("s")) {
        return positive(Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1))));
      } else if (value.endsWith("m")) {
        return positive(Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1))));
      } else if (value.endsWith("h")) {
        return positive(Duration.ofHours(Long.parseLong(value.substring(0, value.length() - 1))));
      }
      return positive(Duration.ofSeconds(Long.parseLong(value)));
    } catch (NumberFormatException e) {
      throw new UsageException("not a duration: " + value + " (e.g. 90s, 5m)");
    }
  }

  private static Duration positive(Duration d) throws UsageException {
    if (d.isNegative() || d.isZero()) {
      throw new UsageException("a timeout must be positive: " + d);
    }
    return d;
  }

  /**
   * What {@code ctr --runtime} gets for {@code spec}: an absolute path to an executable file if
   * spec is a path, else the runtime name after checking that containerd will find its binary
   * the way containerd names it ({@code io.containerd.NAME.VERSION} → {@code
   * containerd-shim-NAME-VERSION}) on PATH.
   */
  static String resolveRuntime(String option, String spec) throws UsageException {
    if (spec.contains("/")) {
      Path path = Path.of(spec).toAbsolutePath().normalize();
      if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
        throw new UsageException(option + ": " + path + " is not an executable file");
      }
      return path.toString();
    }
    String binary = shimBinaryName(option, spec);
    if (Commands.which(binary).isEmpty()) {
      throw new UsageException(option + " " + spec + ": " + binary + " is not on PATH");
    }
    return spec;
  }

  /** containerd's binary name for a runtime name: the last two dot-separated parts. */
  static String shimBinaryName(String option, String runtime) throws UsageException {
    String[] parts = runtime.split("\\.");
    if (parts.length < 2 || parts[parts.length - 2].isEmpty() || parts[parts.length - 1].isEmpty()
        || !runtime.matches("[A-Za-z0-9._-]+")) {
      throw new UsageException(option + ": not a runtime name (like io.containerd.runc.v2)"
          + " nor a path: " + runtime);
    }
    return "containerd-shim-" + parts[parts.length - 2] + "-" + parts[parts.length - 1];
  }

  /** Runs the tool; returns the exit status. */
  int run(String[] args) {
    Options options;
    String runtime;
    String reference;
    List<Scenario> scenarios;
    try {
      options = parse(args);
      List<Scenario> all = new ArrayList<>(Checklist.all());
      if (options.cri()) {
        all.addAll(CriScenarios.scenarios());
      }
      if (!options.cri()) {
        for (String selector : options.only()) {
          if (CriScenarios.scenarios().stream().anyMatch(sc -> sc.name().equals(selector)
              || sc.id().equals(selector) || sc.group().equals(selector))) {
            throw new UsageException("--only " + selector + ": the CRI scenarios need --cri");
          }
        }
      }
      scenarios = options.only().isEmpty() ? List.copyOf(all) : select(all, options.only());
      if (options.list()) {
        for (Scenario s : scenarios) {
          out.printf("%-28s %-9s %s%n", s.name(), s.group(), s.summary());
        }
        return EXIT_OK;
      }
      runtime = resolveRuntime("--runtime", options.runtime());
      reference = resolveRuntime("--reference", options.reference());
    } catch (UsageException e) {
      if (e.getMessage() != null) {
        err.println("shim-conformance: " + e.getMessage());
        err.println("Run shim-conformance --help for the options.");
      } else {
        out.print(USAGE);
        return args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))
            ? EXIT_OK : EXIT_USAGE;
      }
      return EXIT_USAGE;
    }
    Set<Feature> features = EnumSet.allOf(Feature.class);
    features.removeAll(options.without());
    Target ref = Target.full("ref", reference, Map.of());
    Target rt = new Target("rt", runtime, options.runtimeAnnotations(), features);
    if (options.timeout() != null) {
      scenarios = scenarios.stream().map(s -> s.withTimeout(options.timeout())).toList();
    }

    // containerd finds shims given by name on its PATH: put the directories they are in first.
    List<Path> shimDirs = new ArrayList<>();
    for (String r : List.of(runtime, reference)) {
      if (!r.startsWith("/")) {
        try {
          Commands.which(shimBinaryName("--runtime", r)).map(Path::getParent)
              .ifPresent(shimDirs::add);
        } catch (UsageException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    PrivateContainerd plain = PrivateContainerd.withShimDirs(shimDirs.toArray(Path[]::new))
        .withBinaries(options.containerd(), options.ctr());
    boolean criSelected = scenarios.stream().anyMatch(s -> s.group().equals(CriScenarios.GROUP));
    // One CRI runtime handler per side, named after its target's label.
    PrivateContainerd containerd = !criSelected ? plain : plain.withCri(CriClient.config(List.of(
        new CriClient.Handler(ref.label(), ref.runtime(), "", List.of()),
        new CriClient.Handler(rt.label(), rt.runtime(), "",
            List.copyOf(rt.annotations().keySet())))));
    List<String> missing = new ArrayList<>(containerd.missingPrerequisites());
    scenarios.stream().map(Checklist::missingTool).filter(m -> m != null).distinct()
        .forEach(missing::add);
    if (!missing.isEmpty()) {
      err.println("shim-conformance: cannot run the checklist here:");
      missing.forEach(m -> err.println("  " + m));
      return EXIT_CANNOT_RUN;
    }

    Thread cleanup = Thread.ofPlatform().unstarted(() -> stopQuietly(containerd));
    Runtime.getRuntime().addShutdownHook(cleanup);
    Instant started = Instant.now();
    List<Row> rows = new ArrayList<>();
    try {
      try {
        containerd.start();
        containerd.rootfs();
      } catch (RuntimeException e) {
        err.println("shim-conformance: the private containerd did not start: " + e.getMessage());
        return EXIT_CANNOT_RUN;
      }
      out.println("shim-conformance: reference " + reference + ", runtime " + runtime
          + (options.runtimeAnnotations().isEmpty() ? "" : " " + options.runtimeAnnotations())
          + (options.without().isEmpty() ? "" : ", without " + options.without())
          + "; containerd " + containerdVersion(containerd));
      out.println("private containerd: " + containerd.dir());
      out.printf("%-28s %-12s %-12s%n", "SCENARIO", "REFERENCE", "RUNTIME");
      ChecklistRunner runner = new ChecklistRunner(containerd);
      for (int i = 0; i < scenarios.size(); i++) {
        Scenario s = scenarios.get(i);
        ScenarioResult r = runner.run(s, ref);
        ScenarioResult t = runner.run(s, rt);
        Row row = new Row(s, r, t);
        rows.add(row);
        printRow(row);
        boolean lastOfGroup = i + 1 == scenarios.size()
            || !scenarios.get(i + 1).group().equals(s.group());
        if (lastOfGroup) {
          runner.finishGroup(s.group(), ref);
          runner.finishGroup(s.group(), rt);
        }
        if (Thread.currentThread().isInterrupted()) {
          break;
        }
      }
    } finally {
      CriClient.detach(containerd);
      stopQuietly(containerd);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook runs (and finds nothing left to stop).
      }
    }
    Report report = new Report(reference, runtime, options.runtimeAnnotations(),
        options.without(), started, Instant.now(), rows);
    try {
      report.write(options.report());
    } catch (IOException e) {
      err.println("shim-conformance: cannot write the report to " + options.report() + ": " + e);
      return EXIT_CANNOT_RUN;
    }
    out.println();
    out.println(report.summary());
    out.println("report: " + options.report().toAbsolutePath().resolve("report.md") + ", "
        + "report.html, junit.xml");
    return report.regressions().isEmpty() ? EXIT_OK : EXIT_DIFFERENT;
  }

  private static List<Scenario> select(List<Scenario> all, List<String> only)
      throws UsageException {
    try {
      return Checklist.select(all, only);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--only: " + e.getMessage());
    }
  }

  /** One line of the table: a scenario on the reference and on the runtime. */
  record Row(Scenario scenario, ScenarioResult reference, ScenarioResult runtime) {

    /** The reference passed and the runtime did not (and was not skipped by --without). */
    boolean regression() {
      return reference.passed() && runtime.failed();
    }
  }

  private void printRow(Row row) {
    String mark = row.regression() ? "  <- differs" : "";
    out.printf("%-28s %-12s %-12s%s%n", row.scenario().name(), row.reference().cell(),
        row.runtime().cell(), mark);
    for (ScenarioResult r : List.of(row.reference(), row.runtime())) {
      if (r.status() == ScenarioResult.Status.PASS) {
        continue;
      }
      String who = r == row.reference() ? "reference" : "runtime";
      if (r.status() == ScenarioResult.Status.SKIP) {
        out.println("    " + who + " skipped: " + r.reason());
        continue;
      }
      List<String> reason = r.reason().strip().lines().toList();
      out.println("    " + who + " failed: " + (reason.isEmpty() ? "" : reason.get(0)));
      reason.stream().skip(1).limit(14).forEach(l -> out.println("      " + l));
      if (reason.size() > 15) {
        out.println("      ... (" + (reason.size() - 15) + " more lines in the report)");
      }
      if (!r.logLines().isEmpty()) {
        out.println("    containerd/shim log:");
        r.logLines().stream().skip(Math.max(0, r.logLines().size() - 10))
            .forEach(l -> out.println("      " + l));
      }
    }
    out.flush();
  }

  private static String containerdVersion(PrivateContainerd containerd) {
    var v = Commands.run(Duration.ofSeconds(10),
        containerd.ctrCommand(containerd.namespace(), "version"));
    return v.stdout().lines().filter(l -> l.strip().startsWith("Version:")).skip(1)
        .map(l -> l.strip().substring("Version:".length()).strip())
        .findFirst().orElse("(version unknown)");
  }

  private void stopQuietly(PrivateContainerd containerd) {
    try {
      containerd.stop();
    } catch (RuntimeException e) {
      err.println("shim-conformance: cleanup of the private containerd failed: " + e.getMessage());
    }
  }
}
