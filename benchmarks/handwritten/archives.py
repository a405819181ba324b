"""The archive-access decision of 第三十六条 with 第三十七条第（七）项 (policy/archives.yaml), by hand."""

from __future__ import annotations

from typing import Any

from . import reading as read
from .deciding import Step, cite, entry, finish, judge, message

FIELDS = frozenset(("kind", "id", "date", "employee", "action", "approvals"))
ACTIONS = frozenset(("read", "copy", "excerpt", "take_out"))
# 第三十六条: the general manager approves reading, copying or excerpting, by the end of that day.
GENERAL_MANAGER: tuple[Step, ...] = ((("general_manager",), "approve", (36, None), False, (), True, False),)

TAKEN_OUT = message("archive.never-taken-out", "other_breach")
WITHOUT_APPROVAL = message("archive.access-without-approval", "other_breach")


def decide_archive_access(event: dict[str, Any]) -> dict[str, Any]:
    event = read.event_fields(event, "archive_access", FIELDS)
    event_id = read.text(event.get("id"), "$.id")
    day = read.event_day(event)
    employee_id, role, salary = read.employee(event.get("employee"), needed=True)
    action = read.choice(read.required(event, "action"), ACTIONS, "$.action")
    records = read.records(event.get("approvals", ()))

    approvals: list[dict[str, Any]] = []
    violations = []
    if action == "take_out":
        # Never allowed, approval or not.
        violations.append(entry("other_breach", TAKEN_OUT, cite(36)))
    elif role != "general_manager":
        # The general manager, who gives the approval, needs none for their own access.
        approvals = judge(GENERAL_MANAGER, records, frozenset((employee_id,)), day)
        if not approvals[0]["satisfied"]:
            violations.append(entry("other_breach", WITHOUT_APPROVAL, cite(36)))
    cited = {(36, 0)} if approvals or violations else set()
    return finish(event_id, "archive_access", {}, approvals, [], violations, salary, cited)
