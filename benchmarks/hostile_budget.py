"""Time and memory of each hostile input of issue 12 against its budget: 1 s and 100 MB.

The inputs are the regression corpus of tests/test_hostile_events.py (each event read by the
one JSON reader and judged by the library, and read from a file and judged as `check` does
once its policy is loaded), and a 1 GB and a 200 MB string in a small Excel workbook
(opened as a ledger). Unit tests check what each input gives;
this script checks how long it takes and how much memory it uses, which unit tests must not
assert on a loaded machine.

    python benchmarks/hostile_budget.py            # a table, exit 1 if any input is over budget
    python benchmarks/hostile_budget.py --json

Memory is the peak of Python allocations while the input is handled (tracemalloc), over what
the loaded policy already holds.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from salesops_rules import EventError, load_policy  # noqa: E402
from salesops_rules.audit import open_ledger  # noqa: E402
from salesops_rules.audit.records import LedgerError  # noqa: E402
from salesops_rules.cli.common import BadInputError, read_event  # noqa: E402
from salesops_rules.model import jsonread  # noqa: E402
from test_hostile_events import CASES  # noqa: E402 - the corpus lives with its tests

SECONDS, MEGABYTES = 1.0, 100.0


def checked(policy: Any, file: Path) -> str:
    """What `check FILE` does once its policy is loaded: read the file, judge the event."""
    try:
        return str(policy.evaluate(read_event(str(file))).verdict)
    except BadInputError as error:
        return error.message


def measure(work: Callable[[], Any]) -> tuple[float, float, str]:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        outcome = str(work())
    except (EventError, jsonread.JsonInputError, LedgerError) as error:
        outcome = getattr(error, "message", str(error))
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20, outcome.splitlines()[0][:90]


def string_workbook(folder: Path, megabytes: int) -> Path:
    """A small workbook whose shared strings unzip to `megabytes` MB: one string of 'x'."""
    path = folder / f"string-{megabytes}.xlsx"
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    tail = b"</t></si></sst>"
    block, blocks = b"x" * (1 << 20), megabytes
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        # A minimal workbook that openpyxl would open, and the string part, streamed.
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(head)
            for _ in range(blocks):
                part.write(block)
            part.write(tail)
    return path


_NS = "http://schemas.openxmlformats.org"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_REL = f"{_NS}/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
_CONTENT_TYPES = (
    f'{_HEAD}<Types xmlns="{_NS}/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    f'{_HEAD}<Relationships xmlns="{_NS}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'{_HEAD}<workbook xmlns="{_NS}/spreadsheetml/2006/main" xmlns:r="{_REL}">'
    '<sheets><sheet name="L" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'{_HEAD}<Relationships xmlns="{_NS}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SHEET = (
    f'{_HEAD}<worksheet xmlns="{_NS}/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>kind</t></is></c></row>'
    '<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>'
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    policy = load_policy()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for name, text, _, _ in CASES:
            seconds, mb, outcome = measure(lambda text=text: policy.evaluate(jsonread.loads(text)).verdict)
            rows.append({"input": name, "door": "library", "seconds": seconds, "mb": mb, "outcome": outcome})
            file = folder / "event.json"
            file.write_text(text, encoding="utf-8")
            seconds, mb, outcome = measure(lambda file=file: checked(policy, file))
            rows.append({"input": name, "door": "check", "seconds": seconds, "mb": mb, "outcome": outcome})
        import openpyxl  # noqa: F401 - imported once before timing, as an audit has

        for megabytes in (1024, 200):
            book = string_workbook(folder, megabytes)
            seconds, mb, outcome = measure(lambda book=book: open_ledger(book))
            size = f"{megabytes} MB string in a {book.stat().st_size >> 10} kB xlsx"
            rows.append({"input": size, "door": "audit", "seconds": seconds, "mb": mb, "outcome": outcome})
    over = [r for r in rows if r["seconds"] > SECONDS or r["mb"] > MEGABYTES]
    if args.json:
        print(json.dumps({"rows": rows, "over_budget": len(over)}, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            print(f"{r['seconds']:7.3f} s {r['mb']:7.2f} MB  {r['door']:<8} {r['input']:<45} {r['outcome']}")
        print(f"over budget: {len(over)} (budget {SECONDS} s and {MEGABYTES} MB each)")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
