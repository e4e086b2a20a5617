"""A minimal Prometheus remote-write receiver for the live test.

Usage: python3 remote-write-sink.py PORT NAMES_FILE
Listens on 127.0.0.1:PORT, accepts POST /api/v1/write (snappy-compressed protobuf WriteRequest),
decodes it with the standard library only, and appends every metric name it has not seen before to
NAMES_FILE, one per line. Answers 204, or 400 for a body it cannot decode.
GET /metrics answers like the archiver's own /metrics (a few of its vmwatch_archiver_ metrics and
a JVM one), so the archiver job has a target whose series remote write must not send back.
POST /api/v1/read (remote read 1.0, as the rendered remote_read sends it) answers an empty
ReadResponse, one empty QueryResult per query, so queries get no warning; the archiver's own
remote read is tested in archiver/ (RemoteReadIT).
"""
import http.server
import sys


def snappy_decompress(data):
    """Snappy block format: a varint length, then literals and back-references."""
    length, pos = read_varint(data, 0)
    out = bytearray()
    while pos < len(data):
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            size = tag >> 2
            if size >= 60:
                extra = size - 59
                size = int.from_bytes(data[pos:pos + extra], "little")
                pos += extra
            size += 1
            out += data[pos:pos + size]
            pos += size
            continue
        if kind == 1:
            size = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:
            size = (tag >> 2) + 1
            offset = int.from_bytes(data[pos:pos + 2], "little")
            pos += 2
        else:
            size = (tag >> 2) + 1
            offset = int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        if offset == 0 or offset > len(out):
            raise ValueError("bad snappy offset")
        for _ in range(size):  # byte by byte: the copy may overlap itself
            out.append(out[-offset])
    if len(out) != length:
        raise ValueError("snappy length mismatch")
    return bytes(out)


def read_varint(data, pos):
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def fields(message):
    """Yield (field number, value) of a protobuf message; length-delimited values as bytes."""
    pos = 0
    while pos < len(message):
        key, pos = read_varint(message, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(message, pos)
        elif wire == 1:
            value, pos = message[pos:pos + 8], pos + 8
        elif wire == 2:
            size, pos = read_varint(message, pos)
            value, pos = message[pos:pos + size], pos + size
        elif wire == 5:
            value, pos = message[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, value


def snappy_literal(data):
    """Snappy block format holding data as literals only (valid for any input)."""
    out = bytearray()
    length = len(data)
    while True:
        out.append((length & 0x7F) | (0x80 if length >= 0x80 else 0))
        length >>= 7
        if not length:
            break
    for start in range(0, len(data), 65536):
        piece = data[start:start + 65536]
        if len(piece) <= 60:
            out.append((len(piece) - 1) << 2)
        else:
            out.append(61 << 2)  # literal, length - 1 in the next two bytes
            out += (len(piece) - 1).to_bytes(2, "little")
        out += piece
    return bytes(out)


def empty_read_response(read_request):
    """ReadResponse.results (1): one empty QueryResult per ReadRequest.queries (1)."""
    queries = sum(1 for number, _ in fields(read_request) if number == 1)
    return b"\x0a\x00" * queries


def metric_names(write_request):
    """WriteRequest.timeseries (1) -> TimeSeries.labels (1) -> Label name (1) / value (2)."""
    for number, series in fields(write_request):
        if number != 1:
            continue
        for label_number, label in fields(series):
            if label_number != 1:
                continue
            pairs = dict(fields(label))
            if pairs.get(1) == b"__name__":
                yield pairs.get(2, b"").decode()


ARCHIVER_METRICS = b"""# TYPE vmwatch_archiver_samples_received_total counter
vmwatch_archiver_samples_received_total 42
# TYPE vmwatch_archiver_db_errors_total counter
vmwatch_archiver_db_errors_total 0
# TYPE jvm_threads_live_threads gauge
jvm_threads_live_threads 17
"""


class Receiver(http.server.BaseHTTPRequestHandler):
    seen = set()

    def do_GET(self):
        if self.path != "/metrics":
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(ARCHIVER_METRICS)))
        self.end_headers()
        self.wfile.write(ARCHIVER_METRICS)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/api/v1/read":
            answer = snappy_literal(empty_read_response(snappy_decompress(body)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Encoding", "snappy")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            return
        if self.path != "/api/v1/write":
            self.send_response(404)
            self.end_headers()
            return
        try:
            names = set(metric_names(snappy_decompress(body)))
        except (ValueError, IndexError) as error:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(error).encode())
            return
        new = names - Receiver.seen
        if new:
            Receiver.seen |= new
            with open(sys.argv[2], "a", encoding="utf-8") as out:
                out.writelines(name + "\n" for name in sorted(new))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
