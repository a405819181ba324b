"""Per event kind, a generated function that reads exactly the fields the rules use.

Built once at load from names the expression compiler has already validated against
the model, so the generated source contains only identifiers that are model fields.
A field behind an optional record (`permission.at` when `permission` is null) reads
as None rather than raising.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from .scope import BUILTINS, Type


def make_extractor(
    model: type[BaseModel], names: Iterable[str], scope: dict[str, Type]
) -> Callable[[Any], dict[str, Any]]:
    entries = []
    for name in sorted(set(names)):
        if name in BUILTINS or ("." not in name and name not in model.model_fields):
            continue  # values and builtins are filled in by the evaluator
        parts = name.split(".")
        if not all(p.isidentifier() for p in parts):
            raise ValueError(f"`{name}` is not a field path")
        entries.append(f"{name!r}: {_access(parts, scope)}")
    source = "def extract(e):\n    return {" + ", ".join(entries) + "}\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<extract {model.__name__}>", "exec"), {"__builtins__": {}}, namespace)  # noqa: S102
    fn: Callable[[Any], dict[str, Any]] = namespace["extract"]
    return fn


def make_getter(model: type[BaseModel], path: str, scope: dict[str, Type]) -> Callable[[Any], Any]:
    """A generated function reading one field path of `model` (None behind an empty record)."""
    parts = path.split(".")
    if not all(p.isidentifier() for p in parts):
        raise ValueError(f"`{path}` is not a field path")
    source = f"def get(e):\n    return {_access(parts, scope)}\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<get {model.__name__}.{path}>", "exec"), {"__builtins__": {}}, namespace)  # noqa: S102
    fn: Callable[[Any], Any] = namespace["get"]
    return fn


def _access(parts: list[str], scope: dict[str, Type]) -> str:
    expr = "e"
    guards = []
    for i, part in enumerate(parts):
        expr = f"{expr}.{part}"
        prefix = ".".join(parts[: i + 1])
        if i < len(parts) - 1 and scope.get(prefix, Type("any")).nullable:
            guards.append(expr)
    if not guards:
        return expr
    condition = " and ".join(f"{g} is not None" for g in guards)
    return f"({expr} if {condition} else None)"
