"""Render a decision and its trace as lines an auditor reads, in Chinese or English.

Rendering is apart from printing: `lines()` returns strings, so tests read exactly what
`salesops-rules explain` shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from ..model.citation import Cite
from ..model.decision import Decision, Obligation, Penalty
from .compiled import CompiledPolicy
from .trace import Fact, RuleTrace

Lang = Literal["zh", "en"]

WORDS: dict[str, dict[Lang, str]] = {
    "decision": {"zh": "决定", "en": "Decision"},
    "under": {"zh": "依据", "en": "under"},
    "verdict": {"zh": "结论", "en": "verdict"},
    "pass": {"zh": "通过", "en": "PASS"},
    "pending": {"zh": "待办", "en": "PENDING"},
    "fail": {"zh": "违规", "en": "FAIL"},
    "values": {"zh": "计算结果", "en": "Values"},
    "approvals": {"zh": "审批（按顺序）", "en": "Approvals, in order"},
    "satisfied": {"zh": "已满足", "en": "satisfied"},
    "by": {"zh": "审批人", "en": "by"},
    "unsatisfied": {"zh": "未满足", "en": "NOT satisfied"},
    "obligations": {"zh": "待履行事项", "en": "Open obligations"},
    "violations": {"zh": "违规", "en": "Violations"},
    "penalties": {"zh": "处罚", "en": "Penalties"},
    "none": {"zh": "无", "en": "none"},
    "applied": {"zh": "适用的规则", "en": "Rules that applied"},
    "not_applied": {"zh": "考虑过但不适用的规则", "en": "Rules considered that did not apply"},
    "other": {"zh": "未执行或被取代的规则", "en": "Rules overridden, skipped or not in force"},
    "because": {"zh": "事实", "en": "facts"},
    "sets": {"zh": "结论", "en": "sets"},
    "text": {"zh": "原文", "en": "text"},
    "gloss": {"zh": "释义", "en": "gloss"},
    "row": {"zh": "表中第 {n} 行", "en": "row {n} of the table"},
    "overridden": {
        "zh": "被 {rule} 取代（特别规定优先）",
        "en": "overridden by {rule} (the specific rule prevails)",
    },
    "not_in_force": {"zh": "该规则在事件日期不生效", "en": "not in force on the event's date"},
    "true": {"zh": "是", "en": "true"},
    "false": {"zh": "否", "en": "false"},
    "unknown": {"zh": "无法判断", "en": "cannot tell"},
    "warning_and_deduction": {"zh": "警告并扣发月薪", "en": "warning and a deduction of"},
    "dismissal": {"zh": "解聘", "en": "dismissal"},
    "months": {"zh": "{a}-{b} 倍月薪", "en": "{a}-{b} x monthly salary"},
    "amount": {"zh": " {low} 至 {high}（{months} {salary}）", "en": " {low} to {high} ({months} {salary})"},
    "salary_unknown": {"zh": "（月薪未知）", "en": " (monthly salary not known)"},
    "determination": {"zh": "（须经认定）", "en": " (subject to determination)"},
    # approval actions
    "review": {"zh": "审核", "en": "review"},
    "approve": {"zh": "批准", "en": "approve"},
    "sign": {"zh": "签字", "en": "sign"},
    "supervise": {"zh": "监交", "en": "supervise"},
    "permit": {"zh": "允许", "en": "permit"},
}

# The evaluator writes what a rule set in plain tokens; these read them in Chinese.
SET_WORDS_ZH = {
    "true": "是",
    "false": "否",
    "none": "无（不要求）",
    "met": "已履行",
    "open": "未履行",
    "yes": "是",
}


def _set_value(value: str, lang: Lang) -> str:
    if lang == "en":
        return "none (not required)" if value == "none" else value
    return SET_WORDS_ZH.get(value, value)


def _w(key: str, lang: Lang) -> str:
    return WORDS[key][lang]


@dataclass
class Entry:
    """One item of a section: a line, and the lines under it (facts, clause text)."""

    text: str
    details: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    entries: list[Entry]
    # A section of the decision says "none" when empty; a section of rules is then left out.
    always: bool = True


@dataclass
class Explanation:
    """What `explain` says, before it is laid out as text, Markdown or HTML (`engine/render.py`)."""

    heading: str
    sections: list[Section]


def lines(policy: CompiledPolicy, decision: Decision, trace: list[RuleTrace], lang: Lang = "en") -> list[str]:
    doc = explanation(policy, decision, trace, lang)
    out = [doc.heading, ""]
    for section in doc.sections:
        if not section.entries:
            out += [f"{section.title}: {_w('none', lang)}", ""] if section.always else []
            continue
        out.append(f"{section.title}:")
        for entry in section.entries:
            out += [f"  {entry.text}", *(f"    {d}" for d in entry.details)]
        out.append("")
    return out


def explanation(
    policy: CompiledPolicy, decision: Decision, trace: list[RuleTrace], lang: Lang = "en"
) -> Explanation:
    heading = (
        f"{_w('decision', lang)} {decision.event_id} ({decision.kind}) {_w('under', lang)} "
        f"{decision.policy.name} {decision.policy.version}: {_w('verdict', lang)} "
        f"{_w(decision.verdict, lang)}" + _judged_at(decision, lang)
    )
    out: list[Section] = []
    out.append(_values(policy, decision, lang))
    out.append(_approvals(policy, decision, lang))
    out.append(
        _listing(
            _w("obligations", lang),
            [
                f"{o.code}: {o.message if lang == 'zh' else o.message_en} [{o.cite.label}]"
                + _deadline(o, lang)
                for o in decision.obligations
            ],
            lang,
        )
    )
    out.append(
        _listing(
            _w("violations", lang),
            [
                f"{v.code}: {v.message if lang == 'zh' else v.message_en} [{v.cite.label}]"
                for v in decision.violations
            ],
            lang,
        )
    )
    out.append(_listing(_w("penalties", lang), [_penalty(p, lang) for p in decision.penalties], lang))
    out.append(_legal_notes(decision, lang))
    applied = [n for n in trace if n.status == "applied" and n.overridden_by is None]
    considered = [n for n in trace if n.status == "not_applied"]
    other = [n for n in trace if n not in applied and n not in considered]
    shown: set[int] = set()
    out.append(_rules(policy, _w("applied", lang), applied, lang, shown))
    out.append(_rules(policy, _w("not_applied", lang), considered, lang, None))
    out.append(_rules(policy, _w("other", lang), other, lang, None))
    return Explanation(heading, out)


def _judged_at(decision: Decision, lang: Lang) -> str:
    """The judgement time a decision was given (`as_of`), so a reader knows what "overdue" meant."""
    if decision.as_of is None:
        return ""
    when = decision.as_of.isoformat(sep=" ", timespec="minutes")
    return f"（评判时点：{when}）" if lang == "zh" else f" (judged as of {when})"


def _deadline(obligation: Obligation, lang: Lang) -> str:
    """An open obligation's deadline: the instant from which it is breached."""
    if obligation.deadline is None:
        return ""
    when = obligation.deadline.isoformat(sep=" ", timespec="minutes")
    return f"（期限：{when} 之前）" if lang == "zh" else f" (due before {when})"


def _values(policy: CompiledPolicy, decision: Decision, lang: Lang) -> Section:
    rows = []
    for name, value in decision.values.items():
        info = policy.values.get(name)
        label = getattr(info.label, lang) if info else name
        shown = _w("true", lang) if value is True else _w("false", lang) if value is False else value
        rows.append(f"{label} ({name}): {shown}")
    return _listing(_w("values", lang), rows, lang)


def _approvals(policy: CompiledPolicy, decision: Decision, lang: Lang) -> Section:
    rows = []
    for i, a in enumerate(decision.approvals, 1):
        role = getattr(policy.roles[a.role], lang) if a.role in policy.roles else a.role
        if a.satisfied:
            state = f"{_w('satisfied', lang)} ({_w('by', lang)} {a.by})"
        else:
            reason = getattr(a.note, lang) if a.note is not None else ""
            state = f"{_w('unsatisfied', lang)}: {reason}"
        action = _w(a.action, lang) if a.action in WORDS else a.action
        rows.append(f"{i}. {role} {action}: {state} [{a.cite.label}]")
    return _listing(_w("approvals", lang), rows, lang)


def _penalty(p: object, lang: Lang) -> str:
    from ..model.decision import Penalty

    assert isinstance(p, Penalty)
    text = f"{p.cite.label}: {_w(p.sanction, lang)}"
    if p.deduction_months is not None:
        low, high = p.deduction_months.min, p.deduction_months.max
        months = _w("months", lang).format(a=low, b=high)
        if p.deduction_amount is not None:
            # The amounts are salary x months exactly, so the salary is read back from them.
            salary = Decimal(p.deduction_amount.min) / Decimal(low)
            text += _w("amount", lang).format(
                low=f"{p.deduction_amount.min:.2f}",
                high=f"{p.deduction_amount.max:.2f}",
                months=months,
                salary=f"{salary:.2f}",
            )
        else:
            text += f" {months}{_w('salary_unknown', lang)}"
    if p.requires_determination:
        text += _w("determination", lang)
    return f"{text} — {p.for_}"


def _cap(p: Penalty, lang: Lang) -> str | None:
    """A deduction's monthly cap from a legal note (《工资支付暂行规定》第十六条), when one applies."""
    if p.deduction_cap_per_month is None or p.months_to_recover is None:
        return None
    low, high = p.months_to_recover.min, p.months_to_recover.max
    cap = f"{p.deduction_cap_per_month:.2f}"
    if lang == "zh":
        return f"{p.for_}：从工资中每月至多扣 {cap}，扣完需 {low}-{high} 个月"
    return f"{p.for_}: at most {cap} a month from pay, {low}-{high} months to recover"


def _legal_notes(decision: Decision, lang: Lang) -> Section:
    """Where national law meets the regulation on this event: notes, not changes of figures."""
    entries = []
    for note in decision.legal_notes:
        message = note.message if lang == "zh" else note.message_en
        figures = ", ".join(f"{name} = {value:.2f}" for name, value in note.figures.items())
        head = f"{note.cite.law}{note.cite.article}: {message}" + (f" ({figures})" if figures else "")
        details = []
        for law in (note.cite, *note.also):
            text = law.text if lang == "zh" else law.text_en
            details.append(f"{law.law}{law.article}: {text}")
        if note.deduction_cap is not None:
            details += [c for c in (_cap(p, lang) for p in decision.penalties) if c is not None]
        entries.append(Entry(head, details))
    title = (
        "法律提示（国家法律，不改变本制度的数字）"
        if lang == "zh"
        else "Legal notes (national law; the figures above stand)"
    )
    return Section(title, entries, always=False)


def _listing(title: str, rows: list[str], lang: Lang) -> Section:
    return Section(title, [Entry(r) for r in rows])


def _rules(
    policy: CompiledPolicy, title: str, nodes: list[RuleTrace], lang: Lang, shown: set[int] | None
) -> Section:
    """One entry per rule; with `shown`, each article's text the first time it is cited."""
    entries = []
    for node in nodes:
        heading = getattr(node.title, lang) if node.title is not None else ""
        out: list[str] = []
        if node.row is not None:
            out.append(_w("row", lang).format(n=node.row))
        facts = [_fact(f, lang) for f in node.facts]
        if facts:
            out.append(f"{_w('because', lang)}: " + "; ".join(facts))
        if node.sets:
            out.append(
                f"{_w('sets', lang)}: "
                + ", ".join(f"{k} = {_set_value(v, lang)}" for k, v in node.sets.items())
            )
        if node.overridden_by:
            out.append(_w("overridden", lang).format(rule=node.overridden_by))
        if node.status == "not_in_force":
            out.append(_w("not_in_force", lang))
        if node.detail is not None:
            out.append(getattr(node.detail, lang))
        if shown is not None and node.cite.article not in shown:
            shown.add(node.cite.article)
            out += _clause(policy, node.cite, lang)
        entries.append(Entry(f"{node.cite.label} {node.rule}" + (f" — {heading}" if heading else ""), out))
    return Section(title, entries, always=False)


def _fact(fact: Fact, lang: Lang) -> str:
    shown = [f"{label} = {value}" for label, value in fact.operands if label != fact.text]
    if fact.result is None and not shown:
        value = fact.operands[0][1] if fact.operands else ""
        return f"{fact.text} = {value}"
    result = _w("unknown", lang) if fact.result is None else _w("true" if fact.result else "false", lang)
    if fact.result is None:
        return ", ".join(shown) or fact.text
    where = f" ({', '.join(shown)})" if shown else ""
    return f"{fact.text}{where}: {result}"


def _clause(policy: CompiledPolicy, cite: Cite, lang: Lang) -> list[str]:
    article = policy.catalogue.article(cite.article)
    if article is None:
        return []
    out = [f"{_w('text', lang)}: {article.zh}"]
    if lang == "en":
        out.append(f"{_w('gloss', lang)}: {article.en}")
    return out
