"""Every catalog tag is pullable by its plain Docker Hub name and says honestly what it is."""

from __future__ import annotations

import json

import pytest

from docproof import catalog

IMAGES = catalog.load()


def _pushed(image: catalog.Image) -> tuple[str, list[str]]:
    version = catalog.pushed_version(image)
    assert version, f"{image.primary} is not seeded in the catalog registry"
    return version, catalog.resolved_tags(image, version)


@pytest.mark.parametrize("image", IMAGES, ids=[i.name for i in IMAGES])
def test_each_tag_pulls_by_its_plain_name_with_honest_labels(docker, image):
    version, tags = _pushed(image)
    digests = catalog.recipe_digests(IMAGES, catalog.host_extra_certificates())  # as the seed did
    ids = set()
    for tag in tags:
        ref = docker.image(f"{image.name}:{tag}")
        docker("pull", "-q", ref)
        info = json.loads(docker("image", "inspect", ref).stdout)[0]
        labels = info["Config"]["Labels"]
        assert labels["io.docproof.stand-in"] == "true"
        assert labels[catalog.RECIPE_LABEL] == digests[image.name]
        assert labels[catalog.VERSION_LABEL] == version
        assert "stand-in" in labels["org.opencontainers.image.description"].lower()
        assert "Debian packages" in labels["org.opencontainers.image.description"]
        assert labels["org.opencontainers.image.title"] == image.name
        ids.add(info["Id"])
    assert len(ids) == 1, f"the tags of {image.name} are different images: {ids}"


@pytest.mark.parametrize("image", IMAGES, ids=[i.name for i in IMAGES])
def test_the_software_is_the_version_the_tags_name(docker, image):
    version, tags = _pushed(image)
    ref = docker.image(f"{image.name}:{image.static_tags[0]}")
    docker("pull", "-q", ref)
    result = docker("run", "--rm", "--entrypoint", image.version_argv[0], ref, *image.version_argv[1:])
    output = result.stdout + result.stderr
    assert version in output
    for tag in tags:
        fixed = tag.split("-")[0]
        if fixed[:1].isdigit():  # a version tag: what runs must be that version or a release of it
            assert version == fixed or version.startswith(fixed + "."), (tag, version)
