/**
 * The Task service on top of a container model.
 *
 * <p>{@link dev.ttrpc.shim.task.TaskService} implements {@code containerd.task.v2.Task}: it maps
 * requests onto {@link dev.ttrpc.shim.task.Container}s and failures onto status codes. A {@link
 * dev.ttrpc.shim.task.Container} holds one container's init and exec processes ({@link
 * dev.ttrpc.shim.task.ProcessRecord}), their state machines and error texts (those of
 * containerd's runc shim), and publishes {@link dev.ttrpc.shim.task.TaskEvent}s in the order
 * containerd requires. The container drives a backend only through {@link
 * dev.ttrpc.shim.backend.ContainerRuntime}. {@link dev.ttrpc.shim.task.Mounts} stacks a Create
 * request's rootfs mounts for backends.
 */
package dev.ttrpc.shim.task;
