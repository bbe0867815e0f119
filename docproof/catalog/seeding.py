"""Seeding: every stand-in pushed to the catalog registry with its current recipe.

An image whose pushed tags carry its current recipe digest is not rebuilt, so a warm seed only
asks the registry a few questions. The rest are built in levels: first those whose parent is
up to date (or that have none), then those whose parent the previous level built, each level
in parallel. Afterwards the engine is left empty: pages pull what they use from the registry.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path

from docproof import engine as engine_module
from docproof.catalog.builder import Docker, build_with_retry, say
from docproof.catalog.model import (CatalogError, Image, host_extra_certificates, load, recipe_digests,
                                    resolved_tags)
from docproof.catalog.registry import up_to_date

BUILD_WORKERS = 4


class _Levels:
    """The builds of one seed, level by level, and what became of each image."""

    def __init__(self, docker: Docker, digests: dict[str, str], host_certs: list[str], workdir: Path,
                 versions: dict[str, str]):
        self.docker, self.digests, self.host_certs, self.workdir = docker, digests, host_certs, workdir
        self.versions = versions  # image name -> version pushed, up to date or built now
        self.rebuilt: set[str] = set()
        self.failures: list[str] = []

    def build(self, stale: list[Image]) -> None:
        waiting = list(stale)
        while waiting:
            # The next level: images whose parent is pushed (up to date, or built by a level before).
            level = [i for i in waiting if i.parent_name is None or i.parent_name in self.versions]
            # Neither pushed nor waiting: the parent failed, so these are not attempted.
            waiting_names = {i.name for i in waiting}
            orphans = [i for i in waiting if i not in level and i.parent_name not in waiting_names]
            for image in orphans:
                self.failures.append(f"{image.name}: not built, its parent {image.parent} failed")
            waiting = [i for i in waiting if i not in level and i not in orphans]
            self._build_level(level)

    def _build_level(self, level: list[Image]) -> None:
        with ThreadPoolExecutor(max_workers=BUILD_WORKERS) as pool:
            builds = {}
            for image in level:
                digest = self.digests[image.name]
                say(f"{image.name}: building ({digest[7:19]})")
                build = pool.submit(build_with_retry, image, digest, self.docker, self.workdir, self.host_certs)
                builds[build] = (image, time.monotonic())
            for build in as_completed(builds):
                self._finished(*builds[build], build)

    def _finished(self, image: Image, began: float, future: Future) -> None:
        try:
            version = future.result()
        except Exception as error:  # reported at the end, after the other builds
            self.failures.append(f"{image.name}: {error}")
            say(f"{image.name}: FAILED after {time.monotonic() - began:.0f}s")
            return
        self.versions[image.name] = version
        self.rebuilt.add(image.name)
        say(f"{image.name}:{','.join(resolved_tags(image, version))} built and pushed "
            f"in {time.monotonic() - began:.0f}s")


def _pushed_versions(images: list[Image], digests: dict[str, str], rebuild: bool) -> dict[str, str]:
    """Image name -> version, for the images pushed with their current recipe."""
    versions: dict[str, str] = {}
    for image in images:
        version = None if rebuild else up_to_date(image, digests[image.name])
        if version is not None:
            versions[image.name] = version
            say(f"{image.name}:{','.join(resolved_tags(image, version))} up to date "
                f"({digests[image.name][7:19]})")
    return versions


def seed(engine: engine_module.Engine, rebuild: bool = False) -> None:
    """Makes every catalog image pullable by its Docker Hub name through `engine`'s mirror.

    With rebuild, every image is built again even when the registry has its recipe (to measure
    a cold seed, or to take in Debian's latest packages).
    """
    if not engine.owned:
        return  # a daemon with real Docker Hub access (or the user's): the real images are used
    started = time.monotonic()
    images = load()
    host_certs = host_extra_certificates()
    digests = recipe_digests(images, host_certs)
    versions = _pushed_versions(images, digests, rebuild)
    stale = [i for i in images if i.name not in versions]
    if not stale:
        say(f"all {len(images)} images up to date ({time.monotonic() - started:.1f}s)")
        return

    docker = Docker(engine)
    with tempfile.TemporaryDirectory(prefix="docproof-catalog-") as tmp:
        levels = _Levels(docker, digests, host_certs, Path(tmp), versions)
        try:
            levels.build(stale)
        finally:
            docker.remove_made()
    if levels.failures:
        raise CatalogError("seeding the image catalog failed:\n" + "\n\n".join(levels.failures))
    say(f"{len(levels.rebuilt)} built, {len(images) - len(levels.rebuilt)} up to date "
        f"({time.monotonic() - started:.0f}s)")
