package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The body of a 200 answer whose status is held back while the body fits in a buffer: until then a
 * read can still be refused with a clean status (nothing was sent). The status line and headers go
 * out when the buffer overflows (then chunked) or at {@link #close} (then with the exact length).
 * {@link #flush} before that keeps holding.
 */
final class DeferredBody extends OutputStream {
  private final HttpExchange exchange;
  private final byte[] buffer;
  private int buffered;
  private OutputStream body;

  DeferredBody(HttpExchange exchange, int bufferBytes) {
    this.exchange = exchange;
    this.buffer = new byte[bufferBytes];
  }

  /** Whether the status was sent: from then on the answer is a 200 whatever happens. */
  boolean committed() {
    return body != null;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    if (body == null && buffered + length <= buffer.length) {
      System.arraycopy(bytes, offset, buffer, buffered, length);
      buffered += length;
      return;
    }
    if (body == null) {
      exchange.sendResponseHeaders(200, 0);
      body = exchange.getResponseBody();
      body.write(buffer, 0, buffered);
    }
    body.write(bytes, offset, length);
  }

  @Override
  public void flush() throws IOException {
    if (body != null) {
      body.flush();
    }
  }

  @Override
  public void close() throws IOException {
    if (body == null) {
      exchange.sendResponseHeaders(200, buffered == 0 ? -1 : buffered);
      body = exchange.getResponseBody();
      body.write(buffer, 0, buffered);
    }
    body.close();
  }
}
