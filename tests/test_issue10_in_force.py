"""policy.yaml `in_force` (第四十条): loaded from the pack, checked at load, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesops_rules import PolicyError, load_policy
from test_penalties_chain import copy_policy

LINE = "  in_force: {first_day: 2011-11-30, cite: {article: 40}}"


def _with(tmp_path: Path, line: str) -> Path:
    folder = copy_policy(tmp_path)
    manifest = folder / "policy.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert LINE in text
    manifest.write_text(text.replace(LINE, line), encoding="utf-8")
    return folder


def _contract(day: str) -> dict[str, object]:
    return {
        "kind": "contract",
        "id": f"HT-{day}",
        "date": day,
        "customer": {"id": "K", "type": "new", "legal_form": "company"},
        "product_class": "stock",
        "amount": "12000",
        "status": "signed",
        "prepared_by": "E-07",
    }


def test_the_first_day_is_pack_data(tmp_path: Path) -> None:
    policy = load_policy(_with(tmp_path, "  in_force: {first_day: 2012-01-01, cite: {article: 40}}"))
    assert [o.code for o in policy.evaluate(_contract("2011-12-31")).obligations] == ["policy_not_in_force"]
    assert policy.evaluate(_contract("2012-01-01")).verdict == "fail"


def test_without_in_force_every_date_is_judged(tmp_path: Path) -> None:
    policy = load_policy(_with(tmp_path, ""))
    decision = policy.evaluate(_contract("2010-05-01"))
    assert decision.verdict == "fail"
    assert "policy_not_in_force" not in [o.code for o in decision.obligations]


def test_a_cite_outside_the_catalogue_is_an_error_with_its_place(tmp_path: Path) -> None:
    folder = _with(tmp_path, "  in_force: {first_day: 2011-11-30, cite: {article: 41}}")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    [finding] = caught.value.findings
    assert (Path(finding.file).name, finding.message) == (
        "policy.yaml",
        "article `41` is not in the catalogue",
    )
    assert finding.help == "the regulation has articles 1 to 40"


def test_a_first_day_that_is_no_date_is_an_error(tmp_path: Path) -> None:
    folder = _with(tmp_path, "  in_force: {first_day: soon, cite: {article: 40}}")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    mine = [f for f in caught.value.findings if Path(f.file).name == "policy.yaml"]
    assert [(f.line, f.message) for f in mine] == [
        (11, "`policy.in_force.first_day`: input should be a valid date or datetime, input is too short")
    ]
