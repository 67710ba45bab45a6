package dev.ttrpc.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One in-process run of the command line, with its exit status and what it printed. */
record CliRun(int exitCode, String out, String err) {

  static CliRun run(String... args) {
    return runWithInput("", args);
  }

  static CliRun runWithInput(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      status =
          Ttrpc.run(
              args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), o, e);
    }
    return new CliRun(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** stdout parsed as one JSON value. */
  JsonElement json() {
    return JsonParser.parseString(out);
  }

  /** stdout's lines, each parsed as a JSON value. */
  List<JsonElement> jsonLines() {
    return out.lines().map(JsonParser::parseString).toList();
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
  }
}
