/**
 * The wire formats of Prometheus remote write 1.0 and remote read 1.0: hand-written protobuf
 * decoders over snappy-framed bodies, the decoded requests as plain records ({@link
 * io.vmwatch.archiver.codec.WriteRequest}, {@link io.vmwatch.archiver.codec.ReadRequest}), label
 * matching with PromQL's meaning, and the streamed snappy writer of read responses. Knows nothing
 * of HTTP or the database.
 */
package io.vmwatch.archiver.codec;
