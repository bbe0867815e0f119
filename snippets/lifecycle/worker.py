"""A worker that waits for jobs, and shuts down cleanly when it is asked to."""
import signal
import sys
import time


def shut_down(signum, frame):
    # A real worker would finish its current job and close its connections here.
    print(f"received {signal.Signals(signum).name}: shutting down cleanly", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, shut_down)
signal.signal(signal.SIGINT, shut_down)

print("worker started, waiting for jobs", flush=True)
while True:
    time.sleep(1)
