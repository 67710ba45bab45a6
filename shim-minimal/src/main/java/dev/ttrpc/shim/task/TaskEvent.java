package dev.ttrpc.shim.task;

import dev.ttrpc.shim.io.Stdio;
import java.time.Instant;
import java.util.List;

/**
 * The task events a shim publishes, in containerd's terms ({@code containerd.events.Task*}); the
 * service layer turns them into protobuf envelopes. Each record knows its topic.
 */
public sealed interface TaskEvent {
  /** The containerd topic, e.g. {@code /tasks/create}. */
  String topic();

  /** A rootfs mount of a Create request. */
  record Mount(String type, String source, String target, List<String> options) {
    public Mount {
      options = List.copyOf(options);
    }
  }

  record Created(
      String containerId, String bundle, List<Mount> rootfs, Stdio io, String checkpoint, int pid)
      implements TaskEvent {
    public Created {
      rootfs = List.copyOf(rootfs);
    }

    @Override
    public String topic() {
      return "/tasks/create";
    }
  }

  record Started(String containerId, int pid) implements TaskEvent {
    @Override
    public String topic() {
      return "/tasks/start";
    }
  }

  /** {@code id} is the exec id, or the container id for the init process. */
  record Exited(String containerId, String id, int pid, int exitStatus, Instant exitedAt)
      implements TaskEvent {
    @Override
    public String topic() {
      return "/tasks/exit";
    }
  }

  record Deleted(String containerId, int pid, int exitStatus, Instant exitedAt)
      implements TaskEvent {
    @Override
    public String topic() {
      return "/tasks/delete";
    }
  }

  record ExecAdded(String containerId, String execId) implements TaskEvent {
    @Override
    public String topic() {
      return "/tasks/exec-added";
    }
  }

  record ExecStarted(String containerId, String execId, int pid) implements TaskEvent {
    @Override
    public String topic() {
      return "/tasks/exec-started";
    }
  }

  record Paused(String containerId) implements TaskEvent {
    @Override
    public String topic() {
      return "/tasks/paused";
    }
  }

  record Resumed(String containerId) implements TaskEvent {
    @Override
    public String topic() {
      return "/tasks/resumed";
    }
  }

  record Oom(String containerId) implements TaskEvent {
    @Override
    public String topic() {
      return "/tasks/oom";
    }
  }
}
