"""The image catalog: official image names that work with no Docker Hub.

Where Docker Hub is unreachable (this project's CI), the suite's engine pulls Docker Hub names
through a local registry (the engine slot's registry_addr, its registry mirror). `seed` fills that
registry with stand-in images built from Debian packages by the recipes in catalog/ and listed
in catalog/images.yaml, so that `docker pull nginx:1.30` works offline, as for a reader.

- model: the images of catalog/images.yaml and their recipe digests (the cache key);
- registry: what the catalog registry holds, read over its HTTP API;
- builder: building, checking and pushing one image;
- seeding: which images are stale, built level by level; the engine left empty afterwards;
- hints: what the harness asks (is an image a stand-in, what to do when it is not);
- __main__: `python -m docproof.catalog seed [--rebuild] | list`.
"""

from docproof.catalog.hints import is_known, known_images, missing_image_message
from docproof.catalog.model import (CATALOG_DIR, HOST_CA_BUNDLE, IMAGES_FILE, RECIPE_LABEL, STOCK_CA_DIR,
                                    VERSION_LABEL, CatalogError, Image, host_extra_certificates, load,
                                    pem_certificates, recipe_digest, recipe_digests, resolved_tags)
from docproof.catalog.registry import pushed_config, pushed_tags, pushed_version, up_to_date
from docproof.catalog.seeding import seed

__all__ = [
    "CATALOG_DIR", "HOST_CA_BUNDLE", "IMAGES_FILE", "RECIPE_LABEL", "STOCK_CA_DIR", "VERSION_LABEL",
    "CatalogError", "Image", "host_extra_certificates", "is_known", "known_images", "load",
    "missing_image_message", "pem_certificates", "pushed_config", "pushed_tags", "pushed_version",
    "recipe_digest", "recipe_digests", "resolved_tags", "seed", "up_to_date",
]
