"""Leaving the engine as a page found it, so pages can run in any order.

On the suite's own engine a page starts from an empty engine and everything is removed after
it. On a daemon the user named, only what appeared during the page is removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import docker
from docker.errors import APIError, NotFound

# Networks every engine has and that cannot be removed. `docker_gwbridge` and `ingress` come with
# `docker swarm init`; `ingress` goes when the node leaves the swarm, `docker_gwbridge` stays and
# is removed like any network the page created.
DEFAULT_NETWORKS = {"bridge", "host", "none"}


@dataclass
class Snapshot:
    containers: set[str] = field(default_factory=set)
    networks: set[str] = field(default_factory=set)
    volumes: set[str] = field(default_factory=set)
    images: set[str] = field(default_factory=set)
    plugins: set[str] = field(default_factory=set)
    build_cache: set[str] = field(default_factory=set)
    swarm: bool = False


def snapshot(client: docker.DockerClient) -> Snapshot:
    return Snapshot(
        containers={c.id for c in client.containers.list(all=True, ignore_removed=True)},
        networks={n.id for n in client.networks.list()},
        volumes={v.name for v in client.volumes.list()},
        images={i.id for i in client.images.list(all=True)},
        plugins={p.id for p in client.plugins.list()},
        build_cache=_build_cache(client),
        swarm=_in_swarm(client),
    )


EMPTY = Snapshot()


def _build_cache(client: docker.DockerClient) -> set[str]:
    return {record["ID"] for record in client.df().get("BuildCache") or []}


def _in_swarm(client: docker.DockerClient) -> bool:
    return client.info().get("Swarm", {}).get("LocalNodeState") not in (None, "inactive", "")


def restore(client: docker.DockerClient, before: Snapshot, wipe_build_cache: bool) -> list[str]:
    """Removes what is not in `before`. Returns what could not be removed (empty when clean)."""
    problems: list[str] = []

    def attempt(what: str, action) -> None:
        try:
            action()
        except NotFound:
            pass
        except APIError as error:
            problems.append(f"{what}: {error.explanation or error}")

    if _in_swarm(client) and not before.swarm:
        attempt("swarm", lambda: client.swarm.leave(force=True))
    for container in client.containers.list(all=True, ignore_removed=True):
        if container.id not in before.containers:
            attempt(f"container {container.name}", lambda c=container: c.remove(force=True, v=True))
    for network in client.networks.list():
        if network.id not in before.networks and network.name not in DEFAULT_NETWORKS:
            attempt(f"network {network.name}", network.remove)
    for volume in client.volumes.list():
        if volume.name not in before.volumes:
            attempt(f"volume {volume.name}", lambda v=volume: v.remove(force=True))
    for plugin in client.plugins.list():
        if plugin.id not in before.plugins:
            attempt(f"plugin {plugin.name}", lambda p=plugin: p.remove(force=True))
    # An image can only go once the images built on it are gone: retry while progress is made.
    for _ in range(5):
        left = [i for i in client.images.list(all=True) if i.id not in before.images]
        if not left:
            break
        for image in left:
            try:
                client.images.remove(image.id, force=True)
            except (NotFound, APIError):
                pass
    left = [i.tags or i.short_id for i in client.images.list(all=True) if i.id not in before.images]
    if left:
        problems.append(f"images left: {left}")
    if wipe_build_cache:
        attempt("build cache", lambda: client.api.prune_builds(all=True))
    else:
        # A later page's build would print CACHED for steps this page built, and the cache keeps
        # the layers of the images removed above, so a later pull would not download them.
        # The API prunes by one id per call; a record goes once no newer record uses it, and
        # right after its image was removed a record can still be in use for a moment (seen on
        # the runner-like daemon: records left that were gone a little later).
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            new = sorted(_build_cache(client) - before.build_cache)
            if not new:
                break
            for record in new:
                try:
                    client.api.prune_builds(filters={"id": record}, all=True)
                except APIError:
                    pass
            time.sleep(0.5)
        left = sorted(_build_cache(client) - before.build_cache)
        if left:
            problems.append(f"build cache records left: {left}")
    return problems
