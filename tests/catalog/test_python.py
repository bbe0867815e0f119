"""python:3.13-slim: python and pip on the PATH, pip install as root in a build, venv."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parent / "apps" / "python"
IMAGE = "python:3.13-slim"


def test_a_build_pip_installs_from_the_package_registry(docker):
    docker.pull(IMAGE)
    tag = docker.tag("pyapp")
    docker("build", "-q", "-t", tag, str(APP), timeout=600)
    assert docker("run", "--rm", tag).stdout == "six 1.17.0 on Python 3.13\n"


def test_python_pip_and_venv_on_the_path(docker):
    docker.pull(IMAGE)
    out = docker("run", "--rm", IMAGE, "sh", "-c",
                 "python --version; python3 --version; pip --version; pip3 --version; "
                 "python -m venv /tmp/v && /tmp/v/bin/python -c 'import sys; print(sys.prefix)'; "
                 "python -c 'import ssl, sqlite3, json, venv; print(\"stdlib ok\")'").stdout.splitlines()
    assert out[0].startswith("Python 3.13.") and out[1] == out[0]
    assert out[2].startswith("pip ") and "(python 3.13)" in out[2]
    assert out[3].startswith("pip ")
    assert out[4:] == ["/tmp/v", "stdlib ok"]
    cmd = docker("image", "inspect", "--format", "{{json .Config.Cmd}}", IMAGE).stdout.strip()
    assert cmd == '["python3"]'
