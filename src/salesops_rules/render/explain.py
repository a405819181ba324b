"""Render a decision and its trace as lines an auditor reads, in Chinese or English.

Rendering is apart from printing: `lines()` returns strings, so tests read exactly what
`salesops-rules explain` shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from ..core.compiled import CompiledLedgerRule, CompiledPolicy
from ..core.labels import Labels, labels_of
from ..core.trace import RuleTrace
from ..model.citation import Cite
from ..model.decision import Alternative, Decision, LawCitation, Obligation, Penalty, ValueInForce
from ..model.money import percent
from .wording import Wording

if TYPE_CHECKING:  # the audit's findings: an `explain` of one event has none to import
    from ..model.audit import AuditFinding

Lang = Literal["zh", "en"]

WORDS: dict[str, dict[Lang, str]] = {
    "decision": {
        "zh": "事项 {id}（{kind}）依据 {policy} 的决定",
        "en": "Decision {id} ({kind}) under {policy}",
    },
    "verdict": {"zh": "结论", "en": "verdict"},
    "pass": {"zh": "通过", "en": "PASS"},
    "pending": {"zh": "待办", "en": "PENDING"},
    "fail": {"zh": "违规", "en": "FAIL"},
    "values": {"zh": "计算结果", "en": "Values"},
    "approvals": {"zh": "审批（按顺序）", "en": "Approvals, in order"},
    "satisfied": {"zh": "已满足（{by}）", "en": "satisfied (by {by})"},
    "unsatisfied": {"zh": "未满足", "en": "NOT satisfied"},
    "obligations": {"zh": "待履行事项", "en": "Open obligations"},
    "violations": {"zh": "违规", "en": "Violations"},
    "penalties": {"zh": "处罚", "en": "Penalties"},
    "none": {"zh": "无", "en": "none"},
    "applied": {"zh": "适用的规则", "en": "Rules that applied"},
    "not_applied": {"zh": "考虑过但不适用的规则", "en": "Rules considered that did not apply"},
    "other": {"zh": "未执行或被取代的规则", "en": "Rules overridden, skipped or not in force"},
    "because": {"zh": "事实", "en": "facts"},
    "failed": {"zh": "不适用，因为以下条件不成立", "en": "did not apply, because this does not hold"},
    "sets": {"zh": "结论", "en": "sets"},
    "text": {"zh": "原文", "en": "text"},
    "gloss": {"zh": "释义", "en": "gloss"},
    "row": {"zh": "表中第 {n} 行", "en": "row {n} of the table"},
    "overridden": {
        "zh": "被 {rule} 取代（特别规定优先）",
        "en": "overridden by {rule} (the specific rule prevails)",
    },
    "not_in_force": {"zh": "该规则在事件日期不生效", "en": "not in force on the event's date"},
    "one_of": {"zh": "以下之一：", "en": "one of: "},
    "yuan": {"zh": " {low} 至 {high} 元", "en": " {low} to {high} yuan"},
    "share": {"zh": " {value}的 {ratio}", "en": " {ratio} of {value}"},
    "equals": {"zh": "（{amount}）", "en": " ({amount})"},
    "share_unknown": {"zh": "金额未定", "en": "amount not determined"},
    "since": {"zh": "（{since} 起适用的值）", "en": " (the value in force from {since})"},
    "span": {"zh": "（{since} 至 {until} 适用的值）", "en": " (the value in force from {since} to {until})"},
    "dated": {"zh": "分期规定的值：{values}", "en": "dated values taken: {values}"},
    "dated_cell": {"zh": "第 {row} 行对{name}的条件", "en": "row {row}'s condition on {name}"},
    "cell_since": {"zh": "（{since} 起适用）", "en": " (in force from {since})"},
    "cell_span": {"zh": "（{since} 至 {until} 适用）", "en": " (in force from {since} to {until})"},
    "months": {"zh": "{a}-{b} 倍月薪", "en": "{a}-{b} x monthly salary"},
    "amount": {"zh": " {low} 至 {high}（{months} {salary}）", "en": " {low} to {high} ({months} {salary})"},
    "salary_unknown": {"zh": "（月薪未知）", "en": " (monthly salary not known)"},
    "determination": {"zh": "（须经认定）", "en": " (subject to determination)"},
    "obligation_set": {"zh": "待履行事项「{code}」", "en": 'obligation "{code}"'},
    "violation_set": {"zh": "违规「{code}」", "en": 'violation "{code}"'},
    "met": {"zh": "已履行", "en": "met"},
    "open": {"zh": "未履行", "en": "open"},
    "not_required": {"zh": "无（不要求）", "en": "none (not required)"},
    "judged_at": {"zh": "（评判时点：{when}）", "en": " (judged as of {when})"},
    "deadline": {"zh": "（期限：{when} 之前）", "en": " (due before {when})"},
    "legal_notes": {
        "zh": "法律提示（国家法律，不改变本制度的数字）",
        "en": "Legal notes (national law; the figures above stand)",
    },
    "figure": {"zh": "{name}：{value}", "en": "{name} = {value}"},
    "figures": {"zh": "（{figures}）", "en": " ({figures})"},
    "cap": {
        "zh": "{code}：从工资中每月至多扣 {cap}，扣完需 {low}-{high} 个月",
        "en": "{code}: at most {cap} a month from pay, {low}-{high} months to recover",
    },
    "ledger": {"zh": "由跨事件规则判定", "en": "Decided by rules across events"},
    "alone": {
        "zh": "（仅凭本事项；其中部分由整个账本判定，见下）",
        "en": " (this event alone; the whole ledger decides part of it, see below)",
    },
    "ledger_rule": {
        "zh": "{codes}：由跨事件规则 {rule}「{title}」（{cite}）依据整个账本判定",
        "en": '{codes}: decided by the rule across events {rule} "{title}" ({cite}) from the whole ledger',
    },
    "ledger_settled": {
        "zh": "账本中有相应的{kind}，已按时办理：本事项不因此违规或待办",
        "en": "the ledger holds the matching {kind} in time: nothing is found against this event for it",
    },
    "ledger_found": {"zh": "账本发现：{what}（{detail}）", "en": "the ledger shows: {what} ({detail})"},
    "ledger_unknown": {
        "zh": "仅凭本事项无法判定，须审计整个账本",
        "en": "this event alone cannot tell; audit the whole ledger",
    },
}


def _w(key: str, lang: Lang) -> str:
    return WORDS[key][lang]


@dataclass(frozen=True)
class LedgerNote:
    """A rule across events that decides some of an event's own findings (its `replaces`).

    `found` is what that rule found for the event in an audit (empty: the ledger settled
    it), or None when only the event is known (`audit --explain N` alone).
    """

    rule: CompiledLedgerRule
    codes: tuple[str, ...]
    found: list[AuditFinding] | None


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
    """What `explain` says, before it is laid out as text, Markdown or HTML (`render/formats.py`)."""

    heading: str
    sections: list[Section]
    verdict: str = ""  # the verdict shown (after a ledger rule settled what it decides)


def lines(
    policy: CompiledPolicy,
    decision: Decision,
    trace: list[RuleTrace],
    lang: Lang = "en",
    ledger: Sequence[LedgerNote] = (),
) -> list[str]:
    doc = explanation(policy, decision, trace, lang, ledger)
    out = [doc.heading, ""]
    for section in doc.sections:
        if not section.entries:
            out += [f"{section.title}{_colon(lang)}{_w('none', lang)}", ""] if section.always else []
            continue
        out.append(f"{section.title}{_colon(lang)}".rstrip())
        for entry in section.entries:
            out += [f"  {entry.text}", *(f"    {d}" for d in entry.details)]
        out.append("")
    return out


def _colon(lang: Lang) -> str:
    return "：" if lang == "zh" else ": "


def settled(decision: Decision, notes: Sequence[LedgerNote]) -> Decision:
    """The decision as the ledger rules settle it, its verdict drawn again.

    Of the codes a ledger rule decides instead of the event alone, those it found stay (it
    found them too), the others go: the ledger settled them. Approval steps it decides go
    either way: what it found is said in its own section.
    """
    codes = {c for n in notes if n.found is not None for c in n.codes}
    if not codes:
        return decision
    found = [f for n in notes for f in n.found or ()]
    kept = {f.code for f in found}
    gone = codes - kept
    violations = [v for v in decision.violations if v.code not in gone]
    obligations = [o for o in decision.obligations if o.code not in gone]
    approvals = [a for a in decision.approvals if f"{a.role}.{a.action}" not in codes]
    penalties = [p for p in decision.penalties if p.for_ not in gone]
    categories = {f.category for f in found}
    verdict = (
        "fail"
        if violations or "violation" in categories
        else "pending"
        if obligations or categories or not all(a.satisfied for a in approvals)
        else "pass"
    )
    return decision.model_copy(
        update={
            "violations": violations,
            "obligations": obligations,
            "approvals": approvals,
            "penalties": penalties,
            "verdict": verdict,
        }
    )


def explanation(
    policy: CompiledPolicy,
    decision: Decision,
    trace: list[RuleTrace],
    lang: Lang = "en",
    ledger: Sequence[LedgerNote] = (),
) -> Explanation:
    labels = labels_of(policy)
    words = Wording(labels, lang)
    decision = settled(decision, ledger)
    name = f"{decision.policy.name} {decision.policy.version}"
    heading = (
        _w("decision", lang).format(id=decision.event_id, kind=labels.kind(decision.kind, lang), policy=name)
        + f"{_colon(lang)}{_w('verdict', lang)} {_w(decision.verdict, lang)}"
        + _judged_at(decision, lang)
    )
    if any(note.found is None for note in ledger):
        heading += _w("alone", lang)
    out: list[Section] = []
    out.append(_values(policy, decision, lang, words))
    out.append(_approvals(policy, decision, lang))
    out.append(
        _listing(
            _w("obligations", lang),
            [
                f"{labels.code(o.code, lang)}{_colon(lang)}"
                f"{labels.names_in(o.message if lang == 'zh' else o.message_en, lang)} "
                f"[{o.cite.label}]" + _deadline(o, lang)
                for o in decision.obligations
            ],
        )
    )
    out.append(
        _listing(
            _w("violations", lang),
            [
                f"{labels.code(v.code, lang)}{_colon(lang)}{v.message if lang == 'zh' else v.message_en} "
                f"[{v.cite.label}]"
                for v in decision.violations
            ],
        )
    )
    out.append(
        _listing(_w("penalties", lang), [_penalty(p, lang, labels, policy) for p in decision.penalties])
    )
    out.append(_legal_notes(decision, lang, labels))
    if ledger:
        out.append(_ledger(ledger, lang, labels))
    applied = [n for n in trace if n.status == "applied" and n.overridden_by is None]
    considered = [n for n in trace if n.status == "not_applied"]
    other = [n for n in trace if n not in applied and n not in considered]
    shown: set[tuple[int, int | None]] = set()
    out.append(_rules(policy, _w("applied", lang), applied, lang, shown, words))
    out.append(_rules(policy, _w("not_applied", lang), considered, lang, None, words))
    out.append(_rules(policy, _w("other", lang), other, lang, None, words))
    return Explanation(heading, out, decision.verdict)


def _judged_at(decision: Decision, lang: Lang) -> str:
    """The judgement time a decision was given (`as_of`), so a reader knows what "overdue" meant."""
    if decision.as_of is None:
        return ""
    return _w("judged_at", lang).format(when=decision.as_of.isoformat(sep=" ", timespec="minutes"))


def _deadline(obligation: Obligation, lang: Lang) -> str:
    """An open obligation's deadline: the instant from which it is breached."""
    if obligation.deadline is None:
        return ""
    return _w("deadline", lang).format(when=obligation.deadline.isoformat(sep=" ", timespec="minutes"))


def _in_force(entry: ValueInForce, lang: Lang) -> str:
    """The days a dated value taken is in force: `(the value in force from 2012-07-01)`."""
    cell = entry.row is not None  # a row's condition, not a value
    if entry.until is None:
        return _w("cell_since" if cell else "since", lang).format(since=entry.since.isoformat())
    key = "cell_span" if cell else "span"
    return _w(key, lang).format(since=entry.since.isoformat(), until=entry.until.isoformat())


def _values(policy: CompiledPolicy, decision: Decision, lang: Lang, words: Wording) -> Section:
    rows = []
    dated: dict[str, list[ValueInForce]] = {}
    for entry in decision.values_in_force:
        if entry.row is None:  # a row's dated condition is said under its rule
            dated.setdefault(entry.name, []).append(entry)
    for name, value in decision.values.items():
        info = policy.values.get(name)
        label = getattr(info.label, lang) if info else name
        shown = (
            words.w("yes")
            if value is True
            else words.w("no")
            if value is False
            else words.value(str(value), name)
        )
        # Rules that agree on a value may each have taken a dated one: each is said, once.
        spans = dict.fromkeys(_in_force(e, lang) for e in dated.get(name, ()))
        rows.append(f"{label}{_colon(lang)}{shown}" + "".join(spans))
    return _listing(_w("values", lang), rows)


def _approvals(policy: CompiledPolicy, decision: Decision, lang: Lang) -> Section:
    labels = labels_of(policy)
    rows = []
    for i, a in enumerate(decision.approvals, 1):
        step = labels.step(a.role, a.action, lang)
        if a.satisfied:
            state = _w("satisfied", lang).format(by=a.by)
        else:
            reason = labels.names_in(getattr(a.note, lang), lang) if a.note is not None else ""
            state = f"{_w('unsatisfied', lang)}" + (f"{_colon(lang)}{reason}" if reason else "")
        rows.append(f"{i}. {step}{_colon(lang)}{state} [{a.cite.label}]")
    return _listing(_w("approvals", lang), rows)


def _penalty(p: Penalty, lang: Lang, labels: Labels, policy: CompiledPolicy) -> str:
    if p.alternatives:
        sep = "；" if lang == "zh" else "; "
        choices = sep.join(_sanction(a, lang, policy) for a in p.alternatives)
        text = f"{p.cite.label}{_colon(lang)}{_w('one_of', lang)}{choices}"
    else:
        text = f"{p.cite.label}{_colon(lang)}{_sanction(p, lang, policy)}"
    if p.requires_determination:
        text += _w("determination", lang)
    return f"{text} — {labels.code(p.for_, lang)}"


def _sanction(p: Penalty | Alternative, lang: Lang, policy: CompiledPolicy) -> str:
    """A sanction in the pack's words (penalties.yaml `sanctions:`), with its amounts."""
    form = policy.sanctions.get(p.sanction)
    text = getattr(form.words, lang) if form is not None else p.sanction
    if p.deduction_months is not None:
        low, high = p.deduction_months.min, p.deduction_months.max
        months = _w("months", lang).format(a=low, b=high)
        amount = p.deduction_amount
        if amount is not None and high:
            # The amounts are salary x months exactly, so the salary is read back from them.
            salary = Decimal(amount.max) / Decimal(high)
            text += _w("amount", lang).format(
                low=f"{amount.min:.2f}", high=f"{amount.max:.2f}", months=months, salary=f"{salary:.2f}"
            )
        else:
            text += f" {months}" + ("" if amount is not None else _w("salary_unknown", lang))
    if p.fine_yuan is not None:
        text += _w("yuan", lang).format(low=f"{p.fine_yuan.min:.2f}", high=f"{p.fine_yuan.max:.2f}")
    if p.bonus_yuan is not None:
        text += _w("yuan", lang).format(low=f"{p.bonus_yuan.min:.2f}", high=f"{p.bonus_yuan.max:.2f}")
    if p.bonus_ratio is not None and p.bonus_of is not None:
        value = labels_of(policy).field(p.bonus_of, lang)
        share = _w("share", lang).format(ratio=percent(p.bonus_ratio), value=value)
        known = f"{p.bonus_amount:.2f}" if p.bonus_amount is not None else _w("share_unknown", lang)
        text += f"{share}{_w('equals', lang).format(amount=known)}"
    return text


def _cap(p: Penalty, lang: Lang, labels: Labels) -> str | None:
    """A deduction's monthly cap from a legal note (national wage rules), when one applies."""
    if p.deduction_cap_per_month is None or p.months_to_recover is None:
        return None
    return _w("cap", lang).format(
        code=labels.code(p.for_, lang),
        cap=f"{p.deduction_cap_per_month:.2f}",
        low=p.months_to_recover.min,
        high=p.months_to_recover.max,
    )


def _law(law: LawCitation) -> str:
    # A law is cited by its own Chinese name in either language, as the regulation's clauses are.
    return f"{law.law}{law.article}"


def _legal_notes(decision: Decision, lang: Lang, labels: Labels) -> Section:
    """Where national law meets the regulation on this event: notes, not changes of figures."""
    entries = []
    sep = "、" if lang == "zh" else ", "
    for note in decision.legal_notes:
        message = note.message if lang == "zh" else note.message_en
        figures = sep.join(
            _w("figure", lang).format(name=labels.field(name, lang), value=f"{value:.2f}")
            for name, value in note.figures.items()
        )
        head = f"{_law(note.cite)}{_colon(lang)}{message}" + (
            _w("figures", lang).format(figures=figures) if figures else ""
        )
        details = [
            f"{_law(law)}{_colon(lang)}{law.text if lang == 'zh' else law.text_en}"
            for law in (note.cite, *note.also)
        ]
        if note.deduction_cap is not None:
            details += [c for c in (_cap(p, lang, labels) for p in decision.penalties) if c is not None]
        entries.append(Entry(head, details))
    return Section(_w("legal_notes", lang), entries, always=False)


def _ledger(notes: Sequence[LedgerNote], lang: Lang, labels: Labels) -> Section:
    entries = []
    sep = "、" if lang == "zh" else ", "
    for note in notes:
        rule = note.rule
        title = (rule.title.zh if lang == "zh" else rule.title.en) if rule.title else ""
        text = _w("ledger_rule", lang).format(
            codes=sep.join(labels.code(c, lang) for c in note.codes),
            rule=rule.id,
            title=title,
            cite=rule.cite.label,
        )
        if note.found is None:
            details = [_w("ledger_unknown", lang)]
        elif not note.found:
            target = rule.follow_up.target.kind if rule.follow_up is not None else ""
            details = [_w("ledger_settled", lang).format(kind=labels.kind(target, lang))]
        else:
            details = [
                _w("ledger_found", lang).format(
                    what=f"{labels.code(f.code, lang)}{_colon(lang)}{f.message}", detail=f.detail
                )
                for f in note.found
            ]
        entries.append(Entry(text, details))
    return Section(_w("ledger", lang), entries)


def _listing(title: str, rows: list[str]) -> Section:
    return Section(title, [Entry(r) for r in rows])


def _rules(
    policy: CompiledPolicy,
    title: str,
    nodes: list[RuleTrace],
    lang: Lang,
    shown: set[tuple[int, int | None]] | None,
    words: Wording,
) -> Section:
    """One entry per rule; with `shown`, each clause's text the first time it is cited."""
    labels = words.labels
    whens = _whens(policy)
    entries = []
    for node in nodes:
        heading = getattr(node.title, lang) if node.title is not None else ""
        out: list[str] = []
        if node.row is not None:
            out.append(_w("row", lang).format(n=node.row))
        when = whens.get(node.rule)
        failed = words.failed(when, node.facts) if node.status == "not_applied" and when else []
        if failed:
            out.append(f"{_w('failed', lang)}{_colon(lang)}" + words.w("list_sep").join(failed))
        facts = [words.fact(f) for f in node.facts]
        if facts:
            out.append(f"{_w('because', lang)}{_colon(lang)}" + words.w("list_sep").join(facts))
        if node.sets:
            out.append(
                f"{_w('sets', lang)}{_colon(lang)}"
                + words.w("list_sep").join(_set(k, v, lang, words, labels) for k, v in node.sets.items())
            )
        if node.dated:
            taken = words.w("list_sep").join(
                (
                    labels.field(entry.name, lang)
                    if entry.row is None
                    else _w("dated_cell", lang).format(row=entry.row, name=labels.field(entry.name, lang))
                )
                + _in_force(entry, lang)
                for entry in node.dated.values()
            )
            out.append(_w("dated", lang).format(values=taken))
        if node.overridden_by:
            out.append(_w("overridden", lang).format(rule=node.overridden_by))
        if node.status == "not_in_force":
            out.append(_w("not_in_force", lang))
        if node.detail is not None:
            out.append(labels.names_in(getattr(node.detail, lang), lang))
        if shown is not None and (node.cite.article, node.cite.item) not in shown:
            shown.add((node.cite.article, node.cite.item))
            out += _clause(policy, node.cite, lang)
        entries.append(Entry(f"{node.cite.label} {node.rule}" + (f" — {heading}" if heading else ""), out))
    return Section(title, entries, always=False)


def _whens(policy: CompiledPolicy) -> dict[str, str]:
    return {r.id: r.when.source for r in policy.rules if r.when is not None}


_OVERRIDDEN = re.compile(r" \(overridden by [^)]*\)$")


def _set(name: str, value: str, lang: Lang, words: Wording, labels: Labels) -> str:
    """What a rule set, as the evaluator noted it (`a_value = 0.20`, `obligation x = open`)."""
    value = _OVERRIDDEN.sub("", value)  # the override is said on a line of its own
    kind, _, code = name.partition(" ")
    if kind == "obligation" and code:
        state = _w("met" if value == "met" else "open", lang)
        return f"{_w('obligation_set', lang).format(code=labels.code(code, lang))}{_colon(lang)}{state}"
    if kind == "violation" and code:
        return _w("violation_set", lang).format(code=labels.code(code, lang))
    shown = _w("not_required", lang) if value == "none" else words.value(value, name)
    return f"{labels.field(name, lang)} = {shown}"


def _clause(policy: CompiledPolicy, cite: Cite, lang: Lang) -> list[str]:
    article = policy.catalogue.article(cite.article)
    if article is None:
        return []
    zh, en = article.zh, article.en
    item = article.item_of(cite.item) if cite.item is not None else None
    if item is not None:
        # A rule resting on an item shows the item, after its article's words (as a citation does).
        zh, en = f"{article.zh}{item.label}{item.zh}", f"{article.en} ({item.item}) {item.en}"
    out = [f"{_w('text', lang)}{_colon(lang)}{zh}"]
    if lang == "en":
        out.append(f"{_w('gloss', lang)}{_colon(lang)}{en}")
    return out
