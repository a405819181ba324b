"""A place in a pack as the pack names it (`contracts.yaml:56`), never the install's absolute path;
and where the bundled pack is."""

from __future__ import annotations

from pathlib import Path

# Where a value is in a YAML document: its keys and list indexes from the top.
PathKey = tuple[str | int, ...]


def in_pack(file: str, root: str) -> str:
    """`file` relative to the pack folder `root`; a file outside it by its name alone."""
    try:
        return str(Path(file).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return Path(file).name


def default_policy_dir() -> Path:
    """The bundled policy: inside the wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "_policy"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "policy"
