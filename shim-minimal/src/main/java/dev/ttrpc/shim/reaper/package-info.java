/**
 * Collecting the exits of the shim's children: one {@link dev.ttrpc.shim.reaper.Reaper} thread
 * waits for them (the daemon is a child subreaper) without ever reaping a child the JDK owns,
 * and hands each exit to whoever watches the pid.
 */
package dev.ttrpc.shim.reaper;
