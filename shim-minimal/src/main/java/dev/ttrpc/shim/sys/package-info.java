/**
 * libc through the FFM API ({@link dev.ttrpc.shim.sys.Libc}): process, descriptor, pty and
 * socket calls the JDK does not offer, with {@link dev.ttrpc.shim.sys.ErrnoException} for
 * failures and {@link dev.ttrpc.shim.sys.FdStreams} over raw descriptors. No JNI or JNA.
 */
package dev.ttrpc.shim.sys;
