"""`check` and `explain` start without the modules only other commands need (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What `serve`, `audit`, `lint` and the tests need, and `check`/`explain` must not pay for.
HEAVY = (
    "networkx",
    "fastapi",
    "starlette",
    "uvicorn",
    "dask",
    "distributed",
    "openpyxl",
    "hypothesis",
    "sqlite3",
    "multiprocessing",
)


def _imported_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_the_command_line_imports_none_of_the_heavy_modules() -> None:
    assert _imported_after("from salesops_rules.cli import build_parser, main; build_parser()") == []


def test_the_library_imports_none_of_them_either() -> None:
    assert _imported_after("import salesops_rules") == []


def test_explain_from_the_cache_makes_only_the_events_kind(tmp_path: Path) -> None:
    """A warm run of `explain` makes the model of the example's kind, not the 21 of the pack."""
    example = ROOT / "examples" / "new-customer-custom-order.json"
    probe = (
        "import contextlib, io, json, sys\n"
        "from salesops_rules.cli import main\n"
        "from salesops_rules.core import eventkinds\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['explain', {str(example)!r}])\n"
        "(kinds,) = eventkinds._BUILT.values()\n"
        "lazy = getattr(kinds.adapter, 'lazy', None)\n"
        "made = None if lazy is None else [sorted(lazy.infos), lazy.whole is not None]\n"
        "print(json.dumps([code, type(kinds.adapter).__name__, made]))"
    )
    env = {**os.environ, "SALESOPS_RULES_CACHE": str(tmp_path / "cache")}
    said = [
        json.loads(
            subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
            .stdout.strip()
            .splitlines()[-1]
        )
        for _ in range(
            2
        )  # the first loads the YAML (every kind built) and writes the cache; the second reads it
    ]
    assert said == [[0, "TypeAdapter", None], [0, "LazyAdapter", [["contract"], False]]]
