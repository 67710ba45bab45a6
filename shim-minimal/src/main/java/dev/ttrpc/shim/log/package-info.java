/**
 * The shim's SLF4J binding: logrus text lines on standard error (the bundle's log FIFO in the
 * daemon), levels mapped to logrus names, {@code -debug} honoured ({@link
 * dev.ttrpc.shim.log.ShimLog}).
 */
package dev.ttrpc.shim.log;
