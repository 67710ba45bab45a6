/**
 * Proof against the real thing: the generated {@code containerd.task.v2.Task} client and {@code
 * containerd.services.events.ttrpc.v1.Events} server of this project driving Debian's {@code
 * containerd-shim-runc-v2} (containerd 1.6) and runc directly, with the test playing containerd.
 *
 * <p>{@link dev.ttrpc.conformance.runcshim.RuncShimTaskApiTest} needs root, {@code
 * containerd-shim-runc-v2}, {@code runc} and a static busybox; run it with {@code mvn -pl
 * conformance -am test -Dtest='RuncShim*' -Dsurefire.failIfNoSpecifiedTests=false}. With {@code
 * CI=true} in the environment a missing prerequisite fails the test; elsewhere it is skipped with
 * the reason.
 *
 * <p>What containerd does and the test therefore does too: bundle directory named after the task id
 * (the shim's {@code delete} finds it as {@code <parent of cwd>/<id>}) holding {@code config.json},
 * a populated {@code rootfs/} and a {@code log} FIFO held open read-write (the shim daemon blocks
 * opening it until a reader exists); {@code TTRPC_ADDRESS} in the environment of {@code start};
 * runtime options as a {@code google.protobuf.Any} on the stdin of {@code start} and again in
 * {@code CreateTaskRequest.options}; stdout and stderr FIFOs created and already being read before
 * {@code Create} (the runc shim opens them blocking until a reader exists, and with stdout set an
 * empty stderr fails Create: {@code opening file "" failed}).
 */
package dev.ttrpc.conformance.runcshim;
