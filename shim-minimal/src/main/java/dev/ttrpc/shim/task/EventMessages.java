package dev.ttrpc.shim.task;

import com.google.protobuf.Message;
import dev.ttrpc.proto.containerd.events.TaskCreate;
import dev.ttrpc.proto.containerd.events.TaskDelete;
import dev.ttrpc.proto.containerd.events.TaskExecAdded;
import dev.ttrpc.proto.containerd.events.TaskExecStarted;
import dev.ttrpc.proto.containerd.events.TaskExit;
import dev.ttrpc.proto.containerd.events.TaskIO;
import dev.ttrpc.proto.containerd.events.TaskOOM;
import dev.ttrpc.proto.containerd.events.TaskPaused;
import dev.ttrpc.proto.containerd.events.TaskResumed;
import dev.ttrpc.proto.containerd.events.TaskStart;
import dev.ttrpc.proto.containerd.types.Mount;
import dev.ttrpc.shim.EventPublisher;

/** Converts {@link TaskEvent}s to the {@code containerd.events} protobuf messages. Stateless. */
public final class EventMessages {
  private EventMessages() {}

  /** The protobuf message for an event. */
  public static Message toProto(TaskEvent event) {
    return switch (event) {
      case TaskEvent.Created e -> {
        TaskCreate.Builder b =
            TaskCreate.newBuilder()
                .setContainerId(e.containerId())
                .setBundle(e.bundle())
                .setIo(
                    TaskIO.newBuilder()
                        .setStdin(e.io().stdin())
                        .setStdout(e.io().stdout())
                        .setStderr(e.io().stderr())
                        .setTerminal(e.io().terminal()))
                .setCheckpoint(e.checkpoint())
                .setPid(e.pid());
        for (TaskEvent.Mount m : e.rootfs()) {
          b.addRootfs(
              Mount.newBuilder()
                  .setType(m.type())
                  .setSource(m.source())
                  .setTarget(m.target())
                  .addAllOptions(m.options()));
        }
        yield b.build();
      }
      case TaskEvent.Started e ->
          TaskStart.newBuilder().setContainerId(e.containerId()).setPid(e.pid()).build();
      case TaskEvent.Exited e ->
          TaskExit.newBuilder()
              .setContainerId(e.containerId())
              .setId(e.id())
              .setPid(e.pid())
              .setExitStatus(e.exitStatus())
              .setExitedAt(EventPublisher.timestamp(e.exitedAt()))
              .build();
      case TaskEvent.Deleted e ->
          TaskDelete.newBuilder()
              .setContainerId(e.containerId())
              .setPid(e.pid())
              .setExitStatus(e.exitStatus())
              .setExitedAt(EventPublisher.timestamp(e.exitedAt()))
              .build();
      case TaskEvent.ExecAdded e ->
          TaskExecAdded.newBuilder().setContainerId(e.containerId()).setExecId(e.execId()).build();
      case TaskEvent.ExecStarted e ->
          TaskExecStarted.newBuilder()
              .setContainerId(e.containerId())
              .setExecId(e.execId())
              .setPid(e.pid())
              .build();
      case TaskEvent.Paused e -> TaskPaused.newBuilder().setContainerId(e.containerId()).build();
      case TaskEvent.Resumed e -> TaskResumed.newBuilder().setContainerId(e.containerId()).build();
      case TaskEvent.Oom e -> TaskOOM.newBuilder().setContainerId(e.containerId()).build();
    };
  }
}
