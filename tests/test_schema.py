"""`schema`: JSON Schemas generated from the policy models, and the shipped YAML fits them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from editor_support import SHIPPED
from salesops_rules.cli import main
from salesops_rules.core.loader import CATALOGUE, EVENTS, LABELS, MANIFEST, PENALTIES, ROLES_FILE
from salesops_rules.core.yamlsource import load
from salesops_rules.tools import schema

FILE_TYPE = {
    MANIFEST: "policy",
    CATALOGUE: "regulation",
    ROLES_FILE: "roles",
    PENALTIES: "penalties",
    LABELS: "labels",
    EVENTS: "event-kinds",
}
SHIPPED_FILES = sorted(SHIPPED.glob("*.yaml"))


def _as_an_editor_sees_it(data: Any) -> Any:
    """YAML as a YAML-1.2 editor plugin reads it: a date is a string."""
    if isinstance(data, dict):
        return {k: _as_an_editor_sees_it(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_as_an_editor_sees_it(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


def _validator(document: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


@pytest.mark.parametrize("file", SHIPPED_FILES, ids=[f.name for f in SHIPPED_FILES])
def test_every_shipped_file_fits_its_schema_and_the_combined_one(file: Path) -> None:
    data = _as_an_editor_sees_it(load(file).data)
    own = _validator(schema.file_schema(FILE_TYPE.get(file.name, "rules")))
    assert [e.message for e in own.iter_errors(data)] == []
    assert [e.message for e in _validator(schema.combined_schema()).iter_errors(data)] == []


def test_a_misspelt_key_is_caught_with_its_path() -> None:
    data = {
        "rules": [
            {"id": "x", "on": "contract", "cite": {"article": 24}, "then": {"valeus": {"deposit_ratio": 0.3}}}
        ]
    }
    best = jsonschema.exceptions.best_match(_validator(schema.file_schema("rules")).iter_errors(data))
    assert best is not None
    assert (best.json_path, best.message) == (
        "$.rules[0].then",
        "Additional properties are not allowed ('valeus' was unexpected)",
    )


def test_the_schema_knows_the_yaml_names_and_the_versions() -> None:
    rules = schema.file_schema("rules")
    rule = rules["$defs"]["RuleSpec"]["properties"]
    assert {"on", "else", "exception_to", "effective_from", "effective_to", "table"} <= set(rule)
    assert "else_" not in rule
    manifest = schema.file_schema("policy")
    assert "versions" in manifest["$defs"]["PolicyInfo"]["properties"]
    assert rules["$schema"] == schema.DIALECT


def test_schema_command_prints_one_and_writes_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "rules"]) == 0
    assert json.loads(capsys.readouterr().out) == schema.file_schema("rules")
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema.combined_schema()
    assert main(["schema", "--out", str(tmp_path / "schemas")]) == 0
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert written == sorted(schema.file_names().values())
    assert capsys.readouterr().out.splitlines() == [
        str(tmp_path / "schemas" / schema.file_names()[t]) for t in schema.file_names()
    ]


def test_schema_command_reports_a_folder_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert main(["schema", "--out", str(blocker / "sub")]) == 2
    assert (
        capsys.readouterr().err
        == f"salesops-rules: cannot write the schema to `{blocker / 'sub'}`: Not a directory\n"
    )
