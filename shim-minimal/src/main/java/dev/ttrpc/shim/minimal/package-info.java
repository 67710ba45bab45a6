/**
 * {@code containerd-shim-minimal-v2}: the framework wired to the {@code runc} and {@code process}
 * backends. {@link dev.ttrpc.shim.minimal.MinimalShim} is the entry point, {@link
 * dev.ttrpc.shim.minimal.MinimalBackends} picks each container's backend from the installation's
 * {@link dev.ttrpc.shim.minimal.ShimConfig}, and {@link dev.ttrpc.shim.minimal.AotTraining} is
 * the training workload of the AOT cache.
 */
package dev.ttrpc.shim.minimal;
