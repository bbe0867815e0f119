"""A tiny web service with a health endpoint, for the production chapter."""

import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Pretend the service needs a few seconds to warm up (load data, open connections).
STARTUP_SECONDS = float(os.environ.get("STARTUP_SECONDS", "3"))
# A fault you can inject from outside: while this file exists, /health fails.
FAULT_FILE = "/tmp/fault"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            healthy = not os.path.exists(FAULT_FILE)
            code, body = (200, "ok\n") if healthy else (503, "fault injected\n")
        else:
            code, body = 200, "hello from app\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format, *args):
        # One line per request on stdout (what docker logs shows), but not
        # for the health probe, which would fill the log every few seconds.
        if self.path != "/health":
            print(f"{self.command} {self.path} {args[1]}", flush=True)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"warming up for {STARTUP_SECONDS:g} s", flush=True)
    time.sleep(STARTUP_SECONDS)
    server = ThreadingHTTPServer(("0.0.0.0", 8000), Handler)
    print("listening on port 8000", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
