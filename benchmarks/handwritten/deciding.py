"""What every hand-written decision shares: the policy's texts, approval chains, penalties, the result.

The clause catalogue, the role names, the penalty table, the policy's name and the
messages its rules word are read from the bundled policy folder once, at import, so that
wording stays the policy's; what is decided, and when, is the code of each kind's module.
The messages the engine itself words (why an approval step is unsatisfied, a referral to
the general manager) are written here as the engine writes them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .reading import Record

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
CENT = Decimal("0.01")
# Files of the policy folder that hold no rules.
NOT_RULES = frozenset(("policy.yaml", "regulation.yaml", "roles.yaml", "penalties.yaml"))

Text = tuple[str, str]  # (zh, en)
# (article, item or 0): how the deciders name a clause.
Key = tuple[int, int]


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _label(article: int, item: int | None = None) -> str:
    digits = "零一二三四五六七八九"

    def number(n: int) -> str:
        tens, ones = divmod(n, 10)
        head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
        return head + (digits[ones] if ones else "")

    label = f"第{number(article)}条"
    return label if item is None else f"{label}第（{number(item)}）项"


def _citations() -> dict[Key, tuple[int, int | None, str, str, str]]:
    """(article, item or 0) -> (article, item, label, text, text_en) for every clause of the regulation."""
    result = {}
    for a in _load(POLICY_DIR / "regulation.yaml")["articles"]:
        number = a["article"]
        result[(number, 0)] = (number, None, _label(number), a["zh"], a["en"])
        for it in a.get("items") or ():
            item = it["item"]
            text, text_en = f"{a['zh']}{it['label']}{it['zh']}", f"{a['en']} ({item}) {it['en']}"
            result[(number, item)] = (number, item, _label(number, item), text, text_en)
    return result


def _messages() -> dict[tuple[str, ...], Text]:
    """The messages of obligations and violations, keyed by (rule id, code) or (rule id, row, code)."""
    found: dict[tuple[str, ...], Text] = {}

    def collect(key: tuple[str, ...], outcome: dict[str, Any] | None) -> None:
        obligations = (outcome or {}).get("obligations", ())
        overdue = [v for o in obligations for v in (o.get("overdue") or {}).get("violations", ())]
        for entry in [*obligations, *(outcome or {}).get("violations", ()), *overdue]:
            found[(*key, entry["code"])] = (entry["message"]["zh"], entry["message"]["en"])

    for path in sorted(POLICY_DIR.glob("*.yaml")):
        if path.name in NOT_RULES:
            continue
        for rule in _load(path).get("rules") or ():
            collect((rule["id"],), rule.get("then"))
            collect((rule["id"],), rule.get("else"))
            for row, spec in enumerate((rule.get("table") or {}).get("rows", ())):
                collect((rule["id"], str(row)), spec["then"])
    return found


CITATIONS = _citations()
MESSAGES = _messages()
ROLE_ZH: dict[str, str] = {
    role: names["zh"] for role, names in _load(POLICY_DIR / "roles.yaml")["roles"].items()
}
PENALTIES = {p["code"]: p for p in _load(POLICY_DIR / "penalties.yaml")["penalties"]}
_manifest = _load(POLICY_DIR / "policy.yaml")["policy"]
POLICY = {"name": _manifest["name"], "version": str(_manifest["version"])}
# 第四十条: the policy's first day; an event dated before it is not judged.
_in_force = _manifest.get("in_force")
FIRST_DAY: dt.date | None = _in_force["first_day"] if _in_force else None
IN_FORCE_ARTICLE: int = _in_force["cite"]["article"] if _in_force else 0


def not_in_force(event_id: str, kind: str, day: dt.date) -> dict[str, Any]:
    """The decision on an event dated before the first day: nothing judged, one obligation."""
    assert FIRST_DAY is not None
    label = CITATIONS[(IN_FORCE_ARTICLE, 0)][2]
    text = (
        f"事件日期 {day.isoformat()} 早于本规定生效之日 {FIRST_DAY.isoformat()}（{label}），不按本规定评判",
        f"the event is dated {day.isoformat()}, before this policy took effect on "
        f"{FIRST_DAY.isoformat()} ({label}); it is not judged under this policy",
    )
    obligation = entry("policy_not_in_force", text, cite(IN_FORCE_ARTICLE))
    return finish(event_id, kind, {}, [], [obligation], [], None, set())


def message(rule: str, code: str, row: int | None = None) -> Text:
    """The policy's wording of an obligation or violation, looked up once by the module that uses it."""
    return MESSAGES[(rule, code) if row is None else (rule, str(row), code)]


def cite(article: int, item: int | None = None) -> dict[str, Any]:
    return {"article": article, "item": item, "label": CITATIONS[(article, item or 0)][2]}


def entry(code: str, text: Text, where: dict[str, Any]) -> dict[str, Any]:
    """An obligation or a violation."""
    return {"code": code, "message": text[0], "message_en": text[1], "cite": where}


# ---- approval chains ----

# A step: (roles that may take it, action, cite, consent accepted, indices of the steps
# before it, whether the chain's deadline applies to it, whether only the event's preparer
# may take it).
Step = tuple[tuple[str, ...], str, tuple[int, int | None], bool, tuple[int, ...], bool, bool]

BLOCKED: Text = ("前一审批步骤尚未完成", "an earlier step of the chain is not satisfied")
OWN: Text = ("经办人或被评判人不得审批本人的事项", "")
CONSENT_ONLY: Text = (
    "只有口头同意记录，此步须签字",
    "only a consent is recorded; this step needs a signature",
)


def _at(record: Record) -> dt.datetime:
    return record[2]


def _pick(
    takers: tuple[str, ...],
    consent: bool,
    records: tuple[Record, ...],
    excluded: frozenset[str | None],
    earliest: dt.datetime | None,
    deadline: dt.date | None,
    preparer: str | None,
) -> tuple[Record | None, Text | None]:
    """The earliest record that takes the step, or why none does. A step for the preparer
    takes only the preparer's own record; any other step, nobody's who is excluded."""
    mine = [r for r in records if r[0] in takers]
    if not mine:
        return None, (
            "没有" + "或".join(ROLE_ZH[t] for t in takers) + "的审批记录",
            "no approval record by a " + " or ".join(takers),
        )
    if preparer is not None:
        allowed = [r for r in mine if r[1] == preparer]
        if not allowed:
            return None, (
                f"须由填制人本人（{preparer}）以" + "或".join(ROLE_ZH[t] for t in takers) + "身份签字",
                f"the {' or '.join(takers)} who prepared the event, `{preparer}`, has not signed it",
            )
    else:
        allowed = [r for r in mine if r[1] not in excluded]
        if not allowed:
            return None, (OWN[0], f"`{mine[0][1]}` may not approve an event they prepared or are judged by")
    if not consent:
        allowed = [r for r in allowed if r[3] == "signed"]
        if not allowed:
            return None, CONSENT_ONLY
    if deadline is not None:
        timely = [r for r in allowed if r[2].date() <= deadline]
        if not timely:
            late = min(allowed, key=_at)
            day = deadline.isoformat()
            return None, (
                f"审批记录晚于期限（{day} 当日结束前）",
                f"the {late[0]}'s record of {late[2].isoformat(sep=' ')} comes after the deadline, "
                f"the end of {day}",
            )
        allowed = timely
    if earliest is not None:
        allowed = [r for r in allowed if r[2] >= earliest]
        if not allowed:
            role = takers[0]
            return None, (
                f"{ROLE_ZH[role]}的审批早于前一审批步骤",
                f"the {role}'s record comes before an earlier step of the chain",
            )
    return min(allowed, key=_at), None


def judge(
    steps: tuple[Step, ...],
    records: tuple[Record, ...],
    excluded: frozenset[str | None],
    deadline: dt.date | None = None,
    preparer: str | None = None,
) -> list[dict[str, Any]]:
    """Each step takes the earliest fitting record made no earlier than the steps before it;
    a step after an unsatisfied one is unsatisfied. Returns the approvals of the decision."""
    chosen: dict[int, Record] = {}
    outcomes = []
    for i, (takers, action, (article, item), consent, before, timed, own) in enumerate(steps):
        earliest: dt.datetime | None = None
        blocked = False
        for j in before:
            if j not in chosen:
                blocked = True
            elif earliest is None or chosen[j][2] > earliest:
                earliest = chosen[j][2]
        record, why = _pick(
            takers,
            consent,
            records,
            excluded,
            earliest,
            deadline if timed else None,
            preparer if own else None,
        )
        if blocked and record is not None:
            record, why = None, BLOCKED
        if record is not None:
            chosen[i] = record
        outcomes.append(
            {
                "role": record[0] if record is not None else takers[0],
                "action": action,
                "satisfied": record is not None,
                "cite": cite(article, item),
                "by": record[1] if record is not None else None,
                "note": None if why is None else {"zh": why[0], "en": why[1]},
            }
        )
    return outcomes


# ---- the decision ----


def penalty(code: str, salary: Decimal | None) -> dict[str, Any]:
    rule = PENALTIES[code]
    where = rule["cite"]
    months = rule.get("deduction_months")
    amounts = None
    if months is not None and salary is not None:
        amounts = {
            "min": str((salary * months[0]).quantize(CENT)),
            "max": str((salary * months[1]).quantize(CENT)),
        }
    return {
        "sanction": rule["sanction"],
        "for": code,
        "deduction_months": None if months is None else {"min": months[0], "max": months[1]},
        "deduction_amount": amounts,
        "cite": cite(where["article"], where.get("item")),
        "requires_determination": bool(rule.get("requires_determination", False)),
        "deduction_cap_per_month": None,  # set by a legal note's cap (law.py)
        "months_to_recover": None,
    }


def _one_per_breach(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One violation per code and clause; a second finding of the same joins its message."""
    kept: dict[tuple[str, int, int | None], dict[str, Any]] = {}
    for v in violations:
        key = (v["code"], v["cite"]["article"], v["cite"]["item"])
        held = kept.get(key)
        if held is None:
            kept[key] = v
        elif v["message_en"] not in held["message_en"]:
            kept[key] = {
                **held,
                "message": f"{held['message']}；{v['message']}",
                "message_en": f"{held['message_en']}; {v['message_en']}",
            }
    return list(kept.values())


def finish(
    event_id: str,
    kind: str,
    values: dict[str, Any],
    approvals: list[dict[str, Any]],
    obligations: list[dict[str, Any]],
    violations: list[dict[str, Any]],
    salary: Decimal | None,
    cited: set[Key],
) -> dict[str, Any]:
    """The decision's JSON content: one penalty per kind of breach, the verdict, and every
    clause cited (`cited`, the clauses of the rules that applied, with those of the parts)."""
    for o in obligations:
        o.setdefault("deadline", None)  # an obligation without a deadline says so
    penalties = []
    if violations:
        violations = _one_per_breach(violations)
        penalties = [penalty(code, salary) for code in dict.fromkeys([v["code"] for v in violations])]
    for part in (approvals, obligations, violations, penalties):
        for p in part:
            where = p["cite"]
            cited.add((where["article"], where["item"] or 0))
    if violations:
        verdict = "fail"
    elif obligations or not all(a["satisfied"] for a in approvals):
        verdict = "pending"
    else:
        verdict = "pass"
    citations = []
    for key in sorted(cited):
        article, item, label, text, text_en = CITATIONS[key]
        citations.append({"article": article, "item": item, "label": label, "text": text, "text_en": text_en})
    return {
        "event_id": event_id,
        "kind": kind,
        "policy": dict(POLICY),
        "verdict": verdict,
        "values": values,
        "approvals": approvals,
        "obligations": obligations,
        "violations": violations,
        "penalties": penalties,
        "citations": citations,
    }
