/**
 * Collecting the exits of the shim's children (the daemon is a child subreaper) and handing them
 * to whoever started the process.
 */
package dev.ttrpc.shim.reaper;
