"""Receives alert webhooks (and heartbeat pings) for the tests: every POST
body is appended, one JSON document a line, to the file named by the second
argument, and each request's method and path (then its body, on one line)
to that file + ".requests". Answers 500 to the first N posts when a third
argument N is given (to test retries)."""
import http.server
import sys

port, path = int(sys.argv[1]), sys.argv[2]
failures_left = int(sys.argv[3]) if len(sys.argv) > 3 else 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global failures_left
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(path + ".requests", "ab") as out:
            out.write(b"POST " + self.path.encode() + b" " + body.replace(b"\n", b" ") + b"\n")
        if failures_left > 0:
            failures_left -= 1
            self.send_response(500)
            self.end_headers()
            return
        with open(path, "ab") as out:
            out.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
