"""Records Alertmanager webhook notifications: one JSON document per line in the file given.

Usage: python3 webhook-sink.py PORT FILE   (listens on 127.0.0.1:PORT, answers 200 to POST /hook)
"""
import http.server
import json
import sys


class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/hook":
            self.send_response(404)
            self.end_headers()
            return
        with open(sys.argv[2], "a", encoding="utf-8") as out:
            out.write(json.dumps(json.loads(body)) + "\n")
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
