"""What the catalog registry holds: the Registry HTTP API v2, read only, at the engine slot's registry_addr."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from docproof import engine as engine_module
from docproof.catalog.model import RECIPE_LABEL, VERSION_LABEL, Image, resolved_tags

MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
])


def address() -> str:
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
    base = f"http://{address()}/v2/library/{name}"
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


def labels(config: dict | None) -> dict:
    """The labels of an image config (as pushed_config returns it); none for None."""
    return ((config or {}).get("config") or {}).get("Labels") or {}


def pushed_version(image: Image) -> str | None:
    """The version label of the image pushed under its first static tag, or None."""
    return labels(pushed_config(image.name, image.static_tags[0])).get(VERSION_LABEL)


def pushed_tags(name: str) -> list[str]:
    raw = _get(f"http://{address()}/v2/library/{name}/tags/list")
    return sorted((json.loads(raw).get("tags") or [])) if raw else []


def up_to_date(image: Image, digest: str) -> str | None:
    """The version of the pushed image when every tag of it carries `digest`, else None."""
    first = labels(pushed_config(image.name, image.static_tags[0]))
    if first.get(RECIPE_LABEL) != digest or not first.get(VERSION_LABEL):
        return None
    version = first[VERSION_LABEL]
    for tag in resolved_tags(image, version)[1:]:
        if labels(pushed_config(image.name, tag)).get(RECIPE_LABEL) != digest:
            return None
    return version
