"""The contract decision of 第十一、十四、二十一至二十四条 written by hand in plain Python.

This is the baseline of `bench_evaluate.py`: what a programmer would write without a rule
engine, making the same decision as the bundled policy and returning the same JSON
content as `policy.evaluate(event).model_dump(mode="json")` (all fields except `rules`,
the ids of the policy's rules, which a hand-written function does not have).

It validates what it reads, as the engine does: money as exact decimals (floats
refused), the enums, the timestamps of approval records, unknown fields. The clause
catalogue, the role names, the penalty table and the policy's name are read from the
bundled policy folder once, at import; the rules themselves are the code below.
`tests/test_benchmark_baseline.py` checks that both make the same decision.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

POLICY_DIR = Path(__file__).resolve().parents[1] / "policy"
CENT = Decimal("0.01")
ZERO = Decimal(0)
THOUSAND, FIVE_THOUSAND, TEN_THOUSAND = Decimal(1000), Decimal(5000), Decimal(10000)
TWENTY, THIRTY, FIFTY = Decimal("0.20"), Decimal("0.30"), Decimal("0.50")
CST = dt.timezone(dt.timedelta(hours=8), "CST")

ROLES = frozenset(("clerk", "logistics_supervisor", "general_manager", "driver", "finance"))
DOCUMENTS = frozenset(
    ("business_licence", "organisation_code", "tax_registration", "id_card_front", "id_card_back")
)
CONTRACT_FIELDS = frozenset(
    (
        "kind",
        "id",
        "date",
        "employee",
        "customer",
        "product_class",
        "amount",
        "deposit_paid",
        "status",
        "prepared_by",
        "approvals",
        "collection_schedule",
    )
)
CUSTOMER_FIELDS = frozenset(
    ("id", "type", "legal_form", "documents", "sealed", "address", "phone", "contact")
)
EMPLOYEE_FIELDS = frozenset(("id", "role", "monthly_salary"))
RECORD_FIELDS = frozenset(("role", "by", "at", "mode"))


def _load(name: str) -> Any:
    with (POLICY_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _label(article: int, item: int | None = None) -> str:
    digits = "零一二三四五六七八九"

    def number(n: int) -> str:
        tens, ones = divmod(n, 10)
        head = "" if tens == 0 else ("十" if tens == 1 else digits[tens] + "十")
        return head + (digits[ones] if ones else "")

    label = f"第{number(article)}条"
    return label if item is None else f"{label}第（{number(item)}）项"


def _citations() -> dict[tuple[int, int], tuple[int, int | None, str, str, str]]:
    """(article, item or 0) -> (article, item, label, text, text_en) for every article cited here."""
    articles = {a["article"]: a for a in _load("regulation.yaml")["articles"]}
    result = {}
    for number, item in ((11, None), (14, None), (21, None), (22, None), (23, None), (24, None), (39, None)):
        a = articles[number]
        result[(number, 0)] = (number, item, _label(number), a["zh"], a["en"])
    for item in (1, 7):  # 第三十七条 (一) and (七): the two breaches a contract can show
        a = articles[37]
        it = next(i for i in a["items"] if i["item"] == item)
        text, text_en = f"{a['zh']}{it['label']}{it['zh']}", f"{a['en']} ({item}) {it['en']}"
        result[(37, item)] = (37, item, _label(37, item), text, text_en)
    return result


CITATIONS = _citations()
ROLE_ZH = {role: names["zh"] for role, names in _load("roles.yaml")["roles"].items()}
PENALTIES = {p["code"]: p for p in _load("penalties.yaml")["penalties"]}
_manifest = _load("policy.yaml")["policy"]
POLICY = {"name": _manifest["name"], "version": str(_manifest["version"])}

# The messages of the decision, as the policy words them.
COLLECT_DEPOSIT = ("定金未付足，须收齐定金", "the deposit is not fully paid; collect it")
ATTACH_DOCUMENTS = (
    "须附客户资料：企业附营业执照、企业代码证、税务登记证复印件并加盖公章；个人附身份证双面复印件及地址、电话、联系人",
    "attach the customer's documents: for a company, copies of the business licence, organisation code "
    "and tax registration under its seal; for an individual, both sides of the ID card with address, "
    "phone and contact",
)
COLLECTION_SCHEDULE = (
    "须建立合同回款档案（阶段回款方式、日期），到期前通知客户",
    "set up the collection schedule (instalments and dates) and tell the customer before each due date",
)
SIGNED_WITHOUT_DOCUMENTS = (
    "合同签订时未附第二十二条规定的客户资料",
    "the contract was signed without the customer documents of 第二十二条",
)
SIGNED_WITHOUT_APPROVAL = (
    "合同未经规定的审批即已签订",
    "the contract was signed without the approvals it requires",
)
NO_DEPOSIT_STATED = (
    "第二十四条对本事项的 `deposit_ratio` 未作规定，由总经理决定（第三十九条）",
    "第二十四条 states no `deposit_ratio` for this case; the general manager decides",
)


# ---- validation: what the function reads, with the field named ----


class BadEventError(ValueError):
    """An event the function cannot decide on; `path` names the field as the engine does (`$.amount`)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"invalid event: {path}: {message}")


def _decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, bool | float):
        raise BadEventError(path, f"must be a decimal string or an integer, not `{value!r}`")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise BadEventError(path, f"`{value}` is not a decimal number") from None
    else:
        raise BadEventError(path, f"must be a decimal string or an integer, not {type(value).__name__}")
    if not result.is_finite():
        raise BadEventError(path, f"`{value}` is not a finite number")
    return result


def _money(value: Any, path: str) -> Decimal:
    result = _decimal(value, path)
    if result.as_tuple().exponent < -2:  # type: ignore[operator]
        raise BadEventError(path, f"`{value}` has more than 2 decimal places")
    if result < 0:
        raise BadEventError(path, f"`{value}` is negative")
    return result


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadEventError(path, "must be a non-empty string")
    return value


def _optional_text(value: Any, path: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise BadEventError(path, "must be a string")
    return value


def _choice(value: Any, allowed: frozenset[str] | tuple[str, ...], path: str) -> str:
    if value not in allowed:
        raise BadEventError(path, f"`{value}` is not allowed")
    return str(value)


def _fields(record: Any, allowed: frozenset[str], path: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise BadEventError(path, "must be an object")
    if not allowed.issuperset(record):
        raise BadEventError(f"{path}.{min(record.keys() - allowed)}", "unknown field")
    return record


def _timestamp(value: Any, path: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            raise BadEventError(path, f"`{value}` is not a timestamp") from None
    else:
        raise BadEventError(path, "must be a timestamp")
    # The company's day is China Standard Time, as the engine reads it.
    return stamp.astimezone(CST).replace(tzinfo=None) if stamp.tzinfo is not None else stamp


def _date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise BadEventError(path, f"`{value}` is not a date")


def _records(raw: Any) -> list[tuple[str, str, dt.datetime, str]]:
    if not isinstance(raw, list | tuple):
        raise BadEventError("$.approvals", "must be a list")
    records = []
    for i, record in enumerate(raw):
        path = f"$.approvals[{i}]"
        record = _fields(record, RECORD_FIELDS, path)
        for name in ("role", "by", "at"):
            if name not in record:
                raise BadEventError(f"{path}.{name}", "missing field")
        records.append(
            (
                _choice(record["role"], ROLES, f"{path}.role"),
                _text(record["by"], f"{path}.by"),
                _timestamp(record["at"], f"{path}.at"),
                _choice(record.get("mode", "signed"), ("signed", "consent"), f"{path}.mode"),
            )
        )
    return records


def _schedule_length(raw: Any, amount: Decimal) -> int:
    if not isinstance(raw, list | tuple):
        raise BadEventError("$.collection_schedule", "must be a list")
    total = ZERO
    for i, instalment in enumerate(raw):
        path = f"$.collection_schedule[{i}]"
        instalment = _fields(instalment, frozenset(("due", "amount")), path)
        _date(instalment.get("due"), f"{path}.due")
        part = _money(instalment.get("amount"), f"{path}.amount")
        if part == 0:
            raise BadEventError(f"{path}.amount", "must be greater than 0")
        total += part
    if total > amount:
        raise BadEventError(
            "$.collection_schedule", f"totals {total}, more than the contract amount {amount}"
        )
    return len(raw)


def _salary(raw: Any) -> Decimal | None:
    if raw is None:
        return None
    employee = _fields(raw, EMPLOYEE_FIELDS, "$.employee")
    _text(employee.get("id"), "$.employee.id")
    _choice(employee.get("role"), ROLES, "$.employee.role")
    salary = employee.get("monthly_salary")
    return None if salary is None else _money(salary, "$.employee.monthly_salary")


# ---- the decision ----


def _cite(article: int, item: int | None = None) -> dict[str, Any]:
    return {"article": article, "item": item, "label": CITATIONS[(article, item or 0)][2]}


def _approval_chain(customer_type: str, product_class: str, amount: Decimal) -> list[tuple[str, str, int]]:
    """(role, action, article) in order: 第二十四条 where it speaks, else 第二十一条."""
    if customer_type == "existing" and product_class == "stock" and amount <= TEN_THOUSAND:
        return [("logistics_supervisor", "approve", 24)]
    if amount > TEN_THOUSAND:
        return [("logistics_supervisor", "review", 21), ("general_manager", "approve", 24)]
    return [("logistics_supervisor", "review", 21), ("general_manager", "approve", 21)]


def _judge(
    chain: list[tuple[str, str, int]],
    records: list[tuple[str, str, dt.datetime, str]],
    excluded: set[str],
) -> list[dict[str, Any]]:
    """Each step takes the earliest signed record of its role, by someone not excluded,
    made no earlier than the step before it; a step after an unsatisfied one is unsatisfied."""
    outcomes = []
    previous: dt.datetime | None = None
    blocked = False
    for role, action, article in chain:
        chosen = None
        reason = reason_zh = ""
        mine = [r for r in records if r[0] == role]
        allowed = [r for r in mine if r[1] not in excluded]
        signed = [r for r in allowed if r[3] == "signed"]
        in_order = [r for r in signed if previous is None or r[2] >= previous]
        if not mine:
            reason, reason_zh = f"no approval record by a {role}", f"没有{ROLE_ZH[role]}的审批记录"
        elif not allowed:
            reason = f"`{mine[0][1]}` may not approve an event they prepared or are judged by"
            reason_zh = "经办人或被评判人不得审批本人的事项"
        elif not signed:
            reason, reason_zh = (
                "only a consent is recorded; this step needs a signature",
                "只有口头同意记录，此步须签字",
            )
        elif not in_order:
            reason = f"the {role}'s record comes before an earlier step of the chain"
            reason_zh = f"{ROLE_ZH[role]}的审批早于前一审批步骤"
        elif blocked:
            reason, reason_zh = "an earlier step of the chain is not satisfied", "前一审批步骤尚未完成"
        else:
            chosen = min(in_order, key=lambda r: r[2])
        if chosen is None:
            blocked = True
        else:
            previous = chosen[2]
        outcomes.append(
            {
                "role": role,
                "action": action,
                "satisfied": chosen is not None,
                "cite": _cite(article),
                "by": chosen[1] if chosen is not None else None,
                "note": None if chosen is not None else {"zh": reason_zh, "en": reason},
            }
        )
    return outcomes


def _penalty(code: str, salary: Decimal | None) -> dict[str, Any]:
    rule = PENALTIES[code]
    cite = rule["cite"]
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
        "cite": _cite(cite["article"], cite.get("item")),
        "requires_determination": bool(rule.get("requires_determination", False)),
    }


def _entry(code: str, text: tuple[str, str], cite: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "message": text[0], "message_en": text[1], "cite": cite}


def decide_contract(event: dict[str, Any]) -> dict[str, Any]:
    """The decision on one contract event, as JSON content; raises ValueError naming the field."""
    event = _fields(event, CONTRACT_FIELDS, "$")
    if event.get("kind") != "contract":
        raise BadEventError("$.kind", f"`{event.get('kind')}` is not `contract`")
    event_id = _text(event.get("id"), "$.id")
    _date(event.get("date"), "$.date")
    customer = _fields(event.get("customer"), CUSTOMER_FIELDS, "$.customer")
    _text(customer.get("id"), "$.customer.id")
    customer_type = _choice(customer.get("type"), ("existing", "new"), "$.customer.type")
    legal_form = _choice(customer.get("legal_form"), ("company", "individual"), "$.customer.legal_form")
    documents = customer.get("documents", ())
    for i, code in enumerate(documents):
        _choice(code, DOCUMENTS, f"$.customer.documents[{i}]")
    sealed = customer.get("sealed", False)
    if not isinstance(sealed, bool):
        raise BadEventError("$.customer.sealed", "must be a boolean")
    product_class = _choice(
        event.get("product_class"), ("stock", "made_to_order", "custom"), "$.product_class"
    )
    amount = _money(event.get("amount"), "$.amount")
    if amount == 0:
        raise BadEventError("$.amount", "must be greater than 0")
    deposit_paid = _money(event.get("deposit_paid", 0), "$.deposit_paid")
    signed = _choice(event.get("status", "draft"), ("draft", "signed"), "$.status") == "signed"
    prepared_by = _text(event.get("prepared_by"), "$.prepared_by")
    records = _records(event.get("approvals", ()))
    scheduled = _schedule_length(event.get("collection_schedule", ()), amount)
    employee = event.get("employee")
    salary = _salary(employee)
    excluded = {prepared_by}
    if employee is not None:
        excluded.add(employee["id"])

    cited = {(11, 0), (14, 0), (21, 0), (22, 0), (23, 0), (24, 0)}
    obligations: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []

    # 第十一条, 第十四条
    values: dict[str, Any] = {
        "contract_required": product_class == "custom" or amount >= THOUSAND,
    }
    # 第二十四条: deposit and payment on delivery, by customer, goods and amount.
    over = amount > TEN_THOUSAND
    ratio: Decimal | None
    deposit_stated = True
    if product_class == "custom":
        ratio = FIFTY
    elif product_class == "made_to_order":
        ratio = THIRTY
    elif customer_type == "new":
        ratio = THIRTY if over else TWENTY
    else:
        ratio, deposit_stated = None, not over  # existing, stock: none asked up to 10000, unstated above
    if ratio is not None:
        deposit = (amount * ratio).quantize(CENT, rounding=ROUND_HALF_UP)
        values["deposit_ratio"] = str(ratio)
        values["deposit_amount"] = str(deposit)
        values["deposit_shortfall"] = str(max(deposit - deposit_paid, ZERO).quantize(CENT))
        if deposit_paid < deposit:
            obligations.append(_entry("collect_deposit", COLLECT_DEPOSIT, _cite(24)))
    values["payment_on_delivery"] = over
    values["report_immediately"] = amount >= FIVE_THOUSAND

    # 第二十二条
    if legal_form == "company":
        complete = (
            "business_licence" in documents
            and "organisation_code" in documents
            and "tax_registration" in documents
            and sealed
        )
    else:
        complete = (
            "id_card_front" in documents
            and "id_card_back" in documents
            and customer.get("address") is not None
            and customer.get("phone") is not None
            and customer.get("contact") is not None
        )
    values["customer_documents_complete"] = complete
    if not complete:
        obligations.append(_entry("attach_customer_documents", ATTACH_DOCUMENTS, _cite(22)))
        if signed:
            violations.append(_entry("other_breach", SIGNED_WITHOUT_DOCUMENTS, _cite(22)))
    # 第二十三条
    if scheduled == 0:
        obligations.append(_entry("collection_schedule", COLLECTION_SCHEDULE, _cite(23)))

    # 第二十一条 and 第二十四条: who approves, and whether the records show it.
    approvals = _judge(_approval_chain(customer_type, product_class, amount), records, excluded)
    satisfied = all(a["satisfied"] for a in approvals)
    if signed and not satisfied:
        violations.append(_entry("contract_limit_exceeded", SIGNED_WITHOUT_APPROVAL, _cite(37, 1)))
        cited.add((37, 1))
    # 第三十九条: the article states no deposit; the general manager's approval decides it.
    if not deposit_stated:
        cited.add((39, 0))
        if not any(a["satisfied"] and a["role"] == "general_manager" for a in approvals):
            obligations.append(_entry("refer_to_general_manager", NO_DEPOSIT_STATED, _cite(39)))

    # One sanction per kind of breach, however many findings show it.
    penalties = [_penalty(code, salary) for code in dict.fromkeys(v["code"] for v in violations)]
    for p in penalties:
        cited.add((p["cite"]["article"], p["cite"]["item"] or 0))
    if violations:
        verdict = "fail"
    elif obligations or not satisfied:
        verdict = "pending"
    else:
        verdict = "pass"
    citations = []
    for key in sorted(cited):
        article, item, label, text, text_en = CITATIONS[key]
        citations.append({"article": article, "item": item, "label": label, "text": text, "text_en": text_en})
    return {
        "event_id": event_id,
        "kind": "contract",
        "policy": dict(POLICY),
        "verdict": verdict,
        "values": values,
        "approvals": approvals,
        "obligations": obligations,
        "violations": violations,
        "penalties": penalties,
        "citations": citations,
    }


# Hand-written deciders by event kind; other kinds join as their rules and baselines are written.
DECIDERS = {"contract": decide_contract}
