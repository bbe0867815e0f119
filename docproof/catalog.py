"""The image catalog: official image names that work with no Docker Hub.

Where Docker Hub is unreachable (this project's CI), the suite's engine pulls Docker Hub names
through a local registry (engine.REGISTRY_ADDR, its registry mirror). `seed` fills that
registry with stand-in images built from Debian packages by the recipes in catalog/ and listed
in catalog/images.yaml, so that `docker pull nginx:1.30` works offline, as for a reader.

Seeding is cached by recipe: every image carries the label io.docproof.recipe, a digest of its
recipe folder, its catalog entry, its parent's digest (and, for the base image, the host's
extra CA certificates). An image whose pushed tags carry the current digest is not rebuilt, so
a warm seed only asks the registry a few questions. A changed recipe rebuilds that image and
every image built from it. Afterwards the engine is left empty: images and build cache that
seeding created are removed, and pages pull what they use from the registry.

Command line: `python -m docproof.catalog seed [--rebuild] | list`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from docproof import engine as engine_module

CATALOG_DIR = Path(__file__).resolve().parent.parent / "catalog"
IMAGES_FILE = CATALOG_DIR / "images.yaml"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
STOCK_CA_DIR = Path("/usr/share/ca-certificates")  # Debian's packaged certificates
RECIPE_LABEL = "io.docproof.recipe"
VERSION_LABEL = "org.opencontainers.image.version"
BUILD_WORKERS = 4
MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
])


class CatalogError(RuntimeError):
    """A stand-in could not be built, checked or pushed; the message says which and why."""


@dataclass
class Image:
    name: str
    recipe: str
    tags: list[str]
    version_argv: list[str]
    version_pattern: str
    summary: str
    parent: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    prepare: str | None = None
    host_ca: bool = False
    entry: dict = field(default_factory=dict)
    version_env: str | None = None  # environment variable the image sets to its version

    @property
    def static_tags(self) -> list[str]:
        return [t for t in self.tags if "{version}" not in t]

    @property
    def primary(self) -> str:
        return f"{self.name}:{self.static_tags[0]}"

    @property
    def recipe_dir(self) -> Path:
        return CATALOG_DIR / self.recipe


def load(path: Path = IMAGES_FILE) -> list[Image]:
    """The catalog's images, each after its parent."""
    entries = yaml.safe_load(path.read_text())["images"]
    images = []
    for entry in entries:
        version = entry["version"]
        image = Image(
            name=entry["name"], recipe=entry["recipe"], tags=[str(t) for t in entry["tags"]],
            version_argv=[str(a) for a in version["argv"]], version_pattern=version["pattern"],
            summary=entry.get("summary", ""), parent=entry.get("parent"),
            args={k: str(v) for k, v in (entry.get("args") or {}).items()},
            prepare=entry.get("prepare"), host_ca=bool(entry.get("host_ca")), entry=entry,
            version_env=version.get("env"),
        )
        if not image.static_tags:
            raise CatalogError(f"{path}: {image.name} needs at least one tag without {{version}}")
        if not (image.recipe_dir / "Dockerfile").is_file():
            raise CatalogError(f"{path}: {image.name}: no Dockerfile in {image.recipe_dir}")
        images.append(image)
    by_ref = {f"{i.name}:{t}": i for i in images for t in i.static_tags}
    ordered: list[Image] = []
    visiting: set[str] = set()

    def visit(image: Image) -> None:
        if image in ordered:
            return
        if image.name in visiting:
            raise CatalogError(f"{path}: parent cycle through {image.name}")
        visiting.add(image.name)
        if image.parent:
            if image.parent not in by_ref:
                raise CatalogError(f"{path}: {image.name}'s parent {image.parent} is not in the catalog")
            visit(by_ref[image.parent])
        ordered.append(image)

    for image in images:
        visit(image)
    return ordered


# --- what an image is made of -------------------------------------------------------------

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\s.*?-----END CERTIFICATE-----", re.S)


def _pems(text: str) -> list[str]:
    return ["\n".join(line.strip() for line in p.strip().splitlines()) for p in _PEM.findall(text)]


def host_extra_certificates() -> list[str]:
    """CA certificates the host trusts beyond Debian's packaged ones (an intercepting proxy's).

    Containers reach the Python and npm registries over HTTPS only when they trust these.
    On a machine without such certificates this is empty and the stand-ins carry none.
    """
    if not HOST_CA_BUNDLE.is_file():
        return []
    stock: set[str] = set()
    if STOCK_CA_DIR.is_dir():
        for crt in STOCK_CA_DIR.rglob("*.crt"):
            stock.update(_pems(crt.read_text(errors="replace")))
    seen: list[str] = []
    for pem in _pems(HOST_CA_BUNDLE.read_text(errors="replace")):
        if pem not in stock and pem not in seen:
            seen.append(pem)
    return seen


def _recipe_files(image: Image) -> list[Path]:
    return sorted(p for p in image.recipe_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def recipe_digest(image: Image, parent_digest: str | None, host_certs: list[str]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(image.entry, sort_keys=True).encode())
    h.update(f"\0parent={parent_digest}\0".encode())
    for path in _recipe_files(image):
        rel = path.relative_to(image.recipe_dir).as_posix()
        executable = os.access(path, os.X_OK)
        h.update(f"\0file={rel} x={int(executable)}\0".encode())
        h.update(path.read_bytes())
    if image.host_ca:
        for pem in host_certs:
            h.update(b"\0ca\0" + pem.encode())
    return "sha256:" + h.hexdigest()


# --- the registry -------------------------------------------------------------------------

def _registry() -> str:
    return engine_module.own_engine().slot.registry_addr


def _get(url: str, accept: str | None = None, timeout: float = 10) -> bytes | None:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def pushed_config(name: str, tag: str) -> dict | None:
    """The image config of library/NAME:TAG in the catalog registry, or None if not there."""
    base = f"http://{_registry()}/v2/library/{name}"
    raw = _get(f"{base}/manifests/{tag}", MANIFEST_TYPES)
    if raw is None:
        return None
    manifest = json.loads(raw)
    if "manifests" in manifest:  # an index: take the linux/amd64 image
        chosen = next((m for m in manifest["manifests"]
                       if m.get("platform", {}).get("architecture") == "amd64"), None)
        if chosen is None:
            return None
        raw = _get(f"{base}/manifests/{chosen['digest']}", MANIFEST_TYPES)
        if raw is None:
            return None
        manifest = json.loads(raw)
    blob = _get(f"{base}/blobs/{manifest['config']['digest']}")
    return json.loads(blob) if blob else None


def _labels(config: dict | None) -> dict:
    return ((config or {}).get("config") or {}).get("Labels") or {}


def pushed_tags(name: str) -> list[str]:
    raw = _get(f"http://{_registry()}/v2/library/{name}/tags/list")
    return sorted((json.loads(raw).get("tags") or [])) if raw else []


def resolved_tags(image: Image, version: str) -> list[str]:
    return [t.replace("{version}", version) for t in image.tags]


def up_to_date(image: Image, digest: str) -> str | None:
    """The version of the pushed image when every tag of it carries `digest`, else None."""
    first = pushed_config(image.name, image.static_tags[0])
    labels = _labels(first)
    if labels.get(RECIPE_LABEL) != digest or not labels.get(VERSION_LABEL):
        return None
    version = labels[VERSION_LABEL]
    for tag in resolved_tags(image, version)[1:]:
        if _labels(pushed_config(image.name, tag)).get(RECIPE_LABEL) != digest:
            return None
    return version


# --- building -----------------------------------------------------------------------------

def _log(message: str) -> None:
    print(f"catalog: {message}", file=sys.stderr, flush=True)


class _Docker:
    def __init__(self, engine: engine_module.Engine):
        self.engine = engine
        self.env = engine.cli_env()
        self.created: set[str] = set()  # image references this seed made in the engine
        self.lock = threading.Lock()

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
                            cwd=CATALOG_DIR, capture_output=True, text=True)
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


def build(image: Image, digest: str, docker: _Docker, workdir: Path, host_certs: list[str]) -> str:
    """Builds, checks and pushes one image under all its tags. Returns its version."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / f"{image.name}.log"
    registry = _registry()
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

    # The software must be what the tags say.
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
    version = found.group(1)

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


def build_with_retry(image: Image, digest: str, docker: _Docker, workdir: Path,
                     host_certs: list[str]) -> str:
    """build(), once more after a failure: package mirrors flake, and a daemon shared with
    other runs may lose an intermediate image. A second failure is the one reported."""
    try:
        return build(image, digest, docker, workdir / "1", host_certs)
    except CatalogError as error:
        first = str(error).splitlines()[0][:200]
        _log(f"{image.name}: retrying after: {first}")
    return build(image, digest, docker, workdir / "2", host_certs)


def _clean(docker: _Docker) -> None:
    """Leaves the engine as seeding found it: no catalog images, no build cache."""
    refs = sorted(docker.created)
    present = [r for r in refs
               if docker.run("image", "inspect", "--format", "{{.Id}}", r, check=False).returncode == 0]
    if present:
        docker.run("rmi", "-f", *present, check=False)
    docker.run("builder", "prune", "-af", check=False)
    docker.run("image", "prune", "-f", check=False)


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
    docker = _Docker(engine)
    digests: dict[str, str] = {}
    for image in images:
        parent = digests[image.parent.split(":")[0]] if image.parent else None
        digests[image.name] = recipe_digest(image, parent, host_certs)

    # Images are built in waves: an image starts once its parent is pushed.
    done: dict[str, str] = {}
    stale: list[Image] = []
    for image in images:
        version = None if rebuild else up_to_date(image, digests[image.name])
        if version is not None:
            done[image.name] = version
            _log(f"{image.name}:{','.join(resolved_tags(image, version))} up to date "
                 f"({digests[image.name][7:19]})")
        else:
            stale.append(image)
    if not stale:
        _log(f"all {len(images)} images up to date ({time.monotonic() - started:.1f}s)")
        return

    rebuilt: set[str] = set()
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="docproof-catalog-") as tmp:
        workdir = Path(tmp)
        try:
            with ThreadPoolExecutor(max_workers=BUILD_WORKERS) as pool:
                pending = list(stale)
                running: dict = {}
                while pending or running:
                    for image in list(pending):
                        parent_name = image.parent.split(":")[0] if image.parent else None
                        if parent_name and parent_name not in done:
                            if parent_name in {i.name for i in pending} | {i.name for i, _ in running.values()}:
                                continue
                            pending.remove(image)  # its parent failed
                            failures.append(f"{image.name}: not built, its parent {image.parent} failed")
                            continue
                        pending.remove(image)
                        _log(f"{image.name}: building ({digests[image.name][7:19]})")
                        running[pool.submit(build_with_retry, image, digests[image.name], docker, workdir,
                                            host_certs)] = (image, time.monotonic())
                    if not running:
                        break
                    finished = next(f for f in _wait_any(running))
                    image, began = running.pop(finished)
                    try:
                        version = finished.result()
                    except Exception as error:  # reported below, after the other builds
                        failures.append(f"{image.name}: {error}")
                        _log(f"{image.name}: FAILED after {time.monotonic() - began:.0f}s")
                        continue
                    done[image.name] = version
                    rebuilt.add(image.name)
                    _log(f"{image.name}:{','.join(resolved_tags(image, version))} built and pushed "
                         f"in {time.monotonic() - began:.0f}s")
        finally:
            _clean(docker)
    if failures:
        raise CatalogError("seeding the image catalog failed:\n" + "\n\n".join(failures))
    _log(f"{len(rebuilt)} built, {len(images) - len(rebuilt)} up to date "
         f"({time.monotonic() - started:.0f}s)")


def _wait_any(running: dict):
    from concurrent.futures import FIRST_COMPLETED, wait

    finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
    return finished


# --- what the harness asks ----------------------------------------------------------------

def _normalize(image: str) -> str:
    """`docker.io/library/nginx:1.26` and `nginx:1.26` are the same name; no tag is latest."""
    ref = image.split("@", 1)[0]
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix):]
    if ref.startswith("library/"):
        ref = ref[len("library/"):]
    last = ref.rsplit("/", 1)[-1]
    if ":" not in last:
        ref += ":latest"
    return ref


def known_images() -> set[str]:
    """Every "name:tag" the catalog provides: the tags in images.yaml, and those pushed."""
    names: set[str] = set()
    try:
        images = load()
    except (OSError, CatalogError, KeyError):
        return names
    registry_answers = True
    for image in images:
        names.update(f"{image.name}:{t}" for t in image.static_tags)
        if registry_answers:
            try:
                names.update(f"{image.name}:{t}" for t in pushed_tags(image.name))
            except OSError:
                registry_answers = False
    return names


def is_known(image: str) -> bool:
    return _normalize(image) in known_images()


def missing_image_message(image: str, path: str, line: int) -> str:
    """What a contributor reads when a page uses an image neither in the catalog nor reachable."""
    ref = _normalize(image)
    name, _, tag = ref.rpartition(":")
    offered = sorted(k for k in known_images() if k.startswith(f"{name}:"))
    if offered:
        have = f"The catalog has {name} only as: {', '.join(offered)}."
    else:
        have = f"The catalog has no {name} image at all."
    where = f"{path}:{line}"
    lines = [
        f"{where}: the image {image!r} is not available: Docker Hub is unreachable from this "
        f"engine and {ref} is not in the image catalog.",
        have,
    ]
    if "/" in name:
        lines.append(
            "Only official Docker Hub images (library/NAME) can be stood in for. Use an official "
            "image, or build this one on the page from a Dockerfile in snippets/.")
    else:
        lines.append(
            "Use a tag the catalog has, or add it: in catalog/images.yaml add the tag to the "
            f"{name} entry (its software must really be that version: the seed checks), or add an "
            f"entry for {name} with a folder catalog/{name}/ holding a Dockerfile that builds it from "
            "Debian packages with the official image's interface (paths, ports, users, entrypoint "
            "variables), plus a contract test in tests/catalog/. The next test run seeds it.")
    return "\n".join(lines)


# --- command line -------------------------------------------------------------------------

def _list() -> int:
    registry_up = engine_module.own_engine().machine.registry_answers()
    for image in load():
        config = pushed_config(image.name, image.static_tags[0]) if registry_up else None
        version = _labels(config).get(VERSION_LABEL)
        tags = resolved_tags(image, version) if version else image.tags
        state = f"version {version}" if version else "not seeded"
        for tag in tags:
            print(f"{image.name}:{tag}\t{state}: {image.summary}")
    if not registry_up:
        print(f"(the catalog registry at {_registry()} does not answer: start the engine with "
              "`python -m docproof.engine up`)", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "list"
    try:
        if command == "seed":
            engine = engine_module.own_engine()
            engine.claim()  # seeding empties the engine afterwards: not under a running page
            engine.up()
            seed(engine, rebuild="--rebuild" in argv[2:])
        elif command == "list":
            return _list()
        else:
            print("usage: python -m docproof.catalog seed [--rebuild] | list", file=sys.stderr)
            return 2
    except (CatalogError, engine_module.EngineError) as error:
        print(f"docproof catalog: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
