"""A policy folder's content hash: the answer to "under exactly which text was this decided?".

The version in `policy.yaml` is what an editor says; the hash is what the files hold. It
is sha256 over every file of the folder (subfolders included, hidden files and caches
left out), in sorted order of their relative paths, each fed as
`<relative path>\\0<size in bytes>\\0<bytes>`, so renaming, moving or editing any file
changes it and two folders with the same files give the same hash on any machine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SKIPPED_DIRS = frozenset({"__pycache__"})


def policy_files(root: Path) -> list[Path]:
    """The files that make up a policy folder, sorted by their path relative to it."""
    files = []
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        # Editors' swap files and tools' caches (hidden or __pycache__) are not the policy.
        if any(p.startswith(".") or p in SKIPPED_DIRS for p in parts):
            continue
        if path.is_file():
            files.append(path)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def policy_hash(root: str | Path) -> str:
    """The hex sha256 of a policy folder's files; raises OSError if one cannot be read."""
    base = Path(root)
    digest = hashlib.sha256()
    for path in policy_files(base):
        data = path.read_bytes()
        digest.update(path.relative_to(base).as_posix().encode("utf-8"))
        digest.update(b"\0%d\0" % len(data))
        digest.update(data)
    return digest.hexdigest()
