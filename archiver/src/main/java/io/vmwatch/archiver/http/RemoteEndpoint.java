package io.vmwatch.archiver.http;

import com.sun.net.httpserver.HttpExchange;
import io.vmwatch.archiver.codec.MalformedRequestException;
import io.vmwatch.archiver.codec.TooLargeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the remote-write and remote-read endpoints share: the checks before a body is decoded, in
 * this order: method (405), credentials (401), media type (415: protobuf, snappy, the 1.0 message
 * and version), body within its limit (413) and complete (400), then decoding (400, 413); and the
 * frame around each request: its status recorded with its duration, 500 on an unexpected failure,
 * the exchange closed.
 */
final class RemoteEndpoint<T> {
  private static final Logger LOG = Logger.getLogger(RemoteEndpoint.class.getName());
  private static final String MEDIA_TYPE = "application/x-protobuf";
  private static final long DRAIN_LIMIT = 64L << 20;

  /** An answer: status, the reason it is counted under when refused (null: not counted), text. */
  record Reply(int code, String reason, String message) {}

  /** A request refused before it reached the database. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Reply reply;

    Refused(int code, String reason, String message) {
      super(message, null, false, false);
      this.reply = new Reply(code, reason, message);
    }

    Reply reply() {
      return reply;
    }
  }

  /** Decodes a body; the codec's two refusals. */
  @FunctionalInterface
  interface Decoder<T> {
    T decode(byte[] body) throws MalformedRequestException, TooLargeException;
  }

  /**
   * The work of one admitted request; its reply is sent unless the work already started the answer.
   */
  @FunctionalInterface
  interface Work<T> {
    Reply process(HttpExchange exchange, T request) throws IOException;
  }

  /** The 1.0 protocols served. */
  enum Protocol {
    WRITE("remote write", "prometheus.WriteRequest", "X-Prometheus-Remote-Write-Version"),
    READ("remote read", "prometheus.ReadRequest", "X-Prometheus-Remote-Read-Version");

    /** Its name in texts. */
    final String text;

    /** The message a {@code proto} parameter of the Content-Type may name. */
    final String message;

    /** The header whose value must start with 0.1. when present. */
    final String versionHeader;

    Protocol(String text, String message, String versionHeader) {
      this.text = text;
      this.message = message;
      this.versionHeader = versionHeader;
    }
  }

  private final Protocol protocol;
  private final WriteAuth auth;
  private final long maxBodyBytes;
  private final Decoder<T> decoder;
  private final BiConsumer<Integer, Duration> requests;
  private final Consumer<String> rejections;

  /**
   * @param maxBodyBytes the largest body read; above it the request is refused with 413
   * @param decoder decodes the body into the request that the work takes
   * @param requests takes each request's status and duration
   * @param rejections takes the reason of each refusal
   */
  RemoteEndpoint(
      Protocol protocol,
      WriteAuth auth,
      long maxBodyBytes,
      Decoder<T> decoder,
      BiConsumer<Integer, Duration> requests,
      Consumer<String> rejections) {
    this.protocol = protocol;
    this.auth = auth;
    this.maxBodyBytes = maxBodyBytes;
    this.decoder = decoder;
    this.requests = requests;
    this.rejections = rejections;
  }

  /**
   * Admits the request and runs {@code work} on its decoded body, or answers the refusal; inside
   * the frame. See the class comment.
   */
  void serve(HttpExchange exchange, Work<T> work) {
    long start = System.nanoTime();
    int code = 500;
    try {
      Reply reply;
      try {
        reply = work.process(exchange, admit(exchange));
      } catch (Refused refused) {
        reply = refused.reply();
      }
      code = reply.code();
      if (exchange.getResponseCode() == -1) {
        send(exchange, reply);
      }
    } catch (IOException | RuntimeException e) {
      // Either before anything was sent (answered 500), or during a stream: the client then gets
      // a body shorter than its snappy header announces, which it refuses.
      LOG.log(Level.WARNING, protocol.text + " request failed", e);
      rejections.accept("internal");
      try {
        send(exchange, new Reply(500, "internal", "internal error"));
      } catch (IOException | RuntimeException alreadyAnswered) {
        // the client went away or the status line was already sent: nothing more to say
      }
    } finally {
      requests.accept(code, Duration.ofNanos(System.nanoTime() - start));
      exchange.close();
    }
  }

  /** A refusal, counted under its reason. */
  Reply refuse(int code, String reason, String text) {
    rejections.accept(reason);
    return new Reply(code, reason, text);
  }

  /** The decoded body of an admissible request; see the class comment for the checks. */
  private T admit(HttpExchange exchange) throws IOException, Refused {
    if (!"POST".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "POST");
      throw new Refused(405, null, "only POST is supported");
    }
    if (!auth.permits(exchange.getRequestHeaders().getFirst("Authorization"))) {
      exchange.getResponseHeaders().set("WWW-Authenticate", auth.challenge());
      throw counted(401, "unauthorized", "missing or wrong credentials");
    }
    String unsupported = unsupportedMediaType(exchange);
    if (unsupported != null) {
      throw counted(415, "unsupported_type", unsupported);
    }
    try {
      byte[] body = readAtMost(exchange, maxBodyBytes);
      if (body == null) {
        throw counted(413, "too_large", "body is above the limit of " + maxBodyBytes + " bytes");
      }
      return decoder.decode(body);
    } catch (MalformedRequestException e) {
      throw counted(400, "malformed", e.getMessage());
    } catch (TooLargeException e) {
      throw counted(413, "too_large", e.getMessage());
    }
  }

  private Refused counted(int code, String reason, String text) {
    rejections.accept(reason);
    return new Refused(code, reason, text);
  }

  /** Null when the request is the 1.0 protocol; otherwise why not. */
  private String unsupportedMediaType(HttpExchange exchange) {
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType == null) {
      return "Content-Type is missing; expected " + MEDIA_TYPE;
    }
    String[] parts = contentType.split(";");
    if (!parts[0].trim().equalsIgnoreCase(MEDIA_TYPE)) {
      return "Content-Type "
          + contentType
          + " is not supported; expected "
          + MEDIA_TYPE
          + " ("
          + protocol.text
          + " 1.0)";
    }
    for (int i = 1; i < parts.length; i++) {
      String[] parameter = parts[i].split("=", 2);
      if (parameter[0].trim().equalsIgnoreCase("proto")
          && (parameter.length < 2
              || !parameter[1].trim().replace("\"", "").equals(protocol.message))) {
        return "Content-Type "
            + contentType
            + " is not supported: only "
            + protocol.text
            + " 1.0 ("
            + protocol.message
            + ") is accepted";
      }
    }
    String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
    if (encoding == null || !encoding.trim().toLowerCase(Locale.ROOT).equals("snappy")) {
      return "Content-Encoding " + encoding + " is not supported; expected snappy";
    }
    String version = exchange.getRequestHeaders().getFirst(protocol.versionHeader);
    if (version != null && !version.trim().startsWith("0.1.")) {
      return protocol.versionHeader + " " + version + " is not supported; expected 0.1.0";
    }
    return null;
  }

  /**
   * The whole body, or null when it is longer than limit. With a Content-Length (as Prometheus
   * sends) the body is read into one array of that size, never more. The rest of an oversized body
   * is read and discarded (up to {@link #DRAIN_LIMIT}) so that the client gets to read the 413
   * instead of a reset.
   */
  static byte[] readAtMost(HttpExchange exchange, long limit)
      throws IOException, MalformedRequestException {
    InputStream in = exchange.getRequestBody();
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw new MalformedRequestException("Content-Length is not a number");
      }
      if (length > limit) {
        if (length <= limit + DRAIN_LIMIT) {
          in.transferTo(OutputStream.nullOutputStream());
        }
        return null;
      }
      byte[] body = in.readNBytes((int) length);
      if (body.length < length) {
        throw new MalformedRequestException(
            "body ended after " + body.length + " of " + length + " bytes");
      }
      return body;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      total += n;
      if (total > limit) {
        while (total <= limit + DRAIN_LIMIT && (n = in.read(buffer)) > 0) {
          total += n;
        }
        return null;
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    if (reply.message() == null) {
      exchange.sendResponseHeaders(reply.code(), -1);
      return;
    }
    PlainText.send(exchange, reply.code(), PlainText.UTF8, reply.message() + "\n");
  }
}
