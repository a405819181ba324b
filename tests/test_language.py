"""One language at a time: `--lang zh` shows no English word a reader must understand, and
`--lang en` no Chinese outside the regulation's own text.

What `--lang zh` output may hold in ASCII letters (everything else is a failure):

- **ids**: the values of the id fields of the events shown (`id`, `employee.id`,
  `customer.id`, `prepared_by`, an approval's `by`, `receipt`, `credit_sale`, `signed_by`,
  `settled_by`, `guaranteed_by`, `successor`, `received_by`, `vehicle`, `permission.by`,
  `quotation`, `contract_id`), the pack's rule, ledger rule and legal note ids, and the
  policy's name and version;
- **free text quoted from an event** (`consignee`, `destination`, `customer.address`,
  `customer.contact`): the event's own words;
- **file names**: `findings.csv`, `skipped.csv`, `ledger.yaml`, the ledger's path;
- **the program's name** `salesops-rules`, and the command that explains a finding,
  `salesops-rules audit LEDGER --explain N`;
- numbers, amounts and dates (no letters), and single letters (`N`, a variable);
- markup that no reader sees: HTML tags, attributes and the style sheet, Markdown anchors
  (`<a id="line-5"></a>`), link targets and code fences.

A "word" is a run of two or more ASCII letters left after removing the above. Codes,
verdicts, headers, roles, actions, counts and locations must all be words of the
language: codes are shown by their labels.

What `--lang en` output may hold in CJK characters: the pack's clause ids (`第二十四条`,
`第三十七条第（四）项`), the names of the national laws a legal note cites, as the laws
name themselves (`《中华人民共和国民法典》第五百八十六条`), the regulation's original text (the
rest of a line after `text: `), and the same event-quoted free text and ids as above.
"""

from __future__ import annotations

import html as html_mod
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from salesops_rules import load_policy
from salesops_rules.policy import Policy
from salesops_rules.render import formats as render

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from audit_support import run_audit  # noqa: E402
from bench_audit import write_ledger  # noqa: E402
from salesops_rules.audit.report import build, html, markdown  # noqa: E402

POLICY: Policy = load_policy()
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))

ID_FIELDS = {
    "id", "by", "prepared_by", "receipt", "credit_sale", "signed_by", "settled_by", "guaranteed_by",
    "successor", "received_by", "vehicle", "consignee", "destination", "address", "contact", "phone",
    "customer_id", "logistics_mode", "quotation", "contract_id", "first_number", "last_number",
}  # fmt: skip
FILES = re.compile(r"[\w./-]+\.(?:csv|yaml|jsonl|json|md|html|xlsx)\b")
CLAUSE = re.compile(r"第[一二三四五六七八九十百零]+条(?:第（[一二三四五六七八九十]+）项)?")
LAW = re.compile(r"《[^》]+》(?:（[^）]*）)?")  # a national law, cited by its own name
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{2,}")


def quoted(value: Any, key: str = "") -> Iterable[str]:
    """The ids and free text an event carries, which any language shows as they are."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from quoted(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from quoted(v, key)
    elif isinstance(value, str) and key in ID_FIELDS:
        yield value


def pack_ids(policy: Policy) -> set[str]:
    compiled = policy.compiled
    ids = {r.id for r in compiled.rules} | {r.id for r in compiled.ledger_rules}
    ids |= {n.id for n in compiled.legal_notes}
    return ids | {compiled.name, compiled.version, policy.name, policy.version}


def visible(text: str, fmt: str) -> str:
    """What a reader sees of `text`: markup, link targets and fences taken out."""
    if fmt == "html":
        text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
        text = re.sub(r"<title>.*?</title>", " ", text, flags=re.S)  # the same words as the h1
        text = re.sub(r"<[^>]+>", " ", text)
        return html_mod.unescape(text)
    if fmt == "markdown":
        text = re.sub(r'<a id="[^"]*"></a>', " ", text)
        text = re.sub(r"\]\([^)]*\)", "] ", text)
        return re.sub(r"^`{3,}(?:text)?$", " ", text, flags=re.M)
    return text


def without(text: str, allowed: Iterable[str]) -> str:
    text = re.sub(r"salesops-rules audit \S+ (?:--sheet \S+ )?--explain \S+", " ", text)
    text = text.replace("salesops-rules", " ")
    for token in sorted(set(allowed), key=len, reverse=True):
        if token:
            text = text.replace(token, " ")
    return FILES.sub(" ", text)


def english_words(text: str, fmt: str, allowed: Iterable[str]) -> list[str]:
    return sorted(set(WORD.findall(without(visible(text, fmt), allowed))))


def chinese_left(text: str, fmt: str, allowed: Iterable[str]) -> list[str]:
    seen = []
    for line in without(visible(text, fmt), allowed).splitlines():
        line = re.split(r"\btext: ", line)[0]  # the regulation's own words follow
        line = CLAUSE.sub(" ", LAW.sub(" ", line))
        if CJK.search(line):
            seen.append(line.strip())
    return seen


def _examples() -> list[tuple[Path, str]]:
    return [(path, fmt) for path in EXAMPLES for fmt in ("text", "markdown", "html")]


@pytest.mark.parametrize(("path", "fmt"), _examples(), ids=lambda v: getattr(v, "name", v))
def test_explain_in_chinese_has_no_english_word(path: Path, fmt: str) -> None:
    event = json.loads(path.read_text(encoding="utf-8"))
    decision, trace = POLICY.trace(event)
    out = render.render(fmt, POLICY.compiled, decision, trace, "zh")
    assert english_words(out, fmt, [*quoted(event), *pack_ids(POLICY)]) == []


@pytest.mark.parametrize(("path", "fmt"), _examples(), ids=lambda v: getattr(v, "name", v))
def test_explain_in_english_has_no_chinese_outside_the_regulation(path: Path, fmt: str) -> None:
    event = json.loads(path.read_text(encoding="utf-8"))
    decision, trace = POLICY.trace(event)
    out = render.render(fmt, POLICY.compiled, decision, trace, "en")
    assert chinese_left(out, fmt, [*quoted(event), *pack_ids(POLICY)]) == []


# Issue 10's words: an open duty with its deadline, judged as of a time; an event before the
# policy's first day (第四十条); a credit sale with its time of credit; a voucher set refused.
TIMED: list[tuple[str, dict[str, Any], str | None]] = [
    (
        "cash-open-until-its-deadline",
        {
            "kind": "cash_receipt", "id": "XJ-1", "received_at": "2011-12-05T10:00:00",
            "amount": "800.00", "payment_slip": True,
            "employee": {"id": "E-07", "role": "clerk", "monthly_salary": "3000.00"},
        },
        "2011-12-05T11:00:00",
    ),
    (
        "cash-overdue",
        {
            "kind": "cash_receipt", "id": "XJ-2", "received_at": "2011-12-05T10:00:00",
            "amount": "800.00", "payment_form": "cash",
            "employee": {"id": "E-07", "role": "clerk", "monthly_salary": "3000.00"},
        },
        "2011-12-06T00:00:00",
    ),
    (
        "contract-before-the-first-day",
        {
            "kind": "contract", "id": "HT-2010-1", "date": "2010-05-01", "amount": "6000.00",
            "product_class": "stock", "status": "signed", "prepared_by": "E-07",
            "customer": {"id": "C-1", "type": "new", "legal_form": "company"},
        },
        None,
    ),
    (
        "credit-given-before-consent",
        {
            "kind": "credit_sale", "id": "QK-1", "date": "2011-12-05", "amount": "500.00",
            "credit_given_at": "2011-12-05T10:00:00", "risk_assessment": True,
            "customer": {"id": "C-1", "type": "existing", "legal_form": "company"},
            "employee": {"id": "E-07", "role": "clerk", "monthly_salary": "3000.00"},
            "approvals": [
                {"role": "general_manager", "by": "E-01", "at": "2011-12-05T23:50:00", "mode": "consent"}
            ],
        },
        None,
    ),
    (
        "voucher-set-refused",
        {
            "kind": "order_voucher", "id": "PZ-1", "date": "2011-12-05", "complete": True,
            "accurate": True, "reliable": True, "papers_complete": False,
        },
        None,
    ),
]  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("name", "event", "as_of"), TIMED, ids=[t[0] for t in TIMED])
def test_issue_10_words_speak_one_language(
    name: str, event: dict[str, Any], as_of: str | None, lang: str
) -> None:
    decision, trace = POLICY.trace(event, as_of=as_of)
    if as_of is not None:
        assert decision.as_of is not None
    for fmt in ("text", "markdown", "html"):
        out = render.render(fmt, POLICY.compiled, decision, trace, lang)
        allowed = [*quoted(event), *pack_ids(POLICY)]
        if lang == "zh":
            assert english_words(out, fmt, allowed) == [], (name, fmt)
        else:
            assert chinese_left(out, fmt, allowed) == [], (name, fmt)


def test_a_deadline_and_the_time_judged_are_shown_in_words() -> None:
    _, event, as_of = TIMED[0]
    decision, trace = POLICY.trace(event, as_of=as_of)
    assert [o for o in decision.obligations if o.deadline is not None], "an open duty with a deadline"
    zh = render.render("text", POLICY.compiled, decision, trace, "zh")
    en = render.render("text", POLICY.compiled, decision, trace, "en")
    assert "（评判时点：2011-12-05 11:00）" in zh and "（期限：2011-12-06 00:00 之前）" in zh
    assert "(judged as of 2011-12-05 11:00)" in en and "(due before 2011-12-06 00:00)" in en


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A generated ledger of every kind an office records, with the ids and text it holds."""
    path = write_ledger(tmp_path_factory.mktemp("ledger") / "ledger.jsonl", 400)
    allowed = [
        token for line in path.read_text(encoding="utf-8").splitlines() for token in quoted(json.loads(line))
    ]
    return path, [*allowed, *pack_ids(POLICY), str(path)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_generated_ledgers_report_speaks_one_language(
    ledger: tuple[Path, list[str]], tmp_path: Path, lang: str
) -> None:
    path, allowed = ledger
    result = run_audit(path, tmp_path / "out", lang=lang, explained=200)
    assert result.explanations, "the report explains events"
    document = build(result, POLICY.compiled, lang)
    for fmt, text in (("markdown", markdown(document)), ("html", html(document))):
        if lang == "zh":
            assert english_words(text, fmt, allowed) == [], fmt
        else:
            assert chinese_left(text, fmt, allowed) == [], fmt


def test_the_checks_catch_what_they_are_for() -> None:
    """The checks themselves: a code, a verdict or a raw expression is caught; an id is not."""
    assert english_words("结论 fail，代码 other_breach", "text", []) == ["breach", "fail", "other"]
    assert english_words("产品类别 product_class == 'custom'", "text", []) == ["class", "custom", "product"]
    assert english_words("事项 HT-2011-1208，见 findings.csv", "text", ["HT-2011-1208"]) == []
    assert chinese_left("verdict 违规", "text", []) == ["verdict 违规"]
    assert chinese_left("第三十七条第（四）项: text: 现金日收日交", "text", []) == []
    assert chinese_left("《中华人民共和国民法典》第五百八十六条: the part above 20%", "text", []) == []
    assert chinese_left("《民法典》第五百八十六条: 定金", "text", []) == [": 定金"]
