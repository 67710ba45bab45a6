package dev.ttrpc.conformance.bench;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.ttrpc.CallOptions;
import dev.ttrpc.Marshaller;
import dev.ttrpc.MethodDescriptor;
import dev.ttrpc.ServiceDefinition;
import dev.ttrpc.TtrpcClient;
import dev.ttrpc.conformance.interop.Empty;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A small ttRPC service, {@code ttrpc.conformance.ServerStats}, through which a benchmark asks a
 * Java server how many bytes its JVM has allocated so far; two snapshots around a measured phase
 * give the server's allocation per call. Only the Java interop server serves it, and only when
 * started with {@code --stats}.
 *
 * <p>The single method {@code Snapshot} takes the interop {@code Empty} message and answers a
 * message whose field 1 (varint) is the JVM's total allocated bytes. That answer's marshaller is
 * written by hand, which keeps the service out of the interop {@code .proto} that other peers
 * implement.
 *
 * <p>Stateless and thread-safe.
 */
public final class ServerStats {
  /** The service name on the wire. */
  public static final String SERVICE_NAME = "ttrpc.conformance.ServerStats";

  /** What {@code Snapshot} reports. */
  public record Snapshot(long allocatedBytes) {}

  /** The {@code Snapshot} method. */
  public static final MethodDescriptor<Empty, Snapshot> SNAPSHOT =
      MethodDescriptor.unary(
          SERVICE_NAME,
          "Snapshot",
          Marshaller.protobuf(Empty.getDefaultInstance()),
          new SnapshotMarshaller());

  private ServerStats() {}

  /** The service definition a server registers to answer snapshots of its own JVM. */
  public static ServiceDefinition definition() {
    return ServiceDefinition.builder(SERVICE_NAME)
        .unary(SNAPSHOT, (request, context) -> new Snapshot(AllocationCounter.totalAllocatedBytes()))
        .build();
  }

  /** Asks the server at the other end of {@code client} for a snapshot. */
  public static Snapshot snapshot(TtrpcClient client) {
    requireNonNull(client, "client");
    return client.call(SNAPSHOT, Empty.getDefaultInstance(), CallOptions.timeout(Duration.ofSeconds(10)));
  }

  /** Field 1, varint: allocated bytes; unknown fields are skipped, as protobuf does. */
  private static final class SnapshotMarshaller implements Marshaller<Snapshot> {
    private static final int ALLOCATED_BYTES_FIELD = 1;
    private static final int ALLOCATED_BYTES_TAG =
        (ALLOCATED_BYTES_FIELD << 3) | WireFormat.WIRETYPE_VARINT;

    @Override
    public int serializedSize(Snapshot value) {
      return CodedOutputStream.computeInt64Size(ALLOCATED_BYTES_FIELD, value.allocatedBytes());
    }

    @Override
    public void serialize(Snapshot value, ByteBuffer target) throws IOException {
      CodedOutputStream out = CodedOutputStream.newInstance(target);
      out.writeInt64(ALLOCATED_BYTES_FIELD, value.allocatedBytes());
      out.flush();
    }

    @Override
    public Snapshot parse(ByteBuffer source) throws IOException {
      CodedInputStream in = CodedInputStream.newInstance(source);
      long allocated = 0;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (tag == ALLOCATED_BYTES_TAG) {
          allocated = in.readInt64();
        } else if (!in.skipField(tag)) {
          break;
        }
      }
      source.position(source.limit());
      return new Snapshot(allocated);
    }
  }
}
