"""busybox:1.37: one static binary FROM scratch whose applets work, networking included."""

from __future__ import annotations

import json

from catalog_helpers import wait_for

IMAGE = "busybox:1.37"


def test_single_layer_from_scratch_with_applets_in_bin(docker):
    docker.pull(IMAGE)
    info = json.loads(docker("image", "inspect", IMAGE).stdout)[0]
    assert len(info["RootFS"]["Layers"]) == 1
    assert info["Config"]["Cmd"] == ["sh"]
    out = docker("run", "--rm", IMAGE, "sh", "-c",
                 "ls /bin | wc -l; ls /usr 2>&1 | head -1; echo hello | sed s/hello/bye/; "
                 "echo $((6 * 7)); id -un; test -x /bin/busybox && echo ok").stdout.splitlines()
    assert int(out[0]) > 200
    assert "No such file" in out[1]  # nothing but /bin, as the official image
    assert out[2:] == ["bye", "42", "root", "ok"]


def test_wget_and_name_resolution_reach_a_container_on_a_user_network(docker):
    net = docker.network()
    web = docker.name("web")
    docker.pull("nginx:1.30")
    docker.pull(IMAGE)
    docker("run", "-d", "--name", web, "--network", net, "nginx:1.30")

    def fetch():
        r = docker("run", "--rm", "--network", net, IMAGE, "wget", "-q", "-O-", f"http://{web}/",
                   check=False)
        return r.stdout if r.returncode == 0 else None

    assert "<h1>Welcome to nginx!</h1>" in wait_for("nginx through busybox wget", fetch, 30)
    ping = docker("run", "--rm", "--network", net, IMAGE, "ping", "-c", "1", "-W", "5", web)
    assert "1 packets received" in ping.stdout
    lookup = docker("run", "--rm", "--network", net, IMAGE, "nslookup", web)
    assert "Address" in lookup.stdout and web in lookup.stdout
