"""The audit's shortcuts give what the plain way gives.

- `Tally`, which counts, samples and writes the findings of a chunk, against counting each
  finding, keeping the first of each group and writing each row with the csv module.
- The JSON Lines decoder's straight path (pydantic reading the line's bytes) against the
  exact path (json with Decimal numbers, then `parse_event`): it may refuse a line, never
  accept one differently.
- `outcome`, the part of the evaluation a finding shows, against the full decision.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules import load_policy
from salesops_rules.audit.chunks import Samples, Tally
from salesops_rules.audit.ledger import JsonLinesDecoder
from salesops_rules.audit.records import RecordError
from salesops_rules.core.evaluator import Outcome, outcome, parse_event
from salesops_rules.errors import EventError
from salesops_rules.model.audit import DIMENSIONS, DISMISSAL, AuditFinding, AuditTotals

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import event_mix

# Text with every character the csv module treats specially, and some it does not.
TEXT = st.text(alphabet=st.sampled_from("ab ,\"\r\n\t'第条—E-0"), max_size=8)


@st.composite
def findings(draw: st.DrawFn) -> AuditFinding:
    return AuditFinding(
        seq=draw(st.integers(0, 50)),
        position=draw(st.none() | st.integers(1, 10_000)),
        event_id=draw(TEXT),
        kind=draw(st.sampled_from(["contract", "cash_receipt", ""]) | TEXT),
        date=draw(st.sampled_from(["2012-01-05", "2012-02-01", ""])),
        month=draw(st.sampled_from(["2012-01", "2012-02", ""])),
        employee=draw(st.sampled_from(["E-01", "E-02", "—"]) | TEXT),
        category=draw(st.sampled_from(["violation", "obligation", "approval"])),
        code=draw(st.sampled_from(["other_breach", "cash_not_handed_over", "clerk.sign"])),
        article=draw(st.sampled_from([24, 30, 37])),
        item=draw(st.none() | st.integers(1, 7)),
        label=draw(st.sampled_from(["第二十四条", "第三十七条第（七）项"])),
        message=draw(TEXT),
        rule=draw(st.sampled_from(["", "ledger.handover"])),
        detail=draw(TEXT),
        **draw(PENALTY),
    )


# A penalty as `priced` gives it: none, a dismissal, or a deduction with or without amounts.
PENALTY = st.sampled_from(
    [
        {},
        {"sanction": "dismissal"},
        {"sanction": "warning_and_deduction", "months": "1-3"},
        {
            "sanction": "warning_and_deduction",
            "months": "1-3",
            "amount_min": "3000.00",
            "amount_max": "9000.00",
        },
    ]
)


def csv_row(finding: AuditFinding) -> str:
    out = io.StringIO()
    f = finding
    csv.writer(out).writerow(
        (
            f.position, f.event_id, f.kind, f.date, f.month, f.employee, f.category, f.code,
            f.article, f.label, f.message, f.rule, f.detail, f.sanction, f.months, f.amount_min, f.amount_max,
        )
    )  # fmt: skip
    return out.getvalue()


# Values issue 12 found read leniently or not bounded (tests/test_hostile_events.py has them all).
HOSTILE = st.sampled_from(
    ["１２", "١٢", "+12", "1_000", "1e3", "yes", "n", "0", "1323250200", "9999-12-31",
     "9999-12-31T23:59:59-12:00", "x" * 10_001, 10**40, -(10**13), True, 1, [[[[[]]]]], "999999999999.99"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(findings(), max_size=40), st.integers(0, 3))
def test_a_tally_counts_samples_and_writes_as_the_plain_way(found: list[AuditFinding], examples: int) -> None:
    out = io.StringIO()
    samples: Samples = {}
    tally = Tally(samples, examples, out.write, frozenset({DISMISSAL}))
    totals = AuditTotals()
    for finding in found:
        tally.add(finding)
    tally.fold(totals)

    plain = AuditTotals()
    plain_samples: Samples = {}
    for finding in found:
        plain.count(finding)
        if finding.sanction == DISMISSAL:
            plain_samples.setdefault((DISMISSAL, finding.employee, finding.category), []).append(finding)
        for dimension in DIMENSIONS:
            kept = plain_samples.setdefault((dimension, finding.key(dimension), finding.category), [])
            if len(kept) < examples:
                kept.append(finding)
    assert totals == plain
    assert list(totals.groups) == list(plain.groups)  # first seen, first listed: the report's order
    assert samples == plain_samples
    assert out.getvalue() == "".join(csv_row(f) for f in found)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert [row[1] for row in rows] == [f.event_id for f in found]


def test_folding_twice_does_not_count_twice() -> None:
    finding = AuditFinding(
        1, 1, "A", "contract", "2012-01-05", "2012-01", "E-01", "violation", "other_breach",
        37, 7, "第三十七条第（七）项", "m", "", "",
    )  # fmt: skip
    tally = Tally({}, 5, io.StringIO().write, frozenset({DISMISSAL}))
    totals = AuditTotals()
    tally.add(finding)
    tally.fold(totals)
    tally.fold(totals)
    tally.add(finding)
    tally.fold(totals)
    assert totals.findings() == 2


DECODER = JsonLinesDecoder()
EVENTS_POLICY = load_policy().compiled  # whose kinds the lines are read as


def exact(line: bytes) -> Any:
    try:
        return parse_event(EVENTS_POLICY, DECODER(line))
    except (RecordError, EventError) as error:
        return error.message


def straight_agrees(line: bytes) -> bool:
    """The straight path refuses the line, or reads the very event the exact path reads."""
    event = DECODER.event(line, EVENTS_POLICY.events)
    return event is None or event == exact(line)


def lines_of(events: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(e, ensure_ascii=False, default=str).encode() for e in events]


MIX = list(event_mix.stream(list(event_mix.GENERATORS), 600, seed=11))


def test_the_straight_path_reads_the_benchmark_stream_as_the_exact_path() -> None:
    lines = lines_of(MIX)
    accepted = [line for line in lines if DECODER.event(line, EVENTS_POLICY.events) is not None]
    assert all(straight_agrees(line) for line in lines)
    # Money is sent as strings in the stream: the straight path takes (almost) every valid line.
    valid = [line for line in lines if not isinstance(exact(line), str)]
    assert len(accepted) == len(valid)


def test_a_json_number_as_money_is_left_to_the_exact_path() -> None:
    event = next(e for e in MIX if e["kind"] == "contract")
    line = json.dumps(event | {"amount": Decimal("12000.50")}, default=float).encode()
    assert b"12000.5" in line
    assert DECODER.event(line, EVENTS_POLICY.events) is None  # pydantic reads a float, which money refuses
    assert exact(line).amount == Decimal("12000.50")  # the exact path reads the number exactly


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.sampled_from(["", "x", "2012-01-05", "1e3"]),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["id", "role"]), inner),
    max_leaves=4,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MIX), st.data())
def test_a_changed_field_is_read_alike_or_left_to_the_exact_path(
    event: dict[str, Any], data: st.DataObject
) -> None:
    field = data.draw(st.sampled_from(sorted(event)))
    number = st.decimals(allow_nan=False, allow_infinity=False, places=3).map(float)
    value = data.draw(JSON_VALUES | number | st.sampled_from(["12000.50", "-1", "0.001", " 5 "]) | HOSTILE)
    line = json.dumps(event | {field: value}, ensure_ascii=False, default=str).encode()
    assert straight_agrees(line)
    assert straight_agrees(line.replace(b"{", b'{"' + field.encode() + b'": 0, ', 1))  # a duplicate key
    # a duplicate key written with space before its colon, and one in a nested record
    assert straight_agrees(line.replace(b"{", b'{"' + field.encode() + b'" : 0, ', 1))
    assert straight_agrees(line.replace(b'{"id"', b'{"id": "X", "id"'))


def test_an_outcome_is_the_decision_without_what_no_finding_shows() -> None:
    policy = load_policy()
    events = list(event_mix.stream(list(event_mix.GENERATORS), 3000, seed=29))
    verdicts = set()
    for event in events:
        expected = Outcome.of(policy.evaluate(event))
        assert outcome(policy.compiled, event) == expected
        verdicts.add(expected.verdict)
    assert verdicts == {"pass", "pending", "fail"}
