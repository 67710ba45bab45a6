/**
 * The shim framework's entry: the containerd runtime v2 contract every shim binary shares.
 *
 * <p>{@link dev.ttrpc.shim.ShimRunner} runs a {@link dev.ttrpc.shim.Shim}: the {@code start}
 * action (socket address, grouping, daemon spawn, reply on stdout), the {@code delete} action
 * (the shim's cleanup, a {@code DeleteResponse} on stdout) and daemon mode (child subreaper, log
 * FIFO, ttRPC server with the same-user handshake, graceful shutdown). {@link
 * dev.ttrpc.shim.EventPublisher} forwards task events to containerd in order. {@link
 * dev.ttrpc.shim.TaskException} carries the status code containerd should see.
 *
 * <p>Rooms of the framework below this package: {@code task} (the Task service on a container
 * model with its state machines and event-ordering rules), {@code io} (process stdio and stdio
 * URIs), {@code reaper} (collecting exits of children), {@code backend} (the seam a backend
 * implements) and {@code sys} (libc through FFM). The backends {@code runc} and {@code process}
 * and the {@code minimal} shim that wires them together build on these.
 */
package dev.ttrpc.shim;
