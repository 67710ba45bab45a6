package dev.ttrpc.conformance.interop;

import static java.util.Objects.requireNonNull;

import dev.ttrpc.TtrpcClient;
import dev.ttrpc.conformance.interop.CaseResult.Verdict;
import dev.ttrpc.conformance.interop.InteropEnv.ServerImpl;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The Java interop client: runs {@link InteropCase}s against a {@code ttrpc.interop.TestService}
 * server and prints one line per case, {@code PASS <case>}, {@code SKIP <case>: <reason>} or
 * {@code FAIL <case>: <reason>}, as the Go peer's client does.
 *
 * <pre>
 * interop-client --address unix:///PATH [--test_case all|NAME[,NAME...]] [--server_impl java|go]
 *                [--case_timeout 1m]
 * interop-client --cases
 * </pre>
 *
 * Exit status: 0 if no case failed, 1 if one did (or the server could not be reached), 2 on bad
 * flags. All cases share one connection, so each also checks that those before it left the
 * connection usable.
 */
public final class InteropClient {
  private static final Duration DEFAULT_CASE_TIMEOUT = Duration.ofMinutes(1);

  private InteropClient() {}

  /**
   * Connects to {@code address} and runs {@code cases} in order, handing each result to {@code
   * sink} as it arrives.
   *
   * @return every result, in order
   * @throws IOException if the connection cannot be made
   */
  public static List<CaseResult> run(
      String address,
      ServerImpl serverImpl,
      List<InteropCase> cases,
      Duration caseTimeout,
      Consumer<CaseResult> sink)
      throws IOException {
    requireNonNull(cases, "cases");
    requireNonNull(sink, "sink");
    List<CaseResult> results = new ArrayList<>();
    try (TtrpcClient client = TtrpcClient.connect(address)) {
      InteropEnv env = new InteropEnv(client, address, serverImpl);
      for (InteropCase c : cases) {
        CaseResult result = c.run(env, caseTimeout);
        results.add(result);
        sink.accept(result);
      }
    }
    return results;
  }

  /** The cases named by {@code --test_case}: {@code all}, or names separated by commas. */
  public static List<InteropCase> select(String names) {
    if (names.equals("all")) {
      return List.of(InteropCase.values());
    }
    List<InteropCase> cases = new ArrayList<>();
    for (String name : names.split(",")) {
      cases.add(
          InteropCase.byName(name.strip())
              .orElseThrow(
                  () -> new IllegalArgumentException("unknown test case " + name + " (see --cases)")));
    }
    return cases;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** The command line; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    String address;
    List<InteropCase> cases;
    ServerImpl serverImpl;
    Duration caseTimeout;
    try {
      Flags flags =
          Flags.parse(
              args,
              List.of("address", "test_case", "server_impl", "case_timeout"),
              List.of("cases", "help"));
      if (flags.has("help")) {
        out.println(usage());
        return 0;
      }
      if (flags.has("cases")) {
        for (InteropCase c : InteropCase.values()) {
          out.printf(Locale.ROOT, "%-28s %s%n", c.caseName(), c.description());
        }
        return 0;
      }
      flags.require("address");
      address = flags.get("address");
      cases = select(flags.get("test_case", "all"));
      serverImpl = ServerImpl.fromFlag(flags.get("server_impl", ServerImpl.JAVA.flagValue()));
      caseTimeout = flags.duration("case_timeout", DEFAULT_CASE_TIMEOUT);
    } catch (IllegalArgumentException e) {
      err.println("interop-client: " + e.getMessage());
      err.println(usage());
      return 2;
    }

    List<CaseResult> results;
    try {
      results = run(address, serverImpl, cases, caseTimeout, r -> {
        out.println(r.line());
        out.flush();
      });
    } catch (IOException | RuntimeException e) {
      err.println("interop-client: cannot connect to " + address + ": " + e);
      return 1;
    }
    long failed = results.stream().filter(r -> r.verdict() == Verdict.FAIL).count();
    if (failed > 0) {
      err.println("interop-client: " + failed + " of " + results.size() + " cases failed");
      return 1;
    }
    return 0;
  }

  private static String usage() {
    return "usage: interop-client --address unix:///PATH [--test_case all|NAME[,NAME...]]"
        + " [--server_impl java|go] [--case_timeout 1m]\n"
        + "       interop-client --cases";
  }
}
