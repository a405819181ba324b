"""`diff`: the shipped policy against the 60%-custom-deposit version, over a generated corpus."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest

from editor_support import SHIPPED, deposit_60
from salesops_rules import load_policy
from salesops_rules.cli import main
from salesops_rules.tools import diff

CHANGE = dt.date(2012, 7, 1)


def corpus(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Contracts of every class and customer across 2012, with cash receipts among them."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for i in range(count):
        day = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(366))
        if i % 5 == 4:
            events.append(
                {
                    "kind": "cash_receipt",
                    "id": f"R-{i:04}",
                    "received_at": f"{day.isoformat()}T10:00:00",
                    "amount": "800.00",
                    "employee": {"id": "E-9", "role": "clerk"},
                    "payment_slip": True,
                    "handed_to_finance_at": f"{day.isoformat()}T16:00:00",
                }
            )
            continue
        amount = rng.choice(["999.99", "1000", "5000", "9999.99", "10000", "10000.01", "23456.78"])
        events.append(
            {
                "kind": "contract",
                "id": f"C-{i:04}",
                "date": day.isoformat(),
                "customer": {
                    "id": f"K-{i}",
                    "type": rng.choice(["new", "existing"]),
                    "legal_form": "company",
                },
                "product_class": rng.choice(["stock", "made_to_order", "custom"]),
                "amount": amount,
                "deposit_paid": rng.choice(["0", "3000", "6000"]),
                "prepared_by": "E-1",
            }
        )
    return events


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deposit_60(tmp_path_factory.mktemp("deposit-60") / "policy")


def _jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_reports_exactly_the_custom_contracts_dated_from_the_change(amended: Path, tmp_path: Path) -> None:
    events = corpus(400)
    path = _jsonl(tmp_path / "events.jsonl", [json.dumps(e) for e in events])
    report = diff.diff(load_policy(SHIPPED), load_policy(amended), diff.read_corpus(path))
    expected = {
        e["id"]
        for e in events
        if e["kind"] == "contract"
        and e["product_class"] == "custom"
        and dt.date.fromisoformat(e["date"]) >= CHANGE
    }
    assert len(expected) > 20  # the corpus has enough on both sides to mean something
    assert report.events == 400
    assert report.bad == []
    assert {c.event_id for c in report.changed} == expected
    assert [(rule, len(changes)) for rule, changes in report.by_rule()] == [
        ("contract.custom-deposit-2012", len(expected))
    ]
    assert report.rule_status == {"contract.custom-deposit-2012": "added"}
    fields = dict(report.by_field())
    assert fields["values.deposit_ratio"] == fields["values.deposit_amount"] == len(expected)
    first = report.changed[0]
    ratio = next(c for c in first.changes if c.field == "values.deposit_ratio")
    assert (ratio.old, ratio.new) == ("0.50", "0.60")
    assert first.where == f"{path}:{events.index(next(e for e in events if e['id'] == first.event_id)) + 1}"


def test_a_bad_line_is_reported_with_its_number_and_the_rest_goes_on(amended: Path, tmp_path: Path) -> None:
    good = {**corpus(1)[0], "id": "C-GOOD", "date": "2012-08-01", "product_class": "custom"}
    path = _jsonl(
        tmp_path / "events.jsonl",
        [
            json.dumps(good),
            '{"kind": "contract", "id": ',
            "",
            json.dumps({**good, "id": "C-BAD", "product_class": "lamps"}),
            "[1, 2]",
            json.dumps({**good, "id": "C-LAST"}),
        ],
    )
    report = diff.diff(load_policy(SHIPPED), load_policy(amended), diff.read_corpus(path))
    assert [(b.where, b.message) for b in report.bad] == [
        (f"{path}:2", "invalid JSON at column 28: Expecting value"),
        (
            f"{path}:4",
            "invalid event: $.product_class: `lamps` is not allowed: "
            "input should be 'stock', 'made_to_order' or 'custom'",
        ),
        (f"{path}:5", "an event is a JSON object, not an array"),
    ]
    assert [c.event_id for c in report.changed] == ["C-GOOD", "C-LAST"]
    assert report.events == 2


def test_a_folder_of_json_files_and_no_change(tmp_path: Path) -> None:
    folder = tmp_path / "events"
    folder.mkdir()
    for event in corpus(6):
        (folder / f"{event['id']}.json").write_text(json.dumps(event), encoding="utf-8")
    (folder / "broken.json").write_text("{", encoding="utf-8")
    policy = load_policy(SHIPPED)
    report = diff.diff(policy, policy, diff.read_corpus(folder))
    assert (report.events, report.changed) == (6, [])
    assert [(Path(b.where).name, b.message) for b in report.bad] == [
        (
            "broken.json",
            "invalid JSON at column 2: Expecting property name enclosed in double quotes"
            " (the file ends inside this line: truncated?)",
        )
    ]


def test_diff_command_prints_the_report_and_exits_1_on_changes(
    amended: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = {**corpus(1)[0], "id": "C-1", "date": "2012-07-01", "product_class": "custom", "amount": "10000"}
    event["customer"] = {**event["customer"], "type": "new"}
    path = _jsonl(tmp_path / "events.jsonl", [json.dumps(event)])
    assert main(["diff", str(SHIPPED), str(amended), str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[2:] == [
        "1 events judged under both, 1 decisions changed",
        "",
        "changed fields:",
        "  values.deposit_amount: 1",
        "  values.deposit_ratio: 1",
        "  values.deposit_shortfall: 1",
        "",
        "by rule:",
        "  contract.custom-deposit-2012 (added): 1 decision",
        f"    C-1 (2012-07-01) at {path}:1",
        "      values.deposit_amount: 5000.00 -> 6000.00",
        "      values.deposit_ratio: 0.50 -> 0.60",
        f"      values.deposit_shortfall: {_shortfall(event, '5000')} -> {_shortfall(event, '6000')}",
    ]
    assert main(["diff", str(SHIPPED), str(amended), str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["by_rule"] == [
        {"rule": "contract.custom-deposit-2012", "status": "added", "count": 1, "events": ["C-1"]}
    ]


def _shortfall(event: dict[str, Any], due: str) -> str:
    from decimal import Decimal

    return f"{max(Decimal(due) - Decimal(event['deposit_paid']), Decimal(0)):.2f}"


def test_diff_command_exit_codes_for_no_change_and_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _jsonl(tmp_path / "events.jsonl", [json.dumps(corpus(1)[0])])
    assert main(["diff", str(SHIPPED), str(SHIPPED), str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[2] == "1 events judged under both, 0 decisions changed"
    bad = _jsonl(tmp_path / "bad.jsonl", ["nonsense"])
    assert main(["diff", str(SHIPPED), str(SHIPPED), str(bad)]) == 2
    assert capsys.readouterr().out.splitlines()[2:] == [
        "0 events judged under both, 0 decisions changed, 1 events unreadable",
        "",
        "unreadable events (left out):",
        f"  {bad}:1: invalid JSON at column 1: Expecting value",
    ]
    assert main(["diff", str(SHIPPED), str(tmp_path / "none"), str(path)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"salesops-rules: new policy `{tmp_path / 'none'}`: policy does not load: 1 error"
    )
    assert main(["diff", str(SHIPPED), str(SHIPPED), str(tmp_path / "missing.jsonl")]) == 2
    assert (
        capsys.readouterr().err
        == f"salesops-rules: no such events file or folder: `{tmp_path / 'missing.jsonl'}`\n"
    )
