"""What the catalog is: its images as catalog/images.yaml lists them, and their recipe digests.

The digest of an image covers its recipe folder, its catalog entry, its parent's digest and,
for the base image, the host's extra CA certificates: a changed recipe changes that image's
digest and the digest of every image built from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CATALOG_DIR = Path(__file__).resolve().parent.parent.parent / "catalog"
IMAGES_FILE = CATALOG_DIR / "images.yaml"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
STOCK_CA_DIR = Path("/usr/share/ca-certificates")  # Debian's packaged certificates
RECIPE_LABEL = "io.docproof.recipe"
VERSION_LABEL = "org.opencontainers.image.version"


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
    catalog_dir: Path = CATALOG_DIR  # the folder of the images.yaml that lists it

    @property
    def static_tags(self) -> list[str]:
        return [t for t in self.tags if "{version}" not in t]

    @property
    def primary(self) -> str:
        return f"{self.name}:{self.static_tags[0]}"

    @property
    def parent_name(self) -> str | None:
        """The parent's image name without its tag: the key the parent's digest and version have."""
        return self.parent.split(":")[0] if self.parent else None

    @property
    def recipe_dir(self) -> Path:
        return self.catalog_dir / self.recipe


def resolved_tags(image: Image, version: str) -> list[str]:
    return [t.replace("{version}", version) for t in image.tags]


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
            version_env=version.get("env"), catalog_dir=path.parent,
        )
        if not image.static_tags:
            raise CatalogError(f"{path}: {image.name} needs at least one tag without {{version}}")
        if not (image.recipe_dir / "Dockerfile").is_file():
            raise CatalogError(f"{path}: {image.name}: no Dockerfile in {image.recipe_dir}")
        images.append(image)
    return _parents_first(images, path)


def _parents_first(images: list[Image], path: Path) -> list[Image]:
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


def pem_certificates(text: str) -> list[str]:
    """The certificates in `text`, each with its lines stripped, so that equal ones compare equal."""
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
            stock.update(pem_certificates(crt.read_text(errors="replace")))
    seen: list[str] = []
    for pem in pem_certificates(HOST_CA_BUNDLE.read_text(errors="replace")):
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


def recipe_digests(images: list[Image], host_certs: list[str]) -> dict[str, str]:
    """Image name -> recipe digest, for `images` in catalog order (each after its parent)."""
    digests: dict[str, str] = {}
    for image in images:
        parent = digests[image.parent_name] if image.parent_name else None
        digests[image.name] = recipe_digest(image, parent, host_certs)
    return digests
