/**
 * The {@code runc} backend: drives the runc binary as containerd's runc shim does ({@link
 * dev.ttrpc.shim.runc.RuncRuntime}, {@link dev.ttrpc.shim.runc.Runc}), honours {@code
 * containerd.runc.v1.Options} ({@link dev.ttrpc.shim.runc.RuncOptions}) and reads statistics and
 * OOM kills from the container's cgroup ({@link dev.ttrpc.shim.runc.Cgroups}).
 */
package dev.ttrpc.shim.runc;
