"""`check` and `explain` start without the modules only other commands need (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys

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
