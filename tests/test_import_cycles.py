"""The package has no import cycle: every module imports alone, and no module reaches back.

The loader's parts (`core/ledger_rules.py`, `core/legal_notes.py`) once imported the loader
inside their functions to dodge a cycle; the shared pieces now live in `core/loading.py`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "salesops_rules"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """The package modules `path` imports, each with whether the import sits inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.ImportFrom):
                base = package[: len(package) - child.level + 1] if child.level else []
                target = ".".join([*base, *(child.module.split(".") if child.module else [])])
                for alias in child.names:
                    found.append((f"{target}.{alias.name}", inner))
                    found.append((target, inner))
            elif isinstance(child, ast.Import):
                found.extend((alias.name, inner) for alias in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


def _graph() -> tuple[nx.DiGraph, dict[str, list[str]]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    nested: dict[str, list[str]] = {}
    for name, path in modules.items():
        graph.add_node(name)
        for target, inner in _imports(path):
            if target in modules and target != name and not _is_parent(target, name):
                graph.add_edge(name, target)
                if inner:
                    nested.setdefault(name, []).append(target)
    return graph, nested


def _is_parent(target: str, name: str) -> bool:
    return name.startswith(target + ".")  # a package's __init__, imported by its own modules


def test_the_package_has_no_import_cycle() -> None:
    graph, _ = _graph()
    cycles = sorted(" -> ".join(c) for c in nx.simple_cycles(graph))
    assert cycles == []


def test_no_part_of_the_loader_imports_the_loader() -> None:
    """What the loader imports never imports it back, not even inside a function.

    Elsewhere a late import of the loader is allowed: the pack cache (`core/cache.py`)
    imports it only when a pack must be compiled, so that a cached start skips it.
    """
    graph, nested = _graph()
    loader = "salesops_rules.core.loader"
    parts = nx.descendants(graph, loader)
    assert {"salesops_rules.core.ledger_rules", "salesops_rules.core.legal_notes"} <= parts
    assert {name: nested[name] for name in sorted(parts & set(nested)) if loader in nested[name]} == {}
    assert sorted(p for p in parts if nx.has_path(graph, p, loader)) == []


def test_each_part_of_the_loader_imports_alone() -> None:
    for part in ("ledger_rules", "legal_notes", "loading"):
        done = subprocess.run(
            [sys.executable, "-c", f"import salesops_rules.core.{part}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
