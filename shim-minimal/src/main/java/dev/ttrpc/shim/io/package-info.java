/**
 * Process stdio for backends: {@link dev.ttrpc.shim.io.Stdio} (what a client asked for), {@link
 * dev.ttrpc.shim.io.StdioUri} (FIFO, {@code file://}, {@code binary://}) and {@link
 * dev.ttrpc.shim.io.ProcessIo} (pipes or a console, copied to and from the client's sinks with
 * the keep-alive rules of containerd's runc shim).
 */
package dev.ttrpc.shim.io;
