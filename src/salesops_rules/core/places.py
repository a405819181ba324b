"""A place in a pack as the pack names it (`contracts.yaml:56`), never the install's absolute path."""

from __future__ import annotations

from pathlib import Path


def in_pack(file: str, root: str) -> str:
    """`file` relative to the pack folder `root`; a file outside it by its name alone."""
    try:
        return str(Path(file).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return Path(file).name
