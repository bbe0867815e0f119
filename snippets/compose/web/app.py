"""A tiny web service: Redis counts the hits, PostgreSQL stores every visit.

Standard library http.server, plus two drivers from PyPI (psycopg, redis).
The services' names from compose.yaml ("db", "redis") are its host names.
"""

import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import redis

DATABASE_URL = os.environ["DATABASE_URL"]
GREETING = os.environ.get("GREETING", "Hello")
cache = redis.Redis(host=os.environ.get("REDIS_HOST", "redis"), port=6379)


def create_table():
    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS visits"
            " (id serial PRIMARY KEY, at timestamptz DEFAULT now(), served_by text)"
        )


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.reply(200, "ok\n")
        elif self.path == "/":
            hits = cache.incr("hits")
            with psycopg.connect(DATABASE_URL) as conn:
                conn.execute(
                    "INSERT INTO visits (served_by) VALUES (%s)", (socket.gethostname(),)
                )
                (visits,) = conn.execute("SELECT count(*) FROM visits").fetchone()
            self.reply(
                200,
                f"{GREETING}! Hits counted by Redis: {hits}. "
                f"Visits stored in PostgreSQL: {visits}. "
                f"Served by container {socket.gethostname()}.\n",
            )
        else:
            self.reply(404, "not found\n")

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_request(self, code="-", size="-"):
        # One short line per request; the healthcheck's requests are not logged.
        if self.path != "/health":
            print(f"{self.command} {self.path} -> {code}", flush=True)


if __name__ == "__main__":
    create_table()
    print("listening on port 8000", flush=True)
    ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
