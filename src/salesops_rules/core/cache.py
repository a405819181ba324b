"""The compiled pack kept between runs of the command line, so that `check` and `explain` skip the load.

A policy folder loads (reads its YAML, checks it, compiles every expression) in about
40 ms of CPU; read back from this cache, in about 4. The cache is a file per compiled
pack in the user's cache folder: `$SALESOPS_RULES_CACHE` if set, else
`$XDG_CACHE_HOME/salesops-rules`, else `~/.cache/salesops-rules`.

A file is used only when all of these hold, else the folder is loaded as without a cache
(and the file written anew), never an error and never another policy:

- its name and its header carry the key: the sha256 of the policy folder's files
  (`core/fingerprint.py`), its absolute path, the version of salesops-rules with the
  size and time of every one of its modules (a changed engine misses), and Python's
  version;
- its payload's sha256 is the one in its header (a file cut short or altered misses);
- it is a regular file owned by the user, writable by no one else, in a folder the same
  holds for.

The payload is a pickle, which runs code when read: the last rule is what makes it safe,
as only the user (or root) can have written it. The file is written to a temporary file
in the same folder (mode 0600) and renamed into place, so a reader never sees half of one.

The generated functions of a compiled pack (expressions, extractors) are made by `exec`
and have no importable name: they are kept by their code (`marshal`) and their globals.
The event kinds (`core/eventkinds.py`) are pydantic models made at load from `events.yaml`:
they are kept as their declaration and, once the file is read, each kind's model is made on
its first use (`lazy_event_kinds`: a run deciding one event makes one model, not all of
them); each model is found again by its kind or shape. A pack holding anything else pickle
cannot keep (a closure, another class made at load) is not cached: it loads every time, as
before. The file also keeps the words of the pack's own `labels.yaml` (`core/labels.py`), one
of the files its key covers, so that `explain` of a cached pack reads no YAML.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import marshal
import os
import pickle
import stat
import sys
import types
from pathlib import Path
from typing import Any

from .compiled import CompiledPolicy
from .eventkinds import EventKinds, lazy_event_kinds
from .fingerprint import policy_hash
from .labels import known, pack_words
from .places import default_policy_dir

ENV_FOLDER = "SALESOPS_RULES_CACHE"
MAGIC = b"salesops-rules compiled pack 2\n"
KEPT = 16  # packs kept: an editor's every save is a new one, and the oldest go
_PACKAGE = Path(__file__).resolve().parent.parent


def cache_folder() -> Path:
    """Where compiled packs are kept (the folder need not exist yet)."""
    chosen = os.environ.get(ENV_FOLDER)
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "salesops-rules"


def engine_stamp() -> str:
    """The engine as far as a cached pack depends on it: version, Python, each module's size and time."""
    from .. import __version__

    parts = [__version__, sys.version, str(pickle.HIGHEST_PROTOCOL)]
    parts += sorted(f"{name}:{size}:{mtime}" for name, size, mtime in _modules(str(_PACKAGE), ""))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _modules(folder: str, prefix: str) -> list[tuple[str, int, int]]:
    """(path from the package, size, mtime) of every module under `folder`: by `os.scandir`,
    which hands the entries' kinds over with the names (a quarter of `Path.rglob`'s time)."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                found += _modules(entry.path, f"{prefix}{entry.name}/")
            elif entry.name.endswith(".py"):
                info = entry.stat()
                found.append((prefix + entry.name, info.st_size, info.st_mtime_ns))
    return found


def cache_key(root: Path) -> str:
    """The key of the compiled pack of the folder `root`; raises OSError if a file cannot be read."""
    folder = root.resolve()
    text = f"{engine_stamp()}\n{folder}\n{policy_hash(folder)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_policy(path: str | Path | None = None, folder: Path | None = None) -> CompiledPolicy:
    """`loader.load_policy(path)` through the cache in `folder` (default: `cache_folder()`).

    Raises what the loader raises for a folder that does not load; a cache that cannot be
    read or written is passed by, never an error.
    """
    root = Path(path) if path is not None else default_policy_dir()
    folder = folder if folder is not None else cache_folder()
    try:
        key = cache_key(root)
    except OSError:  # no such folder, a file that cannot be read: the loader says which
        return _load(path)
    compiled = read(folder, key)
    if compiled is None:
        compiled = _load(path)
        write(folder, key, compiled)
    return compiled


def _load(path: str | Path | None) -> CompiledPolicy:
    # The loader is imported on a miss only: it brings the YAML reader and the policy files'
    # models, which a pack read from here does without (issue 13: `check` and `explain`).
    from . import loader

    return loader.load_policy(path)


def read(folder: Path, key: str) -> CompiledPolicy | None:
    """The pack cached under `key`, or None when there is none fit to use (see the module)."""
    path = folder / f"{key}.pack"
    try:
        if not (_private(folder, directory=True) and _private(path, directory=False)):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    header = MAGIC + key.encode("ascii") + b"\n"
    if not data.startswith(header) or len(data) < len(header) + 65:
        return None
    digest, payload = data[len(header) : len(header) + 64], data[len(header) + 65 :]
    if hashlib.sha256(payload).hexdigest().encode("ascii") != digest:
        return None
    try:
        _, compiled, words = pickle.loads(payload)  # noqa: S301  (the user's own file, its hash checked: see above)
    except Exception:  # any failure to read a file that passed the checks: load instead
        return None
    if not isinstance(compiled, CompiledPolicy):
        return None
    if words is not None:
        known(compiled, words)
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: kept by `_prune` before the packs not used for longer
    return compiled


def write(folder: Path, key: str, compiled: CompiledPolicy) -> bool:
    """Keep `compiled` under `key`; False (and nothing written) when it cannot be, for any reason."""
    try:
        buffer = io.BytesIO()
        compiled = _without_runtime(compiled)
        # The event kinds first: their models are then known by name wherever they are met.
        # Last, the words of the pack's labels.yaml, which `explain` reads: no YAML read then.
        kept = (compiled.events, compiled, pack_words(compiled.root))
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(kept)
    except Exception:  # what pickle cannot keep (a closure, a class made at load): no cache
        return False
    payload = buffer.getvalue()
    digest = hashlib.sha256(payload).hexdigest().encode("ascii")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder, directory=True):
            return False
        import tempfile  # here: a run that reads the cache writes nothing (and tempfile costs 3 ms)

        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".pack-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(MAGIC + key.encode("ascii") + b"\n" + digest + b"\n" + payload)
            Path(temporary).replace(folder / f"{key}.pack")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(folder)
    except OSError:
        return False
    return True


def _prune(folder: Path) -> None:
    """Keep the `KEPT` packs used or written last; remove the others."""
    packs = []
    for path in folder.glob("*.pack"):
        try:
            packs.append((path.stat().st_mtime_ns, path))
        except OSError:  # removed meanwhile by another run
            continue
    for _, path in sorted(packs, reverse=True)[KEPT:]:
        path.unlink(missing_ok=True)


# What a compiled pack fills in while it decides (texts of clauses, penalties, the plans made
# into code on a kind's first event): kept out of the file and made again after it is read,
# so that the file holds what the load made and nothing that depends on a process.
RUNTIME_FIELDS = ("citation_cache", "citation_lists", "penalty_cache", "capped_cache", "runners")


def _without_runtime(compiled: CompiledPolicy) -> CompiledPolicy:
    """A copy of `compiled` with its runtime caches empty and its cached properties not yet made."""
    fresh: dict[str, Any] = {f.name: {} for f in dataclasses.fields(compiled) if f.name in RUNTIME_FIELDS}
    return dataclasses.replace(compiled, **fresh)


def _private(path: Path, *, directory: bool) -> bool:
    """Whether `path` is a folder (or a regular file) of this user that no one else may write."""
    info = path.lstat()
    kind_ok = stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)
    owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return kind_ok and owner_ok and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _function(code: bytes, namespace: dict[str, Any], name: str, defaults: tuple[Any, ...] | None) -> Any:
    return types.FunctionType(marshal.loads(code), namespace, name, defaults)  # noqa: S302  (see `read`)


def _event_kinds(spec: Any, roles: tuple[str, ...]) -> EventKinds:
    # Built whole once already (at the load that wrote the file): each kind is made on first use.
    return lazy_event_kinds(spec, roles)


def _event_model(kinds: EventKinds, where: str, name: str) -> type:
    return kinds.kinds[name].model if where == "kind" else kinds.shapes[name]


class _Pickler(pickle.Pickler):
    """Pickles generated functions by their code and globals, the event kinds by their
    declaration and their models by name in it; everything else as pickle does."""

    def __init__(self, file: Any, protocol: int) -> None:
        super().__init__(file, protocol=protocol)
        self._models: dict[int, tuple[EventKinds, str, str]] = {}

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is types.FunctionType and not _importable(obj):
            if obj.__closure__ or obj.__kwdefaults__:
                raise pickle.PicklingError(f"a generated function with a closure: `{obj.__name__}`")
            return _function, (marshal.dumps(obj.__code__), obj.__globals__, obj.__name__, obj.__defaults__)
        if isinstance(obj, EventKinds):
            for name, info in obj.kinds.items():
                self._models[id(info.model)] = (obj, "kind", name)
            for name, model in obj.shapes.items():
                self._models[id(model)] = (obj, "shape", name)
            return _event_kinds, (obj.spec, tuple(obj.roles))
        if isinstance(obj, type) and id(obj) in self._models:
            return _event_model, self._models[id(obj)]
        return NotImplemented


def _importable(fn: types.FunctionType) -> bool:
    """Whether `fn` lives in a module's namespace (then pickle names it; a lambda there it refuses)."""
    module = sys.modules.get(fn.__module__) if isinstance(fn.__module__, str) else None
    return module is not None and fn.__globals__ is vars(module)
