/**
 * Prometheus' XOR chunks (the Gorilla encoding, bit for bit as Prometheus writes them): {@link
 * io.vmwatch.archiver.chunk.XorChunkEncoder} builds a chunk, {@link
 * io.vmwatch.archiver.chunk.XorChunkIterator} walks one, {@link io.vmwatch.archiver.chunk.XorChunk}
 * holds one; and {@link io.vmwatch.archiver.chunk.ChunkedReadResponseWriter}, the framing of a
 * remote read answered with STREAMED_XOR_CHUNKS. Knows nothing of HTTP or the database.
 */
package io.vmwatch.archiver.chunk;
