"""Helpers of the audit tests: small events, ledgers written in each format, an audit run."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from salesops_rules import load_policy
from salesops_rules.audit import AuditOptions, AuditResult, audit_ledger, open_ledger
from salesops_rules.policy import Policy

POLICY: Policy = load_policy()
CLERK = {"id": "E-05", "role": "clerk"}


def contract(eid: str, day: str, **extra: Any) -> dict[str, Any]:
    event = {
        "kind": "contract",
        "id": eid,
        "date": day,
        "customer": {"id": "K-1", "type": "existing", "legal_form": "company"},
        "product_class": "stock",
        "amount": "800",
        "prepared_by": "E-07",
    }
    return event | extra


def receipt(eid: str, at: str, **extra: Any) -> dict[str, Any]:
    event = {
        "kind": "cash_receipt",
        "id": eid,
        "received_at": at,
        "amount": "500.00",
        "employee": CLERK,
        "payment_slip": True,
    }
    return event | extra


def handover(eid: str, of: str, at: str) -> dict[str, Any]:
    return {"kind": "cash_handover", "id": eid, "receipt": of, "handed_at": at, "payment_slip": True}


def credit_on_consent(eid: str, day: str) -> dict[str, Any]:
    return {
        "kind": "credit_sale",
        "id": eid,
        "date": day,
        "customer": {"id": "K-2", "type": "existing", "legal_form": "company"},
        "amount": "3000",
        "risk_assessment": True,
        "general_manager_away": True,
        "approvals": [{"role": "general_manager", "by": "E-01", "at": f"{day}T09:00:00", "mode": "consent"}],
    }


def signature(eid: str, of: str, at: str, role: str = "general_manager") -> dict[str, Any]:
    return {
        "kind": "credit_signature",
        "id": eid,
        "credit_sale": of,
        "signed_by": "E-01",
        "role": role,
        "signed_at": at,
    }


def archive_report(eid: str, day: str, month: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "customer_archive_report",
        "id": eid,
        "date": day,
        "approvals": [
            {"role": "clerk", "by": "E-05", "at": f"{day}T10:00:00"},
            {"role": "logistics_supervisor", "by": "E-02", "at": f"{day}T11:00:00"},
        ],
    }
    if month is not None:
        event["month"] = month
    return event


def review(eid: str, day: str, month: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "internal_review",
        "id": eid,
        "date": day,
        "reported_to_general_manager": True,
    }
    if month is not None:
        event["month"] = month
    return event


def monthly_paperwork(*months: str) -> list[dict[str, Any]]:
    """An archive report and an internal review for each month, filed on its 28th."""
    events = []
    for month in months:
        events.append(archive_report(f"A-{month}", f"{month}-28", month))
        events.append(review(f"IR-{month}", f"{month}-28", month))
    return events


def write_jsonl(path: Path, events: list[dict[str, Any] | str]) -> Path:
    lines = [e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in events]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def run_audit(ledger: Path, out: Path, policy: Policy = POLICY, **options: Any) -> AuditResult:
    return audit_ledger(
        policy, open_ledger(ledger, options.pop("sheet", None)), AuditOptions(out_dir=out, **options)
    )


def findings(out: Path) -> list[dict[str, str]]:
    with (out / "findings.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def ledger_findings(out: Path, rule: str | None = None) -> list[tuple[str, str, str, str]]:
    """(event id or month, rule, category, code) of every finding of the rules across events."""
    return [
        (row["event_id"] or row["month"], row["rule"], row["category"], row["code"])
        for row in findings(out)
        if row["rule"] and (rule is None or row["rule"] == rule)
    ]
