"""The disaster-recovery tests' stand-in for the application backend.

Serves GET /api/health on BACKEND_PORT (8000): 200 with what it sees when MongoDB
(MONGO_URI), Redis (REDIS_HOST:REDIS_PORT) and the uploads folder (UPLOADS_DIR)
all answer, 503 with the reason otherwise.
"""
import json
import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pymongo


def redis_keys():
    with socket.create_connection((os.environ.get("REDIS_HOST", "redis"), int(os.environ.get("REDIS_PORT", "6379"))), timeout=2) as connection:
        connection.sendall(b"*1\r\n$6\r\nDBSIZE\r\n")
        reply = connection.recv(64)
    if not reply.startswith(b":"):
        raise RuntimeError("redis: %r" % reply)
    return int(reply[1:].strip())


def health():
    client = pymongo.MongoClient(os.environ["MONGO_URI"], serverSelectionTimeoutMS=2000)
    documents = sum(client[name][collection].estimated_document_count()
                    for name in client.list_database_names() if name not in ("admin", "local", "config")
                    for collection in client[name].list_collection_names())
    uploads = os.environ.get("UPLOADS_DIR", "/app/uploads")
    files = sum(len(names) for _, _, names in os.walk(uploads))
    return {"mongo_documents": documents, "redis_keys": redis_keys(), "upload_files": files}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/api/health":
            self.send_response(404)
            self.end_headers()
            return
        try:
            status, body = 200, {"status": "ok", **health()}
        except Exception as error:  # any dependency down is "unhealthy", with the reason
            status, body = 503, {"status": "unhealthy", "reason": str(error)}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


# PID 1 in a container has no default SIGTERM action: stop at once when asked.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("BACKEND_PORT", "8000"))), Handler).serve_forever()
