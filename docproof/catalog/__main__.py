"""Command line: `python -m docproof.catalog seed [--rebuild] | list`."""

from __future__ import annotations

import sys

from docproof import engine as engine_module
from docproof.catalog.model import CatalogError, load, resolved_tags
from docproof.catalog.registry import address, pushed_version
from docproof.catalog.seeding import seed


def _list() -> int:
    registry_up = engine_module.own_engine().machine.registry_answers()
    for image in load():
        version = pushed_version(image) if registry_up else None
        tags = resolved_tags(image, version) if version else image.tags
        state = f"version {version}" if version else "not seeded"
        for tag in tags:
            print(f"{image.name}:{tag}\t{state}: {image.summary}")
    if not registry_up:
        print(f"(the catalog registry at {address()} does not answer: start the engine with "
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
