"""What the harness asks the catalog: is an image a stand-in, and what to do about one that is not."""

from __future__ import annotations

from docproof.catalog.model import CatalogError, load
from docproof.catalog.registry import pushed_tags


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
