package dev.ttrpc.shim;

import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.proto.containerd.task.v2.DeleteResponse;
import java.util.List;
import java.util.Map;

/**
 * What a containerd shim implements on top of this framework; {@link ShimRunner#run} does the
 * rest (command line, {@code start}, {@code delete}, daemon mode, events).
 *
 * <p>A minimal shim:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   ShimRunner.run("containerd-shim-example-v2", "1.0", new Shim() {
 *     public DeleteResponse cleanup(ShimContext ctx) { ... kill leftovers of ctx.id() ... }
 *     public List<ServiceDefinition> services(ShimDaemon daemon) {
 *       return List.of(TaskTtrpc.bindService(new MyTaskService(daemon)));
 *     }
 *   }, args);
 * }
 * }</pre>
 *
 * <p>Implementations are used from one thread per phase; the services they return must be
 * thread-safe (containerd sends requests concurrently on one connection).
 */
public interface Shim {

  /**
   * The group whose daemon serves this container ({@code start}); containers of one group share
   * one daemon and socket. Default: {@link ShimSockets#groupId} (group annotation, else CRI
   * sandbox id, else the container id).
   */
  default String groupId(ShimContext context, Map<String, String> annotations) {
    return ShimSockets.groupId(annotations, context.flags().id());
  }

  /**
   * The {@code delete} action: containerd runs it after every task delete and when the daemon
   * died. Kill whatever still runs for {@code context.flags().id()}, unmount its rootfs, and
   * return the exit to report (the runc shim reports the init pid, status 137 and now).
   */
  DeleteResponse cleanup(ShimContext context) throws Exception;

  /**
   * Daemon mode: the ttRPC services to serve (at least {@code containerd.task.v2.Task}). Call
   * {@link ShimDaemon#shutdown()} from the Task's Shutdown once no container is left.
   */
  List<ServiceDefinition> services(ShimDaemon daemon) throws Exception;
}
