/**
 * The {@code process} backend: runs a container's OCI process as a plain host process (chrooted
 * into the rootfs when the shim runs as root), without namespaces or cgroups ({@link
 * dev.ttrpc.shim.process.ProcessRuntime}).
 */
package dev.ttrpc.shim.process;
