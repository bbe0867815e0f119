"""redis:8.0: redis-server on 6379 reachable from other containers, data in /data."""

from __future__ import annotations

import json

from catalog_helpers import wait_for

IMAGE = "redis:8.0"


def test_other_containers_set_and_get_and_data_is_saved_in_data(docker):
    docker.pull(IMAGE)
    net = docker.network()
    cache = docker.name("cache")
    docker("run", "-d", "--name", cache, "--network", net, IMAGE)

    def cli(*args):
        return docker("run", "--rm", "--network", net, IMAGE, "redis-cli", "-h", cache, *args, check=False)

    assert wait_for("redis to answer", lambda: cli("ping").stdout.strip() == "PONG", 30)
    assert cli("set", "greeting", "hello").stdout.strip() == "OK"
    assert cli("get", "greeting").stdout.strip() == "hello"
    assert "redis_version:8.0." in cli("info", "server").stdout
    assert cli("save").stdout.strip() == "OK"
    assert "dump.rdb" in docker("exec", cache, "ls", "/data").stdout
    assert docker("exec", cache, "sh", "-c", "stat -c %U /proc/1").stdout.strip() == "redis"


def test_image_interface(docker):
    docker.pull(IMAGE)
    config = json.loads(docker("image", "inspect", IMAGE).stdout)[0]["Config"]
    assert config["Cmd"] == ["redis-server"]
    assert config["WorkingDir"] == "/data"
    assert "6379/tcp" in config["ExposedPorts"]
    assert "/data" in config["Volumes"]
    # Options alone go to redis-server, as in the official image.
    name = docker.name("opts")
    docker("run", "-d", "--name", name, IMAGE, "--appendonly", "yes")
    wait_for("the append-only file", lambda: "appendonlydir" in docker("exec", name, "ls", "/data", check=False).stdout, 20)
