"""Contract tests for the catalog's stand-in images: they behave as the official images do.

They run against the suite's engine (the `docker_engine` fixture starts it and seeds the
catalog). Ports published there are reachable only in the engine's network namespace, so
clients run in containers on a user-defined network, or on the host through
engine.in_namespace(). Every test removes the containers, networks, volumes and images it made.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_helpers import Docker  # noqa: E402


@pytest.fixture
def docker(docker_engine, tmp_path):
    if not docker_engine.owned:
        pytest.skip("contract tests check the catalog's stand-ins; this engine uses the real images")
    client = Docker(docker_engine, tmp_path)
    yield client
    client.clean()
