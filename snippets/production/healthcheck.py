"""Health probe run by Docker inside the container: exit 0 = healthy, 1 = unhealthy.

The image is python:3.13-slim, which has no curl: the probe uses Python, which it has.
"""

import sys
import urllib.error
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:8000/health", timeout=2) as reply:
        print(f"ok: HTTP {reply.status}")
        sys.exit(0)
except urllib.error.HTTPError as error:
    print(f"unhealthy: HTTP {error.code}")
except OSError as error:
    print(f"unhealthy: {error}")
sys.exit(1)
