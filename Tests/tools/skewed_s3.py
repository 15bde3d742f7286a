"""Fault injection for `doctor`'s clock check: an HTTP server that answers
every S3 request like a bucket would, but with a Date header OFFSET seconds
off the real time (SigV4 is not checked: only the clock is under test)."""
import email.utils
import http.server
import sys
import time

port, offset = int(sys.argv[1]), float(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, body=b""):
        length = int(self.headers.get("Content-Length", 0) or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Date", email.utils.formatdate(time.time() + offset, usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.answer(b"<ListBucketResult><KeyCount>0</KeyCount></ListBucketResult>")

    do_PUT = do_POST = do_DELETE = do_HEAD = lambda self: self.answer()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
