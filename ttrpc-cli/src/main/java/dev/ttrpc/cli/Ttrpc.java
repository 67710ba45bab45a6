package dev.ttrpc.cli;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code ttrpc}: a command-line ttRPC client, as grpcurl is for gRPC.
 *
 * <pre>
 * ttrpc call [OPTIONS] ADDRESS SERVICE/METHOD [JSON|-]
 * ttrpc list [OPTIONS] [SERVICE]
 * ttrpc describe [OPTIONS] [NAME]
 * </pre>
 *
 * Requests and responses are protobuf's JSON mapping; the message schemas come from {@code
 * --proto} files, {@code --descriptor-set} files, or the built-in containerd APIs. See {@link
 * #usage()} for every option and the exit statuses.
 */
public final class Ttrpc {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  /** A call that fails with status code C exits with {@code EXIT_STATUS_BASE + C}, as grpcurl. */
  static final int EXIT_STATUS_BASE = 64;

  private Ttrpc() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
    int status = run(args, System.in, out, err);
    out.flush();
    err.flush();
    System.exit(status);
  }

  /**
   * Runs one command line; returns the exit status. Everything the user should see goes to
   * {@code out} (results) or {@code err} (failures).
   */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    try {
      Options options = Options.parse(args);
      return switch (options.command()) {
        case "help" -> {
          out.print(usage());
          yield EXIT_OK;
        }
        case "call" -> Caller.call(options, schemas(options), in, out, err);
        case "list" -> list(options, schemas(options), out);
        case "describe" -> describe(options, schemas(options), out);
        default -> throw new UsageException("unknown command " + options.command());
      };
    } catch (UsageException e) {
      err.println("ttrpc: " + e.getMessage());
      err.println("Run `ttrpc help` for usage.");
      return e.exitCode();
    } catch (CliException e) {
      err.println("ttrpc: " + e.getMessage());
      return e.exitCode();
    } finally {
      out.flush();
    }
  }

  /** The built-in schemas plus those the options name. */
  static Schemas schemas(Options options) throws CliException {
    Schemas.Builder builder = Schemas.builder();
    for (Path file : options.descriptorSets()) {
      FileDescriptorSet set;
      try (InputStream in = Files.newInputStream(file)) {
        set = FileDescriptorSet.parseFrom(in, ExtensionRegistry.getEmptyRegistry());
      } catch (InvalidProtocolBufferException e) {
        throw new CliException(
            "--descriptor-set " + file + " is not a FileDescriptorSet: " + e.getMessage());
      } catch (IOException e) {
        throw new UsageException("--descriptor-set " + file + ": cannot read: " + e.getMessage());
      }
      builder.addDescriptorSet(set, file.toString());
    }
    if (!options.protoFiles().isEmpty()) {
      FileDescriptorSet set =
          Protoc.compile(options.protoFiles(), options.importPaths(), options.protoc());
      builder.addDescriptorSet(set, String.join(",", options.protoFiles().stream()
          .map(Path::toString).toList()));
    }
    return builder.build();
  }

  private static int list(Options options, Schemas schemas, PrintStream out)
      throws CliException {
    if (options.positionals().size() > 1) {
      throw new UsageException("list takes at most one SERVICE");
    }
    if (options.positionals().isEmpty()) {
      for (ServiceDescriptor service : schemas.services()) {
        out.println(service.getFullName());
      }
      return EXIT_OK;
    }
    String name = options.positionals().getFirst();
    ServiceDescriptor service =
        schemas.service(name).orElseThrow(() -> new UsageException("unknown service " + name
            + " (`ttrpc list` shows the known services)"));
    for (MethodDescriptor method : service.getMethods()) {
      out.println(service.getFullName() + "/" + method.getName());
    }
    return EXIT_OK;
  }

  private static int describe(Options options, Schemas schemas, PrintStream out)
      throws CliException {
    if (options.positionals().size() > 1) {
      throw new UsageException("describe takes at most one NAME");
    }
    if (options.positionals().isEmpty()) {
      boolean first = true;
      for (ServiceDescriptor service : schemas.services()) {
        if (!first) {
          out.println();
        }
        first = false;
        out.print(Describer.service(service));
      }
      return EXIT_OK;
    }
    String name = options.positionals().getFirst();
    String symbol = name.startsWith(".") || name.startsWith("/") ? name.substring(1) : name;
    Optional<ServiceDescriptor> service = schemas.service(symbol);
    if (service.isPresent()) {
      out.print(Describer.service(service.get()));
      return EXIT_OK;
    }
    Optional<Descriptor> message = schemas.message(symbol);
    if (message.isPresent()) {
      out.print(Describer.message(message.get()));
      return EXIT_OK;
    }
    Optional<EnumDescriptor> enumType = schemas.enumType(symbol);
    if (enumType.isPresent()) {
      out.print(Describer.enumType(enumType.get()));
      return EXIT_OK;
    }
    if (symbol.contains("/") || symbol.contains(".")) {
      try {
        out.print(Describer.method(schemas.method(symbol)));
        return EXIT_OK;
      } catch (UsageException notAMethod) {
        // Fall through to the general answer, which names every kind of thing tried.
      }
    }
    throw new UsageException(
        "no service, method, message or enum named " + name
            + " (`ttrpc list` shows the services; names are full, e.g. containerd.task.v2.Task)");
  }

  static String usage() {
    return """
        ttrpc: a command-line client for ttRPC (containerd's RPC for shims)

        Usage:
          ttrpc call [OPTIONS] ADDRESS SERVICE/METHOD [JSON|-]
          ttrpc list [OPTIONS] [SERVICE]
          ttrpc describe [OPTIONS] [SERVICE|SERVICE/METHOD|MESSAGE|ENUM]
          ttrpc help

        call sends a request and prints the response as JSON (protobuf's JSON mapping).
          ADDRESS   unix:///path/to.sock, a plain socket path, or unix://@name (abstract)
          JSON      the request; omitted: {} (an empty message); -: read from stdin.
                    A streaming request takes any number of JSON values (one per line, or
                    simply one after another); omitted, they are read from stdin until EOF.
                    Streamed responses are printed one per line as they arrive.
        list prints the known services, or the methods of SERVICE (ttRPC has no server
        reflection: these come from the schemas below, not from the server).
        describe prints services, methods, messages and enums as .proto text.

        Schemas: containerd's shim APIs are built in (containerd.task.v2.Task,
        containerd.task.v3.Task, containerd.services.events.ttrpc.v1.Events, the task events,
        runc options, cgroup v1/v2 metrics, well-known types). More come from:
          --proto FILE             a .proto file, compiled with protoc (repeatable)
          -I, --import-path DIR    where imports of --proto files are found (repeatable;
                                   default: each file's own directory)
          --protoc PATH            protoc to run (default: the one shipped, then PATH)
          --descriptor-set FILE    a FileDescriptorSet, e.g. from protoc
                                   --include_imports --descriptor_set_out (repeatable)
        A name defined both by such a schema and by a built-in one means the former.

        Call options:
          -H, --header KEY=VALUE   request metadata (repeatable; a key may repeat)
          -n, --namespace NS       containerd namespace: -H containerd-namespace-ttrpc=NS
          --timeout DURATION       deadline of the call, sent to the server (e.g. 500ms, 10s,
                                   2m; default: none)
          --connect-timeout DUR    bound on connecting (default 10s)
          --max-msg-size BYTES     largest message sent or received (default 4194304, as
                                   every ttRPC peer; suffixes KiB, MiB allowed)
          --emit-defaults          also print fields that have their default value
          --proto-names            print field names as in the .proto, not lowerCamelCase
          --compact                print a unary response on one line

        Exit status: 0 success; 1 failure before or outside the call (cannot connect, bad
        schema or JSON); 2 bad command line; 64 + code when the call fails with a status
        (e.g. 69 for 5 NOT_FOUND); the code and message are printed on stderr.
        """;
  }
}
