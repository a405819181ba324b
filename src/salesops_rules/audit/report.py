"""The audit report: one document, rendered as Markdown, as a self-contained HTML page and as xlsx.

The document is built once from an AuditResult as a list of blocks (headings, paragraphs,
tables, bar charts, preformatted explanations); `markdown()`, `html()` and
`workbook.write_workbook()` only render it, so the three say the same things in the same
order. It leads with what an auditor looks for first:

1. every dismissal-grade breach (its sanction has a `dismissal` measure), by employee;
2. each employee's breaches with the sanction, the months and, where the salary is known,
   the amounts, and their sum;
3. breaches by the article breached and by month;
4. open obligations and pending approvals, apart;
5. the rules across events, the skipped records, and the explanations.

Its size is bounded whatever the ledger: counts per group, the first findings of each
group, and the full explanation of at most `AuditOptions.explained` events; every finding
is a row of findings.csv. Every word is in the report's language; names of the contract
are shown through the pack's labels (core/labels.py).
"""

from __future__ import annotations

import datetime as dt
import html as html_mod
import re
import shlex
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..core.compiled import Amounts, CompiledLedgerRule, CompiledPolicy, CountPlan
from ..core.labels import Labels, labels_of
from ..model.audit import CATEGORIES, DISMISSAL, NOBODY, AuditFinding
from ..model.money import percent
from .run import FINDINGS_FILE, SKIPPED_FILE, AuditResult


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class Code:
    text: str


Inline = str | Link | Code
# A table cell: text, or a typed value that a workbook keeps as a number or a date.
Cell = Inline | int | Decimal | dt.date | None


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str | None = None


@dataclass(frozen=True)
class Para:
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    sheet: str | None = None  # the workbook sheet that holds this table; None: not in the workbook
    totals: frozenset[int] = frozenset()  # rows that sum the ones above them, shown in bold


@dataclass(frozen=True)
class Chart:
    """A bar chart: one bar per group, in the order given."""

    title: str
    bars: list[tuple[str, int]]
    anchor: str
    sheet: str | None = None


@dataclass(frozen=True)
class Pre:
    lines: list[str]


Block = Heading | Para | Table | Chart | Pre

WORDS: dict[str, dict[str, str]] = {
    "title": {"en": "Audit of {name}", "zh": "账本审计：{name}"},
    "policy": {"en": "Policy", "zh": "政策"},
    "ledger": {"en": "Ledger", "zh": "账本"},
    "sheet": {"en": "sheet", "zh": "工作表"},
    "summary": {"en": "Summary", "zh": "概要"},
    "item": {"en": "item", "zh": "项目"},
    "value": {"en": "value", "zh": "数值"},
    "period": {"en": "Events dated", "zh": "事件日期"},
    "to": {"en": "to", "zh": "至"},
    "as_of": {"en": "Judged as of (deadlines compared with)", "zh": "评判时点（期限以此比较）"},
    "records": {"en": "Records read", "zh": "读取记录"},
    "audited": {"en": "Events audited", "zh": "已审计事件"},
    "skipped": {"en": "Records skipped", "zh": "跳过的记录"},
    "verdict_pass": {"en": "Decisions passed (each event alone)", "zh": "单项决定：通过"},
    "verdict_pending": {"en": "Decisions pending (each event alone)", "zh": "单项决定：待办"},
    "verdict_fail": {"en": "Decisions failed (each event alone)", "zh": "单项决定：违规"},
    "violation": {"en": "Breaches", "zh": "违规"},
    "a_violation": {"en": "breach", "zh": "违规"},
    "an_obligation": {"en": "open obligation", "zh": "待履行事项"},
    "an_approval": {"en": "pending approval", "zh": "未满足的审批"},
    "obligation": {"en": "Open obligations", "zh": "待履行事项"},
    "approval": {"en": "Pending approvals", "zh": "未满足的审批"},
    "dismissal_count": {"en": "Dismissal-grade breaches{articles}", "zh": "解聘级违规{articles}"},
    "amount_sum": {
        "en": "Deductions where the salary is known (yuan)",
        "zh": "扣发金额合计（月薪已知者，元）",
    },
    "files": {"en": "Every finding is a row of", "zh": "全部发现见"},
    "skipped_file": {"en": "every skipped record is in", "zh": "全部跳过记录见"},
    "dismissals": {"en": "Dismissal-grade breaches{articles}", "zh": "解聘级违规{articles}"},
    "dismissals_intro": {
        "en": "Breaches for which {articles} says the employee is to be dismissed, by employee.",
        "zh": "依{articles}应予解聘的违规，按员工列出。",
    },
    "dismissals_none": {
        "en": "The policy names no sanction with a dismissal, so no breach is listed here.",
        "zh": "本规定没有含解聘的处罚，此处不列违规。",
    },
    "by_employee": {"en": "Breaches and penalties by employee", "zh": "各员工的违规与处罚"},
    "by_employee_chart": {"en": "Breaches by employee", "zh": "违规次数（按员工）"},
    "by_article": {"en": "Breaches by article", "zh": "按违反的条款"},
    "by_article_chart": {"en": "Breaches by article", "zh": "违规次数（按条款）"},
    "by_month": {"en": "Findings by month", "zh": "按月份"},
    "by_month_chart": {"en": "Breaches by month", "zh": "违规次数（按月份）"},
    "obligations": {"en": "Open obligations", "zh": "待履行事项"},
    "approvals": {"en": "Pending approvals", "zh": "未满足的审批"},
    "across": {"en": "Rules across events", "zh": "跨事件规则"},
    "legal_notes": {
        "en": "Legal notes: national law beside the regulation",
        "zh": "法律提示：与本制度相关的国家法律",
    },
    "legal_notes_intro": {
        "en": "Notes, not findings: the company's figures, verdicts and sanctions above are unchanged.",
        "zh": "仅为提示，不是违规：以上数字、结论和处罚均未改变。",
    },
    "note": {"en": "note", "zh": "提示编号"},
    "law": {"en": "law", "zh": "法律条文"},
    "in_force": {"en": "in force", "zh": "施行期间"},
    "events": {"en": "events", "zh": "事件数"},
    "not_checked": {
        "en": "; NOT CHECKED: the ledger records no {kind}",
        "zh": "；未检查：账本中没有{kind}的记录",
    },
    "skipped_records": {"en": "Skipped records", "zh": "跳过的记录"},
    "explanations": {"en": "Explanations", "zh": "解释"},
    "none": {"en": "none", "zh": "无"},
    "no_findings": {"en": "None.", "zh": "无。"},
    "more": {"en": "{n} more in", "zh": "另有 {n} 条，见"},
    "more_where": {"en": "({what})", "zh": "（{what}）"},
    "explain_cmd": {"en": "explain any other with", "zh": "其余可用命令解释："},
    "explain": {"en": "explain", "zh": "解释"},
    "event_explained": {"en": "the event on {where}, explained", "zh": "{where}事件的解释"},
    "total": {"en": "total", "zh": "合计"},
    "employee": {"en": "employee", "zh": "员工"},
    "where": {"en": "where", "zh": "位置"},
    "event": {"en": "event", "zh": "事件"},
    "date": {"en": "date", "zh": "日期"},
    "month": {"en": "month", "zh": "月份"},
    "finding": {"en": "finding", "zh": "发现"},
    "breach": {"en": "breach", "zh": "违规"},
    "article": {"en": "article", "zh": "条款"},
    "clause": {"en": "clause", "zh": "条款项"},
    "message": {"en": "message", "zh": "说明"},
    "penalty": {"en": "penalty", "zh": "处罚"},
    "count": {"en": "count", "zh": "次数"},
    "months": {"en": "months' salary", "zh": "扣发月薪倍数"},
    "amount_min": {"en": "deduction from (yuan)", "zh": "扣发金额下限（元）"},
    "amount_max": {"en": "deduction to (yuan)", "zh": "扣发金额上限（元）"},
    "unpriced": {"en": "salary not known", "zh": "月薪未知次数"},
    "explanation": {"en": "explanation", "zh": "解释"},
    "kind": {"en": "kind", "zh": "事件类型"},
    "rule": {"en": "ledger rule", "zh": "跨事件规则"},
    "detail": {"en": "detail", "zh": "详情"},
    "category": {"en": "category", "zh": "类别"},
    "title_col": {"en": "title", "zh": "标题"},
    "groups": {"en": "groups and orders", "zh": "分组与排序"},
    "missing": {"en": "missing", "zh": "缺失"},
    "late": {"en": "late", "zh": "逾期"},
    "open": {"en": "open", "zh": "未到期"},
    "found": {"en": "found (counted)", "zh": "计数发现"},
    "problem": {"en": "problem", "zh": "问题"},
    "line": {"en": "line {n}", "zh": "第 {n} 行"},
    "row": {"en": "row {n}", "zh": "第 {n} 行"},
    "dismissal": {"en": "dismissal", "zh": "解聘"},
    "deduction": {"en": "{sanction} {m} months' salary", "zh": "{sanction} {m} 倍"},
    "yuan": {"en": " {a} to {b} yuan", "zh": " {a} 至 {b} 元"},
    "share": {"en": " {ratio} of {value}", "zh": " {value}的 {ratio}"},
    "one_of": {"en": "one of: ", "zh": "以下之一："},
    "amounts": {"en": "{a} to {b}", "zh": "{a} 至 {b}"},
    "determination": {"en": " (subject to determination)", "zh": "（须经认定）"},
    "facts": {"en": "facts", "zh": "事实"},
    "ledger_rule": {
        "en": "ledger rule {rule} ({file}:{line})",
        "zh": "跨事件规则 {rule}（{file} 第 {line} 行）",
    },
    "event_of": {
        "en": "event {id} ({kind}) of {date}, {employee}",
        "zh": "事件 {id}（{kind}），{date}，{employee}",
    },
    "text": {"en": "text", "zh": "原文"},
    "gloss": {"en": "gloss", "zh": "释义"},
    "all_findings": {"en": "Findings", "zh": "全部发现"},
    "cut": {
        "en": "the sheet holds the first {n} findings; every one is in",
        "zh": "本表只列出前 {n} 条发现；全部见",
    },
    # how a ledger rule groups and orders the ledger
    "expect": {
        "en": "one {kind} per {per} ({scope}{group}{recorded})",
        "zh": "每{per}一份{kind}（{scope}{group}{recorded}）",
    },
    "every_period": {"en": "every {per} of the ledger", "zh": "账本的每一{per}"},
    "periods_of": {"en": "{pers} of {kinds}", "zh": "有{kinds}的{pers}"},
    "if_recorded": {"en": ", if the ledger records any {kind}", "zh": "，仅当账本记有{kind}时"},
    # a period of a rule across events, one and several
    "per_week": {"en": "week", "zh": "周"},
    "per_month": {"en": "month", "zh": "月"},
    "per_quarter": {"en": "quarter", "zh": "季度"},
    "per_year": {"en": "year", "zh": "年"},
    "pers_week": {"en": "weeks", "zh": "周"},
    "pers_month": {"en": "months", "zh": "月份"},
    "pers_quarter": {"en": "quarters", "zh": "季度"},
    "pers_year": {"en": "years", "zh": "年份"},
    "per": {"en": ", per {fields}", "zh": "，按{fields}分别"},
    "follow": {
        "en": "each {first} followed by a {then} ({a} = {b}){within}",
        "zh": "每笔{first}之后须有{then}（{a}与{b}相同）{within}",
    },
    "within": {"en": " within {n} days", "zh": "，{n} 天内"},
    "counting": {
        "en": "each {kind}{when} counts{group}; found when {window} holds {threshold}{restart}",
        "zh": "计入{when}的{kind}{group}；{window}内{threshold}即为发现{restart}",
    },
    "count_when": {"en": " where {when}", "zh": "满足 {when} "},
    "count_days": {"en": "any {n} days", "zh": "任意 {n} 天"},
    "count_months": {"en": "any {n} months", "zh": "任意 {n} 个月"},
    "count_per": {"en": "a {per}", "zh": "一{per}"},
    "count_row": {"en": "each of {n} {pers} in a row", "zh": "连续 {n} 个{pers}的每一个"},
    "count_at_least": {"en": "at least {n}", "zh": "至少 {n} 件"},
    "count_at_most": {"en": "at most {n}", "zh": "至多 {n} 件"},
    "count_restart": {"en": "; counted anew after a finding", "zh": "；发现后重新计数"},
    "same_day": {"en": " the same day", "zh": "，当日"},
}

# The workbook's sheets (at most 31 characters each)
SHEETS: dict[str, dict[str, str]] = {
    "summary": {"en": "Summary", "zh": "概要"},
    "dismissals": {"en": "Dismissals", "zh": "解聘级违规"},
    "employee_chart": {"en": "Chart by employee", "zh": "图表（按员工）"},
    "penalties": {"en": "Penalties", "zh": "处罚"},
    "article_chart": {"en": "Chart by article", "zh": "图表（按条款）"},
    "articles": {"en": "By article", "zh": "按条款"},
    "month_chart": {"en": "Chart by month", "zh": "图表（按月份）"},
    "months": {"en": "By month", "zh": "按月份"},
    "obligations": {"en": "Obligations", "zh": "待履行事项"},
    "approvals": {"en": "Approvals", "zh": "未满足的审批"},
    "across": {"en": "Rules across events", "zh": "跨事件规则"},
    "legal_notes": {"en": "Legal notes", "zh": "法律提示"},
    "skipped": {"en": "Skipped", "zh": "跳过的记录"},
}


def sheet(key: str, lang: str) -> str:
    return SHEETS[key]["zh" if lang == "zh" else "en"]


def w(key: str, lang: str) -> str:
    return WORDS[key]["zh" if lang == "zh" else "en"]


def anchor_of(result: AuditResult, finding: AuditFinding) -> str | None:
    if finding.rule:
        return f"finding-{finding.seq}"
    if finding.position is not None and finding.position in result.explanations:
        return f"{result.unit}-{finding.position}"
    return None


def explain_command(result: AuditResult, position: int | str) -> str:
    sheet = f" --sheet {shlex.quote(result.sheet)}" if result.sheet else ""
    return f"salesops-rules audit {shlex.quote(result.ledger)}{sheet} --explain {position}"


def where(result: AuditResult, position: int | None, lang: str) -> str:
    """`第 24 行`, `line 24`, `row 5`; `—` for a finding about no single record."""
    if position is None:
        return NOBODY
    return w(result.unit if result.unit in ("line", "row") else "line", lang).format(n=position)


def penalty_text(finding: AuditFinding, lang: str, policy: CompiledPolicy | None = None) -> str:
    """A violation's sanction in the pack's words: 警告并扣发月薪 1-3 倍（3000.00 至 9000.00）, 解聘."""
    if not finding.sanction:
        return NOBODY
    rule = policy.penalties.get(finding.code) if policy is not None else None
    if rule is None or policy is None:
        text = finding.sanction + (f" {finding.months}" if finding.months else "")
    elif rule.alternatives:
        sep = "；" if lang == "zh" else "; "
        text = w("one_of", lang) + sep.join(_sanction_text(a, None, lang, policy) for a in rule.alternatives)
    else:
        own = Amounts(rule.sanction, rule.months, rule.fine, rule.bonus, rule.bonus_ratio, rule.bonus_of)
        text = _sanction_text(own, finding.months, lang, policy)
    if finding.amount_min:
        amounts = w("amounts", lang).format(a=finding.amount_min, b=finding.amount_max)
        text += f"（{amounts}）" if lang == "zh" else f" ({amounts})"
    if rule is not None and rule.requires_determination:
        text += w("determination", lang)
    return text


def _sanction_text(amounts: Amounts, months: str | None, lang: str, policy: CompiledPolicy) -> str:
    """One sanction in the pack's words (penalties.yaml `sanctions:`) with the amounts it sets."""
    form = policy.sanctions.get(amounts.sanction)
    name = getattr(form.words, "zh" if lang == "zh" else "en") if form is not None else amounts.sanction
    if amounts.months is not None:
        low, high = amounts.months
        text = w("deduction", lang).format(sanction=name, m=months or f"{low}-{high}")
    else:
        text = name
    for bounds in (amounts.fine, amounts.bonus):
        if bounds is not None:
            text += w("yuan", lang).format(a=f"{bounds[0]:.2f}", b=f"{bounds[1]:.2f}")
    if amounts.bonus_ratio is not None and amounts.bonus_of is not None:
        value = labels_of(policy).field(amounts.bonus_of, lang)
        text += w("share", lang).format(ratio=percent(amounts.bonus_ratio), value=value)
    return text


@dataclass
class Document:
    title: str
    lang: str = "en"
    blocks: list[Block] = field(default_factory=list)


def build(result: AuditResult, policy: CompiledPolicy, lang: str = "en") -> Document:
    lang = "zh" if lang == "zh" else "en"
    labels = labels_of(policy)
    doc = Document(w("title", lang).format(name=Path(result.ledger).name), lang)
    add = doc.blocks.append
    add(Heading(1, doc.title))
    sheet = f" ({w('sheet', lang)} {result.sheet})" if result.sheet else ""
    add(
        Para(
            (
                f"{w('policy', lang)}{_colon(lang)}",
                Code(f"{result.policy_name} {result.policy_version}"),
                f"{_stop(lang)}{'' if lang == 'zh' else ' '}{w('ledger', lang)}{_colon(lang)}",
                Code(result.ledger),
                f"{sheet}{_stop(lang)}",
            )
        )
    )
    _summary(doc, result, policy, lang)
    _dismissals(doc, result, policy, labels, lang)
    _employees(doc, result, policy, labels, lang)
    _articles(doc, result, policy, labels, lang)
    _months(doc, result, lang)
    _category(doc, result, policy, labels, lang, "obligation", "obligations")
    _category(doc, result, policy, labels, lang, "approval", "approvals")
    _across(doc, result, policy, labels, lang)
    _legal_notes(doc, result, policy, lang)
    _skipped(doc, result, lang)
    _explanations(doc, result, policy, labels, lang)
    return doc


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _stop(lang: str) -> str:
    return "。" if lang == "zh" else "."


def _grave_articles(policy: CompiledPolicy, lang: str) -> str:
    """The labels of the articles of the dismissal-grade penalties, in brackets, or nothing."""
    listed = "、".join(policy.grave_articles)
    if not listed:
        return ""
    return f"（{listed}）" if lang == "zh" else f" ({listed})"


def _summary(doc: Document, result: AuditResult, policy: CompiledPolicy, lang: str) -> None:
    add = doc.blocks.append
    totals = result.totals
    add(Heading(2, w("summary", lang), "summary"))
    rows: list[tuple[Cell, ...]] = []
    if totals.first_day is not None and totals.last_day is not None:
        rows.append((w("period", lang), f"{totals.first_day} {w('to', lang)} {totals.last_day}"))
    if result.as_of is not None:
        rows.append((w("as_of", lang), result.as_of.isoformat(sep=" ", timespec="minutes")))
    rows += [
        (w("records", lang), totals.records),
        (w("audited", lang), totals.audited),
        (w("skipped", lang), totals.skipped),
        *((w(f"verdict_{v}", lang), totals.verdicts.get(v, 0)) for v in ("pass", "pending", "fail")),
        *((w(c, lang), totals.findings(c)) for c in CATEGORIES),
        (
            w("dismissal_count", lang).format(articles=_grave_articles(policy, lang)),
            _dismissal_count(result, policy),
        ),
    ]
    low = sum(totals.amount_min.values(), Decimal(0))
    high = sum(totals.amount_max.values(), Decimal(0))
    rows.append((w("amount_sum", lang), w("amounts", lang).format(a=f"{low:.2f}", b=f"{high:.2f}")))
    add(Table((w("item", lang), w("value", lang)), rows, sheet("summary", lang)))
    add(
        Para(
            (
                f"{w('files', lang)} ",
                Link(FINDINGS_FILE, FINDINGS_FILE),
                f"{'；' if lang == 'zh' else '; '}{w('skipped_file', lang)} ",
                Link(SKIPPED_FILE, SKIPPED_FILE),
                _stop(lang),
            )
        )
    )


def _dismissal_count(result: AuditResult, policy: CompiledPolicy) -> int:
    grave = policy.grave_sanctions
    return sum(n for key, n in result.totals.penalties.items() if key[4] in grave)


def _finding_header(lang: str, with_employee: bool = True) -> tuple[str, ...]:
    head = [w("where", lang), w("event", lang), w("date", lang)]
    if with_employee:
        head.append(w("employee", lang))
    head += [
        w("finding", lang),
        w("article", lang),
        w("message", lang),
        w("penalty", lang),
        w("explanation", lang),
    ]
    return tuple(head)


def _finding_row(
    result: AuditResult, finding: AuditFinding, policy: CompiledPolicy, labels: Labels, lang: str
) -> tuple[Cell, ...]:
    anchor = anchor_of(result, finding)
    if anchor is not None:
        link: Inline = Link(w("explain", lang), f"#{anchor}")
    elif finding.position is not None:
        link = Code(explain_command(result, finding.position))
    else:
        link = NOBODY
    message = finding.message + (f" ({finding.detail})" if finding.detail and not finding.rule else "")
    message = labels.names_in(message, lang)
    day: Cell = _date(finding.date) if finding.date else finding.month or NOBODY
    return (
        where(result, finding.position, lang),
        finding.event_id or NOBODY,
        day,
        finding.employee,
        labels.code(finding.code, lang),
        finding.label,
        message,
        penalty_text(finding, lang, policy),
        link,
    )


def _date(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def _more(doc: Document, result: AuditResult, total: int, shown: int, what: str, lang: str) -> None:
    if total <= shown:
        return
    doc.blocks.append(
        Para(
            (
                w("more", lang).format(n=total - shown) + " ",
                Link(FINDINGS_FILE, FINDINGS_FILE),
                " " + w("more_where", lang).format(what=what) + f"{'；' if lang == 'zh' else '; '}"
                f"{w('explain_cmd', lang)} ",
                Code(explain_command(result, "N")),
                _stop(lang),
            )
        )
    )


def _dismissals(
    doc: Document, result: AuditResult, policy: CompiledPolicy, labels: Labels, lang: str
) -> None:
    add = doc.blocks.append
    add(Heading(2, w("dismissals", lang).format(articles=_grave_articles(policy, lang)), "dismissals"))
    articles = "、".join(policy.grave_articles)
    intro = w("dismissals_intro", lang).format(articles=articles) if articles else w("dismissals_none", lang)
    add(Para((intro,)))
    found = [f for (dim, _, _), kept in result.samples.items() if dim == DISMISSAL for f in kept]
    found.sort(key=lambda f: (f.employee == NOBODY, f.employee, f.seq))
    head = _finding_header(lang)
    if not found:
        add(Para((w("no_findings", lang),)))
        add(Table((head[3], *head[:3], *head[4:]), [], sheet("dismissals", lang)))
        return
    rows = [_finding_row(result, f, policy, labels, lang) for f in found]
    # The employee first: the table is read by person.
    rows = [(r[3], *r[:3], *r[4:]) for r in rows]
    add(Table((head[3], *head[:3], *head[4:]), rows, sheet("dismissals", lang)))
    _more(doc, result, _dismissal_count(result, policy), len(found), w("dismissal", lang), lang)


def _employees(doc: Document, result: AuditResult, policy: CompiledPolicy, labels: Labels, lang: str) -> None:
    add = doc.blocks.append
    totals = result.totals
    add(Heading(2, w("by_employee", lang), "by-employee"))
    by_person: dict[str, list[tuple[str, str, int, str, str, str]]] = {}
    for key in totals.penalties:
        by_person.setdefault(key[0], []).append(key)
    header = (
        w("employee", lang),
        w("breach", lang),
        w("article", lang),
        w("count", lang),
        w("penalty", lang),
        w("months", lang),
        w("amount_min", lang),
        w("amount_max", lang),
        w("unpriced", lang),
    )
    if not by_person:
        add(Para((w("no_findings", lang),)))
        add(Table(header, [], sheet("penalties", lang)))  # the workbook's penalties sheet, empty
        return

    grave = policy.grave_sanctions

    def weight(person: str) -> tuple[int, int, int, str]:
        keys = by_person[person]
        dismissals = sum(totals.penalties[k] for k in keys if k[4] in grave)
        breaches = sum(totals.penalties[k] for k in keys)
        return (person == NOBODY, -dismissals, -breaches, person)

    people = sorted(by_person, key=weight)
    add(
        Chart(
            w("by_employee_chart", lang),
            [(p, sum(totals.penalties[k] for k in by_person[p])) for p in people],
            "chart-employee",
            sheet("employee_chart", lang),
        )
    )
    rows: list[tuple[Cell, ...]] = []
    totals_at: set[int] = set()
    for person in people:
        keys = sorted(by_person[person], key=lambda k: (k[4] not in grave, k[2], k[3], k[1]))
        low_sum, high_sum, unpriced_sum, count_sum, priced_sum = Decimal(0), Decimal(0), 0, 0, 0
        for key in keys:
            _, code, _, label, sanction, months = key
            count = totals.penalties[key]
            priced = totals.priced.get(key, 0)
            low, high = totals.amount_min.get(key), totals.amount_max.get(key)
            sample = AuditFinding(
                0, None, "", "", "", "", person, "violation", code, 0, None, label, "", "", "",
                sanction, months,
            )  # fmt: skip
            rows.append(
                (
                    person,
                    labels.code(code, lang),
                    label,
                    count,
                    penalty_text(sample, lang, policy),
                    months or NOBODY,
                    _money(low) if priced else None,
                    _money(high) if priced else None,
                    count - priced if months else 0,
                )
            )
            low_sum += low or 0
            high_sum += high or 0
            unpriced_sum += count - priced if months else 0
            count_sum += count
            priced_sum += priced
        sums = (_money(low_sum), _money(high_sum)) if priced_sum else (None, None)
        totals_at.add(len(rows))
        rows.append((person, w("total", lang), "", count_sum, "", "", *sums, unpriced_sum))
    add(Table(header, rows, sheet("penalties", lang), frozenset(totals_at)))


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


def group_title(dimension: str, key: str, policy: CompiledPolicy, lang: str) -> str:
    if dimension != "article":
        return key
    number = int(key)
    article = policy.catalogue.article(number)
    label = policy.catalogue.label(number)
    if article is None:
        return label
    gloss = article.zh if lang == "zh" else article.en
    return f"{label} — {gloss if len(gloss) <= 60 else gloss[:58] + '…'}"


def group_order(dimension: str, key: str) -> tuple[int, str]:
    if dimension == "article":
        return (int(key), "")
    return (1 if key == NOBODY else 0, key)


def group_keys(result: AuditResult, dimension: str, category: str | None = None) -> list[str]:
    """The groups of one dimension with findings (of `category`): articles by number, the rest by name."""
    keys = {
        k for (d, k, c), n in result.totals.groups.items() if d == dimension and n and category in (None, c)
    }
    return sorted(keys, key=lambda k: group_order(dimension, k))


def _slug(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)


def _articles(doc: Document, result: AuditResult, policy: CompiledPolicy, labels: Labels, lang: str) -> None:
    add = doc.blocks.append
    add(Heading(2, w("by_article", lang), "by-article"))
    groups = result.totals.groups
    keys = group_keys(result, "article", "violation")
    if not keys:
        add(Para((w("no_findings", lang),)))
        return
    add(
        Chart(
            w("by_article_chart", lang),
            [(policy.catalogue.label(int(k)), groups[("article", k, "violation")]) for k in keys],
            "chart-article",
            sheet("article_chart", lang),
        )
    )
    add(
        Table(
            (w("article", lang), w("violation", lang)),
            [
                (
                    Link(group_title("article", k, policy, lang), f"#article-{k}"),
                    groups[("article", k, "violation")],
                )
                for k in keys
            ],
            sheet("articles", lang),
        )
    )
    samples = dict(result.sampled("article", "violation"))
    for key in keys:
        add(Heading(3, group_title("article", key, policy, lang), f"article-{_slug(key)}"))
        codes = sorted(
            (label, code, n)
            for (cat, code, art, label), n in result.totals.codes.items()
            if str(art) == key and cat == "violation"
        )
        add(
            Table(
                (w("breach", lang), w("clause", lang), w("count", lang)),
                [(labels.code(code, lang), label, n) for label, code, n in codes],
            )
        )
        found = samples.get(key, [])
        add(Table(_finding_header(lang), [_finding_row(result, f, policy, labels, lang) for f in found]))
        what = f"{w('violation', lang)}{_colon(lang)}{policy.catalogue.label(int(key))}"
        _more(doc, result, groups[("article", key, "violation")], len(found), what, lang)


def _months(doc: Document, result: AuditResult, lang: str) -> None:
    add = doc.blocks.append
    add(Heading(2, w("by_month", lang), "by-month"))
    groups = result.totals.groups
    keys = group_keys(result, "month")
    if not keys:
        add(Para((w("no_findings", lang),)))
        return
    add(
        Chart(
            w("by_month_chart", lang),
            [(k, groups.get(("month", k, "violation"), 0)) for k in keys],
            "chart-month",
            sheet("month_chart", lang),
        )
    )
    rows: list[tuple[Cell, ...]] = []
    for key in keys:
        per = [groups.get(("month", key, c), 0) for c in CATEGORIES]
        rows.append((key, *per, sum(per)))
    add(
        Table(
            (w("month", lang), *(w(c, lang) for c in CATEGORIES), w("total", lang)),
            rows,
            sheet("months", lang),
        )
    )


def _category(
    doc: Document,
    result: AuditResult,
    policy: CompiledPolicy,
    labels: Labels,
    lang: str,
    category: str,
    title: str,
) -> None:
    add = doc.blocks.append
    add(Heading(2, w(title, lang), title))
    keys = group_keys(result, "article", category)
    if not keys:
        add(Para((w("no_findings", lang),)))
        return
    codes = sorted(
        (art, label, code, n) for (cat, code, art, label), n in result.totals.codes.items() if cat == category
    )
    add(
        Table(
            (w("article", lang), w("finding", lang), w("count", lang)),
            [(label, labels.code(code, lang), n) for _, label, code, n in codes],
            sheet(title, lang),
        )
    )
    samples = dict(result.sampled("article", category))
    groups = result.totals.groups
    for key in keys:
        found = samples.get(key, [])
        add(Heading(3, group_title("article", key, policy, lang), f"{title}-{_slug(key)}"))
        add(Table(_finding_header(lang), [_finding_row(result, f, policy, labels, lang) for f in found]))
        what = f"{w(category, lang)}{_colon(lang)}{policy.catalogue.label(int(key))}"
        _more(doc, result, groups[("article", key, category)], len(found), what, lang)


def _legal_notes(doc: Document, result: AuditResult, policy: CompiledPolicy, lang: str) -> None:
    """The pack's notes of national law, with the number of audited events each was shown on."""
    if not policy.legal_notes:
        return
    add = doc.blocks.append
    add(Heading(2, w("legal_notes", lang), "legal-notes"))
    add(Para((w("legal_notes_intro", lang),)))
    rows: list[tuple[Cell, ...]] = []
    sep = "；" if lang == "zh" else "; "
    for note in policy.legal_notes:
        # A law is cited by its own Chinese name in either language, as the regulation's clauses are.
        law = sep.join(f"{c.law}{c.article}" for c in (note.cite, *note.also))
        start, end = note.effective_from, note.effective_to
        dates = f"{start.isoformat() if start else ''} – {end.isoformat() if end else ''}"
        message = note.note.zh if lang == "zh" else note.note.en
        rows.append((Code(note.id), law, dates, message, result.totals.notes.get(note.id, 0)))
    header = (w("note", lang), w("law", lang), w("in_force", lang), w("message", lang), w("events", lang))
    add(Table(header, rows, sheet("legal_notes", lang)))


def _across(doc: Document, result: AuditResult, policy: CompiledPolicy, labels: Labels, lang: str) -> None:
    add = doc.blocks.append
    add(Heading(2, w("across", lang), "rules-across-events"))
    rows: list[tuple[Cell, ...]] = []
    for rule in policy.ledger_rules:
        title = (rule.title.zh if lang == "zh" else rule.title.en) if rule.title else ""
        counts = [result.rule_counts.get((rule.id, s), 0) for s in ("missing", "late", "open", "found")]
        described = describe_rule(rule, labels, lang)
        if rule.id in result.unchecked:
            kind = rule.expect.expected.kind if rule.expect is not None else ""
            described += w("not_checked", lang).format(kind=labels.kind(kind, lang))
        rows.append((Code(rule.id), rule.cite.label, title, described, *counts))
    if not rows:
        add(Para((w("none", lang),)))
        return
    add(
        Table(
            (
                w("rule", lang),
                w("article", lang),
                w("title_col", lang),
                w("groups", lang),
                w("missing", lang),
                w("late", lang),
                w("open", lang),
                w("found", lang),
            ),
            rows,
            sheet("across", lang),
        )
    )


def describe_rule(rule: CompiledLedgerRule, labels: Labels, lang: str) -> str:
    """How a ledger rule groups and orders the ledger, in words."""
    sep = "、" if lang == "zh" else ", "
    if rule.expect is not None:
        plan = rule.expect
        scope = (
            w("every_period", lang).format(per=w(f"per_{plan.per}", lang))
            if plan.scope is None
            else w("periods_of", lang).format(
                pers=w(f"pers_{plan.per}", lang),
                kinds=sep.join(labels.kind(s.kind, lang) for s in plan.scope),
            )
        )
        group = (
            w("per", lang).format(fields=sep.join(labels.field(g, lang) for g in plan.group_by))
            if plan.group_by
            else ""
        )
        kind = labels.kind(plan.expected.kind, lang)
        recorded = w("if_recorded", lang).format(kind=kind) if plan.if_recorded else ""
        return w("expect", lang).format(
            kind=kind, per=w(f"per_{plan.per}", lang), scope=scope, group=group, recorded=recorded
        )
    if rule.count is not None:
        return _describe_count(rule.count, labels, lang, sep)
    plan_f = rule.follow_up
    assert plan_f is not None
    if plan_f.within_days is None:
        within = ""
    elif plan_f.within_days == 0:
        within = w("same_day", lang)
    else:
        within = w("within", lang).format(n=plan_f.within_days)
    return w("follow", lang).format(
        first=labels.kind(plan_f.source.kind, lang),
        then=labels.kind(plan_f.target.kind, lang),
        a=labels.field(plan_f.match_from, lang),
        b=labels.field(plan_f.match_to, lang),
        within=within,
    )


def _describe_count(plan: CountPlan, labels: Labels, lang: str, sep: str) -> str:
    if plan.per is None:
        days = plan.within_days is not None
        window = w("count_days" if days else "count_months", lang).format(
            n=plan.within_days if days else plan.within_months
        )
    elif plan.in_a_row > 1:
        window = w("count_row", lang).format(n=plan.in_a_row, pers=w(f"pers_{plan.per}", lang))
    else:
        window = w("count_per", lang).format(per=w(f"per_{plan.per}", lang))
    threshold = (
        w("count_at_least", lang).format(n=plan.at_least)
        if plan.at_least is not None
        else w("count_at_most", lang).format(n=plan.at_most)
    )
    when = plan.counted.when
    return w("counting", lang).format(
        kind=labels.kind(plan.counted.kind, lang),
        when=w("count_when", lang).format(when=when.source) if when is not None else "",
        group=w("per", lang).format(fields=sep.join(labels.field(g, lang) for g in plan.group_by))
        if plan.group_by
        else "",
        window=window,
        threshold=threshold,
        restart=w("count_restart", lang) if plan.restart else "",
    )


def _skipped(doc: Document, result: AuditResult, lang: str) -> None:
    add = doc.blocks.append
    add(Heading(2, w("skipped_records", lang), "skipped"))
    total = result.totals.skipped
    if not total:
        add(Para((w("none", lang),)))
        return
    add(
        Table(
            (w("where", lang), w("problem", lang)),
            [(where(result, s.position, lang), s.message) for s in result.skipped],
            sheet("skipped", lang),
        )
    )
    if total > len(result.skipped):
        add(
            Para(
                (
                    w("more", lang).format(n=total - len(result.skipped)) + " ",
                    Link(SKIPPED_FILE, SKIPPED_FILE),
                    _stop(lang),
                )
            )
        )


def _explanations(
    doc: Document, result: AuditResult, policy: CompiledPolicy, labels: Labels, lang: str
) -> None:
    add = doc.blocks.append
    add(Heading(2, w("explanations", lang), "explanations"))
    rules = {r.id: r for r in policy.ledger_rules}
    seen: set[int] = set()
    for _, found in sorted(result.samples.items()):
        for finding in found:
            if not finding.rule or finding.seq in seen:
                continue
            seen.add(finding.seq)
            rule = rules.get(finding.rule)
            heading = f"{finding.label} {labels.code(finding.code, lang)}{_colon(lang)}{finding.rule}"
            add(Heading(3, heading, f"finding-{finding.seq}"))
            add(Pre(_ledger_lines(finding, rule, policy, labels, result, lang)))
            if finding.position is not None and finding.position in result.explanations:
                place = where(result, finding.position, lang)
                add(
                    Para(
                        (
                            Link(
                                w("event_explained", lang).format(where=place),
                                f"#{result.unit}-{finding.position}",
                            ),
                        )
                    )
                )
    for position, lines in sorted(result.explanations.items()):
        add(Heading(3, where(result, position, lang), f"{result.unit}-{position}"))
        add(Pre(lines))


def pack_relative(file: str, root: str) -> str:
    """A rule file's path as the pack names it (`ledger.yaml`), never the install's absolute path."""
    try:
        return Path(file).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(file).name


def _ledger_lines(
    finding: AuditFinding,
    rule: CompiledLedgerRule | None,
    policy: CompiledPolicy,
    labels: Labels,
    result: AuditResult,
    lang: str,
) -> list[str]:
    category = {"violation": "a_violation", "obligation": "an_obligation"}.get(
        finding.category, "an_approval"
    )
    lines = [
        f"{w(category, lang)} {labels.code(finding.code, lang)} [{finding.label}]"
        f"{_colon(lang)}{finding.message}"
    ]
    penalty = penalty_text(finding, lang, policy)
    if penalty != NOBODY:
        lines.append(f"{w('penalty', lang)}{_colon(lang)}{penalty}")
    if finding.event_id:
        lines.append(
            w("event_of", lang).format(
                id=finding.event_id,
                kind=labels.kind(finding.kind, lang),
                date=finding.date,
                employee=finding.employee,
            )
        )
    lines.append(f"{w('facts', lang)}{_colon(lang)}{finding.detail}")
    if rule is not None:
        title = (rule.title.zh if lang == "zh" else rule.title.en) if rule.title else ""
        file = pack_relative(rule.file, result.policy_root or policy.root)
        lines.append(
            w("ledger_rule", lang).format(rule=rule.id, file=file, line=rule.line) + f"{_colon(lang)}{title}"
        )
        lines.append(f"  {describe_rule(rule, labels, lang)}")
        article = policy.catalogue.article(rule.cite.article)
        if article is not None:
            lines.append(f"  {rule.cite.label} {w('text', lang)}{_colon(lang)}{article.zh}")
            if lang != "zh":
                lines.append(f"  {w('gloss', lang)}{_colon(lang)}{article.en}")
    return lines


# ---- rendering: Markdown ----


def cell_text(cell: Cell) -> str:
    """A cell as text: dates in ISO form, money with two places, `—` for nothing."""
    if cell is None:
        return NOBODY
    if isinstance(cell, Decimal):
        return f"{cell:.2f}"
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, Link | Code):
        return cell.text
    return cell


def markdown(doc: Document) -> str:
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            anchor = f'<a id="{_slug(block.anchor)}"></a>' if block.anchor else ""
            out += [f"{'#' * block.level} {anchor}{_md_escape(_one_line(block.text))}", ""]
        elif isinstance(block, Para):
            out += ["".join(_md_inline(p) for p in block.parts), ""]
        elif isinstance(block, Table):
            if not block.rows:
                continue
            out.append("| " + " | ".join(_md_inline(h, cell=True) for h in block.header) + " |")
            out.append("|" + "---|" * len(block.header))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
        elif isinstance(block, Chart):
            out += _md_chart(block)
        else:
            out += _md_pre(block.lines)
    return "\n".join(out).rstrip() + "\n"


def _md_chart(chart: Chart) -> list[str]:
    """A chart in Markdown: one row per bar, its length drawn in block characters."""
    out = [f"**{_md_escape(chart.title)}**", "", "| | | |", "|---|---:|---|"]
    top = max((n for _, n in chart.bars), default=0) or 1
    for label, n in chart.bars:
        bar = "█" * max(1 if n else 0, round(24 * n / top))
        out.append(f"| {_md_inline(label, cell=True)} | {n} | {bar} |")
    return [*out, ""]


def _md_pre(lines: list[str]) -> list[str]:
    # Every line break an event's text may hold starts a line of its own, so the fence is
    # chosen against all of them: longer than any run of backticks in the block.
    text = [part for line in lines for part in _LINE_BREAKS.split(line)]
    longest = max((len(run) for line in text for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *text, fence, ""]


_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text)


def _md_cell(cell: Cell) -> str:
    if isinstance(cell, str | Link | Code):
        return _md_inline(cell, cell=True)
    return cell_text(cell)


def _md_inline(part: Inline, cell: bool = False) -> str:
    if isinstance(part, Link):
        text = f"[{_md_escape(_one_line(part.text))}]({part.href})"
    elif isinstance(part, Code):
        body = _one_line(part.text)
        longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
        ticks = "`" * (longest + 1)
        pad = " " if body.startswith("`") or body.endswith("`") or longest else ""
        text = f"{ticks}{pad}{body}{pad}{ticks}"
        if cell:
            text = text.replace("|", "\\|")
        return text
    else:
        text = _md_escape(_one_line(part))
    return text


# Every character CommonMark may read as markup or as the start of raw HTML or an entity.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&!])")


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


# ---- rendering: HTML ----

FONTS = (
    '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",'
    '"Hiragino Sans GB",system-ui,-apple-system,"Segoe UI",sans-serif'
)

STYLE = (
    """
body{font-family:FONTS;
margin:2rem auto;max-width:76rem;padding:0 1rem;color:#1b1f23;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.2rem}
h3{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem;display:block;overflow-x:auto}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;vertical-align:top;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.nw{white-space:nowrap}td:not(.n):not(.nw){min-width:9rem}
tr.total td{font-weight:600;background:#fafbfc}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem;border-radius:3px;font-size:.85em}
pre{background:#f6f8fa;padding:.8rem;overflow-x:auto;font-size:.85rem;white-space:pre-wrap;
font-family:ui-monospace,"Noto Sans Mono CJK SC",monospace}
a{color:#0969da}
figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}
svg.chart text{font-family:FONTS;font-size:12px;fill:#1b1f23}
svg.chart rect.bar{fill:#c62828}
#dismissals + p + table td{background:#fff4f4}
"""
).replace("FONTS", FONTS)

_BAR = 18  # px per bar
_LABEL_W = 190
_PLOT_W = 460


def _svg_chart(chart: Chart) -> str:
    """A horizontal bar chart as inline SVG: one `rect.bar` per group, its count beside it."""
    e = _esc
    top = max((n for _, n in chart.bars), default=0) or 1
    height = _BAR * len(chart.bars) + 8
    width = _LABEL_W + _PLOT_W + 60
    parts = [
        f'<svg class="chart" id="{e(chart.anchor)}" role="img" aria-label="{e(chart.title)}" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    for i, (label, n) in enumerate(chart.bars):
        y = 4 + i * _BAR
        length = max(1 if n else 0, round(_PLOT_W * n / top))
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(
            f'<text x="{_LABEL_W - 6}" y="{y + 13}" text-anchor="end">{e(short)}</text>'
            f'<rect class="bar" data-group="{e(label)}" data-count="{n}" x="{_LABEL_W}" y="{y + 2}" '
            f'width="{length}" height="{_BAR - 5}"><title>{e(label)}: {n}</title></rect>'
            f'<text x="{_LABEL_W + length + 5}" y="{y + 13}">{n}</text>'
        )
    parts.append("</svg>")
    return f"<figure><figcaption>{e(chart.title)}</figcaption>{''.join(parts)}</figure>"


def html(doc: Document) -> str:
    body: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            anchor = f' id="{_esc(_slug(block.anchor))}"' if block.anchor else ""
            body.append(f"<h{block.level}{anchor}>{_esc(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append("<p>" + "".join(_html_inline(p) for p in block.parts) + "</p>")
        elif isinstance(block, Table):
            if not block.rows:
                continue
            head = "".join(f"<th>{_esc(h)}</th>" for h in block.header)
            rows = "".join(
                ('<tr class="total">' if i in block.totals else "<tr>")
                + "".join(_html_cell(c) for c in row)
                + "</tr>"
                for i, row in enumerate(block.rows)
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(block, Chart):
            body.append(_svg_chart(block))
        else:
            body.append("<pre>" + _esc("\n".join(block.lines)) + "</pre>")
    lang = "zh-CN" if doc.lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(doc.title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _esc(text: str) -> str:
    return html_mod.escape(text, quote=True)


def _html_cell(cell: Cell) -> str:
    if isinstance(cell, str | Link | Code):
        short = len(cell if isinstance(cell, str) else cell.text) <= 16  # an id, a date, a place
        opening = '<td class="nw">' if short else "<td>"
        return f"{opening}{_html_inline(cell)}</td>"
    return f'<td class="n">{_esc(cell_text(cell))}</td>'


def _html_inline(part: Inline) -> str:
    if isinstance(part, Link):
        return f'<a href="{_esc(part.href)}">{_esc(part.text)}</a>'
    if isinstance(part, Code):
        return f"<code>{_esc(part.text)}</code>"
    return _esc(part)


def chart_counts(doc: Document) -> dict[str, Counter[str]]:
    """Each chart's bars as {anchor: {group: count}}, for tests and the workbook."""
    return {b.anchor: Counter(dict(b.bars)) for b in doc.blocks if isinstance(b, Chart)}
