"""Building one stand-in: its build context, `docker build`, the version check, the push.

Every image and tag it makes in the engine is remembered, so that seeding can leave the engine
as it found it (Docker.remove_made).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from docproof import engine as engine_module
from docproof.catalog.model import (CATALOG_DIR, IMAGES_FILE, RECIPE_LABEL, VERSION_LABEL,
                                    CatalogError, Image, resolved_tags)
from docproof.catalog.registry import address


def say(message: str) -> None:
    """A line of seeding's progress, on stderr."""
    print(f"catalog: {message}", file=sys.stderr, flush=True)


class Docker:
    """The docker CLI on the engine, remembering every image reference seeding made there."""

    def __init__(self, engine: engine_module.Engine):
        self.engine = engine
        self.env = engine.cli_env()
        self.created: set[str] = set()
        self.lock = threading.Lock()  # builds run in threads

    def run(self, *argv: str, log: Path | None = None, check: bool = True,
            stdin: bytes | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(self.engine.docker(*argv), env=self.env, input=stdin, capture_output=True)
        if log is not None:
            with log.open("ab") as f:
                f.write(f"$ docker {' '.join(argv)}\n".encode() + result.stdout + result.stderr)
        if check and result.returncode != 0:
            out = (result.stdout + result.stderr).decode(errors="replace").strip().splitlines()
            raise CatalogError(f"`docker {' '.join(argv)}` failed ({result.returncode}):\n"
                               + "\n".join(out[-25:]))
        return result

    def made(self, *refs: str) -> None:
        with self.lock:
            self.created.update(refs)

    def remove_made(self) -> None:
        """Leaves the engine as seeding found it: no catalog images, no build cache."""
        present = [r for r in sorted(self.created)
                   if self.run("image", "inspect", "--format", "{{.Id}}", r, check=False).returncode == 0]
        if present:
            self.run("rmi", "-f", *present, check=False)
        self.run("builder", "prune", "-af", check=False)
        self.run("image", "prune", "-f", check=False)


def _context(image: Image, workdir: Path, host_certs: list[str]) -> Path:
    ctx = workdir / image.name
    shutil.copytree(image.recipe_dir, ctx)
    if image.host_ca:
        (ctx / "host-ca").mkdir(exist_ok=True)
        for n, pem in enumerate(host_certs):
            (ctx / "host-ca" / f"docproof-host-{n:02d}.crt").write_text(pem + "\n")
    if image.prepare:
        result = subprocess.run([str(ctx / image.prepare)], cwd=ctx, capture_output=True, text=True)
        if result.returncode != 0:
            raise CatalogError(f"{image.name}: {image.prepare} failed ({result.returncode}):\n"
                               + (result.stdout + result.stderr)[-3000:])
    return ctx


def recipe_epoch(image: Image) -> int:
    """When the recipe last changed: its last commit, or its newest file outside a git checkout."""
    result = subprocess.run(["git", "log", "-1", "--format=%ct", "--", str(image.recipe_dir)],
                            cwd=image.catalog_dir, capture_output=True, text=True)
    if result.returncode == 0 and result.stdout.strip().isdigit():
        return int(result.stdout.strip())
    return int(max(p.stat().st_mtime for p in image.recipe_dir.rglob("*") if p.is_file()))


def _labels_for(image: Image, digest: str) -> dict[str, str]:
    return {
        "org.opencontainers.image.title": image.name,
        "org.opencontainers.image.description": (
            f"Stand-in for the official Docker Hub image '{image.name}', built from Debian packages "
            f"by the Docker Mastery Guide's test suite (catalog/{image.recipe}) where Docker Hub is "
            f"unreachable. {image.summary}."),
        "org.opencontainers.image.vendor": "Docker Mastery Guide (docproof stand-in, not the official image)",
        "org.opencontainers.image.base.name": image.parent or "scratch",
        "io.docproof.stand-in": "true",
        RECIPE_LABEL: digest,
    }


def _checked_version(image: Image, work_tag: str, docker: Docker, log: Path) -> str:
    """The version the built software reports; it must be what the tags say."""
    check = docker.run("run", "--rm", "--network", "none", "--entrypoint", image.version_argv[0],
                       work_tag, *image.version_argv[1:], log=log, check=False)
    output = (check.stdout + check.stderr).decode(errors="replace").strip()
    found = re.search(image.version_pattern, output, re.M)
    if check.returncode != 0 or not found:
        raise CatalogError(
            f"{image.name}: `{' '.join(image.version_argv)}` in the built image printed {output!r} "
            f"(exit {check.returncode}), which does not match {image.version_pattern!r} from "
            f"{IMAGES_FILE.relative_to(CATALOG_DIR.parent)}: the packages are not the version the "
            "tags promise; fix the recipe or the tags")
    return found.group(1)


def build(image: Image, digest: str, docker: Docker, workdir: Path, host_certs: list[str]) -> str:
    """Builds, checks and pushes one image under all its tags. Returns its version."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{image.name}.log"
    registry = address()
    if image.parent:
        # The parent is pulled from the catalog registry and named as the Dockerfile's FROM says.
        source = f"{registry}/library/{image.parent}"
        docker.run("pull", "-q", source, log=log)
        docker.run("tag", source, image.parent, log=log)
        docker.made(source, image.parent)
    ctx = _context(image, workdir, host_certs)
    work_tag = f"docproof-catalog/{image.name}:build"
    # Created when the recipe last changed, not when this machine seeded it ("10 minutes ago"):
    # an official image's date is its build farm's, which a reader sees as days or weeks ago.
    epoch = ["--build-arg", f"SOURCE_DATE_EPOCH={recipe_epoch(image)}"]
    argv = ["build", "--pull=false", "--progress=plain", *epoch, "-t", work_tag]
    for key, value in _labels_for(image, digest).items():
        argv += ["--label", f"{key}={value}"]
    for key, value in image.args.items():
        argv += ["--build-arg", f"{key}={value}"]
    docker.made(work_tag)
    docker.run(*argv, str(ctx), log=log)
    version = _checked_version(image, work_tag, docker, log)

    # Record the version in the image itself (metadata only, no new layer), and where the
    # official image names its exact version in an environment variable, set that too.
    final = f"docproof-catalog/{image.name}:final"
    stamp = workdir / f"{image.name}-version"
    stamp.mkdir()
    stamp_lines = [f"FROM {work_tag}"]
    if image.version_env:
        stamp_lines.append(f"ENV {image.version_env}=\"{version}\"")
    stamp_lines.append(f"LABEL {VERSION_LABEL}=\"{version}\"")
    (stamp / "Dockerfile").write_text("\n".join(stamp_lines) + "\n")
    docker.made(final)
    docker.run("build", "--pull=false", "-q", *epoch, "-t", final, str(stamp), log=log)

    refs = [f"{registry}/library/{image.name}:{tag}" for tag in resolved_tags(image, version)]
    docker.made(*refs)
    for ref in refs:
        docker.run("tag", final, ref, log=log)
    docker.run("push", "-q", "--all-tags", f"{registry}/library/{image.name}", log=log)
    return version


def build_with_retry(image: Image, digest: str, docker: Docker, workdir: Path,
                     host_certs: list[str]) -> str:
    """build(), once more after a failure: package mirrors flake, and a daemon shared with
    other runs may lose an intermediate image. A second failure is the one reported."""
    try:
        return build(image, digest, docker, workdir / "1", host_certs)
    except CatalogError as error:
        first = str(error).splitlines()[0][:200]
        say(f"{image.name}: retrying after: {first}")
    return build(image, digest, docker, workdir / "2", host_certs)
