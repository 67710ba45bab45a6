package dev.ttrpc.cli;

import com.google.protobuf.Any;
import dev.ttrpc.ServerCallContext;
import dev.ttrpc.Status;
import dev.ttrpc.TtrpcServer;
import dev.ttrpc.proto.containerd.task.v2.StateRequest;
import dev.ttrpc.proto.containerd.task.v2.StateResponse;
import dev.ttrpc.proto.containerd.task.v2.StatsRequest;
import dev.ttrpc.proto.containerd.task.v2.StatsResponse;
import dev.ttrpc.proto.containerd.task.v2.TaskTtrpc;
import dev.ttrpc.proto.io.containerd.cgroups.v1.CPUStat;
import dev.ttrpc.proto.io.containerd.cgroups.v1.CPUUsage;
import dev.ttrpc.proto.io.containerd.cgroups.v1.Metrics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training workload for the AOT cache built at package time: the code paths of {@code list},
 * {@code describe} and {@code call} (connect, unary call, JSON in and out including an Any, a
 * failed call), against a Task service served in this process. Not part of the tool's behaviour.
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("ttrpc-cli-aot");
    Path socket = dir.resolve("task.sock");
    TtrpcServer server =
        TtrpcServer.builder()
            .addService(TaskTtrpc.bindService(new TrainingTask()))
            .build()
            .start("unix://" + socket);
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(sink, true, StandardCharsets.UTF_8)) {
      String address = "unix://" + socket;
      for (int i = 0; i < 5; i++) {
        run(out, "list");
        run(out, "list", "containerd.task.v2.Task");
        run(out, "describe", "containerd.task.v2.Task/State");
        run(out, "call", address, "containerd.task.v2.Task/State", "{\"id\":\"c1\"}",
            "-n", "default", "--timeout", "10s");
        run(out, "call", address, "containerd.task.v2.Task/Stats", "{\"id\":\"c1\"}");
        run(out, "call", address, "containerd.task.v2.Task/Pids", "{\"id\":\"c1\"}");
      }
    } finally {
      server.shutdownNow();
      Files.deleteIfExists(socket);
      Files.deleteIfExists(dir);
    }
  }

  private static void run(PrintStream out, String... args) {
    Ttrpc.run(args, new ByteArrayInputStream(new byte[0]), out, out);
  }

  /** State and Stats answer; everything else is UNIMPLEMENTED, which trains the error path. */
  private static final class TrainingTask implements TaskTtrpc.Service {
    @Override
    public StateResponse state(StateRequest request, ServerCallContext context) {
      return StateResponse.newBuilder().setId(request.getId()).setPid(1).build();
    }

    @Override
    public StatsResponse stats(StatsRequest request, ServerCallContext context) {
      if (request.getId().isEmpty()) {
        throw Status.INVALID_ARGUMENT.withMessage("id is empty").asException();
      }
      Metrics metrics =
          Metrics.newBuilder()
              .setCpu(CPUStat.newBuilder().setUsage(CPUUsage.newBuilder().setTotal(1234)))
              .build();
      return StatsResponse.newBuilder()
          .setStats(
              Any.newBuilder()
                  .setTypeUrl(metrics.getDescriptorForType().getFullName())
                  .setValue(metrics.toByteString()))
          .build();
    }
  }
}
