"""node:24-slim: node and npm on the PATH, the node user (1000, /home/node), npm ci in builds."""

from __future__ import annotations

from pathlib import Path

APP = Path(__file__).resolve().parent / "apps" / "node"
IMAGE = "node:24-slim"


def test_a_build_runs_npm_ci_and_the_app_runs_as_uid_1000_under_user_node(docker):
    docker.pull(IMAGE)
    tag = docker.tag("nodeapp")
    docker("build", "-q", "-t", tag, str(APP), timeout=600)
    assert docker("run", "--rm", tag).stdout == "uid 1000 user node home /home/node ms 1h\n"


def test_node_user_npm_and_the_entrypoint(docker):
    docker.pull(IMAGE)
    out = docker("run", "--rm", IMAGE, "sh", "-c",
                 "id node; getent passwd node | cut -d: -f6; node --version; npm --version; "
                 "npx --version; command -v node; command -v npm").stdout.splitlines()
    assert out[0] == "uid=1000(node) gid=1000(node) groups=1000(node)"
    assert out[1] == "/home/node"
    assert out[2].startswith("v24.")
    assert out[3].startswith("11.") and out[4] == out[3]
    assert out[5:] == ["/usr/bin/node", "/usr/local/bin/npm"]
    # As with the official image, options and script names go to node.
    assert docker("run", "--rm", IMAGE, "-e", "console.log(6 * 7)").stdout == "42\n"
    assert docker("run", "--rm", "--user", "node", IMAGE, "node", "-p",
                  "process.getuid() + ' ' + require('os').homedir()").stdout == "1000 /home/node\n"
