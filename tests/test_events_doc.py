"""docs/events.md is the bundled pack's events as `schema events --markdown` prints them.

After a change of policy/events.yaml, `SALESOPS_REGEN_DOCS=1 python -m pytest
tests/test_events_doc.py` writes the new reference; read the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest

from salesops_rules import load_policy
from salesops_rules.cli import main
from salesops_rules.tools import eventdocs

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "events.md"
POLICY = load_policy()


def test_docs_events_md_is_up_to_date() -> None:
    text = eventdocs.markdown(POLICY, eventdocs.examples(POLICY))
    if os.environ.get("SALESOPS_REGEN_DOCS") == "1":
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, "SALESOPS_REGEN_DOCS=1 pytest tests/test_events_doc.py"


def test_every_kind_has_a_valid_example_in_the_reference() -> None:
    found = eventdocs.examples(POLICY)
    assert set(found) == set(POLICY.compiled.events.kinds)
    for kind, event in found.items():
        decision = POLICY.evaluate(event)  # valid: decided, not refused
        assert decision.kind == kind


def test_schema_events_prints_a_schema_every_example_fits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "events"]) == 0
    document = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(document)
    validator = jsonschema.Draft202012Validator(document)
    for event in eventdocs.examples(POLICY).values():
        assert [e.message for e in validator.iter_errors(event)] == []
    assert [e.message for e in validator.iter_errors({"kind": "contract", "id": "X", "amout": "1"})] != []


def test_schema_events_writes_one_file_per_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "events", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    kinds = POLICY.compiled.events.kinds
    assert written == sorted(["events.schema.json", *(f"{k}.schema.json" for k in kinds)])
    contract = json.loads((tmp_path / "contract.schema.json").read_text(encoding="utf-8"))
    assert contract["properties"]["kind"] == {"const": "contract", "title": "Kind", "type": "string"}
    capsys.readouterr()


def test_schema_events_reads_the_pack_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "policy", pack, ignore=shutil.ignore_patterns("tests"))
    for file in pack.glob("*.yaml"):  # the kind renamed in events.yaml and in the rules on it
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace("hygiene_check", "tidiness_check"), encoding="utf-8")
    assert main(["schema", "events", "--policy", str(pack), "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "## tidiness_check" in out and "## hygiene_check" not in out
