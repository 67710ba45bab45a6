/**
 * The backend seam: {@link dev.ttrpc.shim.backend.ContainerRuntime} is the one interface a
 * backend implements (create/start/exec/kill/delete/pause/stats... for one container, which
 * thread calls what, how exits are reported), {@link
 * dev.ttrpc.shim.backend.ContainerRuntime.Factory} builds one per Create. {@link
 * dev.ttrpc.shim.backend.PidFile} reads the pid files backends keep in the bundle.
 */
package dev.ttrpc.shim.backend;
