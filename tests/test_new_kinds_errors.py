"""The kinds added for 第十二、十六、二十条 (`sales_document`, `receivable`, `handover`) and the
`by_preparer` approval step: input that makes no sense is an EventError naming the field,
a policy that misuses the step does not load, and the step itself judges as documented.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bundled_events import ApprovalRecord
from salesops_rules import EventError, Policy, PolicyError, load_policy
from salesops_rules.cli import main
from salesops_rules.core.approvals import Chain, Step, judge
from salesops_rules.model.citation import Cite
from test_penalties_chain import copy_policy

CLERK = {"id": "E-05", "role": "clerk", "monthly_salary": "3000.00"}
DOCUMENT: dict[str, Any] = {
    "kind": "sales_document",
    "id": "XS-1",
    "date": "2011-12-05",
    "prepared_by": "E-05",
    "customer_request": True,
}
RECEIVABLE: dict[str, Any] = {
    "kind": "receivable",
    "id": "YS-1",
    "date": "2011-12-20",
    "customer_id": "KH-9",
    "amount": "5000.00",
    "due": "2011-12-15",
    "employee": CLERK,
}
HANDOVER: dict[str, Any] = {
    "kind": "handover",
    "id": "JJ-1",
    "date": "2011-12-20",
    "employee": CLERK,
    "reason": "departure",
    "successor": "E-06",
}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            event.pop(key, None)
        else:
            event[key] = value
    return event


BAD_EVENTS = [
    # ---- receivable ----
    (
        "paid more than the amount due",
        with_(RECEIVABLE, paid="5000.01"),
        "$",
        "`paid` 5000.01 is more than the `amount` due 5000.00",
    ),
    ("a negative payment", with_(RECEIVABLE, paid="-1"), "$.paid", "`-1` is negative"),
    ("a receivable of nothing", with_(RECEIVABLE, amount="0"), "$.amount", "must be greater than 0"),
    (
        "a customer told after the day the receivable is judged",
        with_(RECEIVABLE, customer_notified_at="2011-12-21T00:00:00"),
        "$",
        "`customer_notified_at` 2011-12-21T00:00:00 is after the event's `date` 2011-12-20: "
        "the event records what happened by its date",
    ),
    (
        "a report after the day the receivable is judged",
        with_(RECEIVABLE, reported_to_general_manager_at="2011-12-22T09:00:00"),
        "$",
        "`reported_to_general_manager_at` 2011-12-22T09:00:00 is after the event's `date` 2011-12-20: "
        "the event records what happened by its date",
    ),
    (
        "a settlement by someone other than the employee judged",
        with_(RECEIVABLE, settled_by="E-02"),
        "$",
        "`settled_by` `E-02` is not the judged `employee` `E-05`: "
        "a settlement is judged as the conduct of who made it",
    ),
    (
        "an empty settled_by",
        with_(RECEIVABLE, settled_by=""),
        "$.settled_by",
        "string should have at least 1 character",
    ),
    (
        "a receivable without its judging date",
        with_(RECEIVABLE, date=None),
        "$",
        "`date` is required for this kind of event",
    ),
    (
        "a receivable without a due date",
        with_(RECEIVABLE, due=None),
        "$.due",
        "missing field: expected a date such as `2011-12-01`",
    ),
    (
        "a due date given as a number",
        with_(RECEIVABLE, due=20111215),
        "$.due",
        "`20111215` is a number, not an ISO 8601 date or timestamp such as `2011-12-01T09:30:00`",
    ),
    (
        "a customer record instead of its id",
        with_(RECEIVABLE, customer_id={"id": "KH-9"}),
        "$.customer_id",
        "input should be a valid string",
    ),
    # ---- handover ----
    (
        "a handover to oneself",
        with_(HANDOVER, successor="E-05"),
        "$",
        "`successor` `E-05` is the `employee` who hands over: a handover needs two people",
    ),
    (
        "a handover completed to nobody",
        with_(HANDOVER, successor=None, completed=True),
        "$",
        "`completed` is true but no `successor` is named: a handover is made to someone",
    ),
    (
        "a handover for another reason",
        with_(HANDOVER, reason="holiday"),
        "$.reason",
        "`holiday` is not allowed: input should be 'transfer' or 'departure'",
    ),
    (
        "a handover without the employee who leaves",
        with_(HANDOVER, employee=None),
        "$.employee",
        "missing field: expected an object with `id`, `role`",
    ),
    # ---- sales document ----
    (
        "a signature before the document was filled in",
        with_(
            DOCUMENT,
            approvals=[
                {"role": "clerk", "by": "E-05", "at": "2011-12-05T10:00:00"},
                {"role": "logistics_supervisor", "by": "E-02", "at": "2011-12-04T23:59:00"},
            ],
        ),
        "$",
        "`approvals[1].at` 2011-12-04T23:59:00 is before the document's `date` 2011-12-05: "
        "nobody signs a document before it is filled in",
    ),
    (
        "a sales document without its preparer",
        with_(DOCUMENT, prepared_by=None),
        "$.prepared_by",
        "missing field: expected a non-empty string",
    ),
    (
        "a sales document with the request as text",
        with_(DOCUMENT, customer_request="yes please"),
        "$.customer_request",
        "input should be a valid boolean, unable to interpret input",
    ),
]


@pytest.mark.parametrize(
    ("event", "path", "message"), [c[1:] for c in BAD_EVENTS], ids=[c[0] for c in BAD_EVENTS]
)
def test_a_bad_event_names_the_field(policy: Policy, event: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(EventError) as caught:
        policy.evaluate(event)
    assert caught.value.problems == [(path, message)]
    assert caught.value.message == f"invalid event: {path}: {message}"


def test_the_edges_of_the_checks_are_accepted(policy: Policy) -> None:
    # Paid exactly in full, told and reported on the day judged, settled by the employee judged,
    # signed on the day the document is dated: nothing here is refused.
    receivable = with_(
        RECEIVABLE,
        paid="5000.00",
        customer_notified_at="2011-12-20T23:59:00",
        reported_to_general_manager_at="2011-12-20T23:59:00",
        settled_by="E-05",
    )
    assert policy.evaluate(receivable).values["amount_outstanding"] == 0
    document = with_(DOCUMENT, approvals=[{"role": "clerk", "by": "E-05", "at": "2011-12-05T00:00:00"}])
    assert policy.evaluate(document).verdict == "pending"
    assert policy.evaluate(with_(HANDOVER, successor=None)).verdict == "pending"


def test_the_cli_refuses_a_bad_receivable_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "receivable.json"
    file.write_text(json.dumps(with_(RECEIVABLE, paid="6000.00")), encoding="utf-8")
    assert main(["check", str(file)]) == 2
    assert "invalid event: $: `paid` 6000.00 is more than the `amount` due 5000.00" in capsys.readouterr().err


# ---- `by_preparer`, misused in a policy ----


def _edit(tmp_path: Path, file: str, old: str, new: str) -> PolicyError:
    folder = copy_policy(tmp_path)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    return caught.value


def test_by_preparer_is_only_for_a_sign_step(tmp_path: Path) -> None:
    error = _edit(
        tmp_path,
        "roles.yaml",
        "{role: clerk, action: sign, cite: {article: 12}, by_preparer: true}",
        "{role: clerk, action: approve, cite: {article: 12}, by_preparer: true}",
    )
    [finding] = error.findings
    assert (Path(finding.file).name, finding.rule, finding.message, finding.help) == (
        "roles.yaml",
        None,
        "`by_preparer` is for a `sign` step, not `approve`",
        "the preparer signs what they prepared; nobody reviews, approves, permits "
        "or supervises their own event",
    )
    line = (Path(finding.file)).read_text(encoding="utf-8").splitlines()[finding.line - 1]
    assert "by_preparer: true" in line


def test_by_preparer_needs_a_kind_with_a_preparer(tmp_path: Path) -> None:
    error = _edit(
        tmp_path,
        "handover.yaml",
        "      approvals: handover_supervision\n",
        "      approvals: sales_document_signatures\n",
    )
    assert [(Path(f.file).name, f.rule, f.message, f.help) for f in error.findings] == [
        (
            "handover.yaml",
            "handover.supervised",
            "chain `sales_document_signatures`: its `by_preparer` step needs `prepared_by`, "
            "which `handover` events do not have",
            "kinds with a preparer: `contract`, `sales_document`",
        )
    ]


def test_by_preparer_written_inline_is_checked_too(tmp_path: Path) -> None:
    error = _edit(
        tmp_path,
        "handover.yaml",
        "        - {role: general_manager, action: supervise, cite: {article: 39}}\n",
        "        - {role: general_manager, action: supervise, cite: {article: 39}, by_preparer: true}\n",
    )
    assert [(f.rule, f.message) for f in error.findings] == [
        ("handover.supervisor-leaving", "`by_preparer` is for a `sign` step, not `supervise`")
    ]


# ---- `by_preparer`, judged ----

SIGNATURES = Chain(
    "sales_document_signatures",
    (
        Step("clerk", "sign", Cite.of(12), False, (), by_preparer=True),
        Step("logistics_supervisor", "sign", Cite.of(12), False, (0,)),
    ),
)
AT = dt.datetime(2011, 12, 5, 10, 0)


def _record(role: str, by: str, minutes: int = 0) -> ApprovalRecord:
    return ApprovalRecord(role=role, by=by, at=AT + dt.timedelta(minutes=minutes))  # type: ignore[arg-type]


def test_the_preparer_is_excluded_from_every_step_but_their_own() -> None:
    records = [_record("clerk", "E-05"), _record("logistics_supervisor", "E-05", 5)]
    results = judge(SIGNATURES, records, frozenset({"E-05"}), preparer="E-05")
    assert [(r.record.by if r.record else None, r.reason) for r in results] == [
        ("E-05", None),
        (None, "`E-05` may not approve an event they prepared or are judged by"),
    ]


def test_a_by_preparer_step_without_a_preparer_is_unsatisfied() -> None:
    results = judge(SIGNATURES, [_record("clerk", "E-05")], frozenset())
    assert results[0].reason == "the event names no preparer to take this step"


PEOPLE = st.sampled_from(["E-02", "E-05", "E-06"])
RECORDS = st.lists(
    st.tuples(
        st.sampled_from(["clerk", "logistics_supervisor", "general_manager"]), PEOPLE, st.integers(0, 3)
    ),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(records=RECORDS, employee=st.one_of(st.none(), PEOPLE))
def test_a_sales_document_is_signed_exactly_when_its_clerk_then_another_supervisor_signed(
    policy: Policy, records: list[tuple[str, str, int]], employee: str | None
) -> None:
    event = with_(
        DOCUMENT,
        approvals=[
            {"role": role, "by": by, "at": (AT + dt.timedelta(minutes=m)).isoformat()}
            for role, by, m in records
        ],
    )
    if employee is not None:
        event["employee"] = {"id": employee, "role": "clerk"}
    decision = policy.evaluate(event)
    clerk_times = [m for role, by, m in records if role == "clerk" and by == "E-05"]
    excluded = {"E-05", employee}
    signed = bool(clerk_times) and any(
        role == "logistics_supervisor" and by not in excluded and m >= min(clerk_times)
        for role, by, m in records
    )
    assert decision.verdict == ("pass" if signed else "pending")
    assert [a.satisfied for a in decision.approvals] == [bool(clerk_times), signed]
