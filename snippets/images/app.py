"""A tiny web app: one page, served by Bottle (the one package in requirements.txt)."""
import signal
import sys

import bottle

app = bottle.Bottle()


@app.get("/")
def hello():
    return f"Hello from a container! (Bottle {bottle.__version__})\n"


def stop(signum, frame):
    # docker stop sends SIGTERM: end at once, with exit code 0.
    sys.exit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    bottle.run(app, host="0.0.0.0", port=8000)
