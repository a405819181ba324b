"""The audit report: one document, rendered as Markdown and as a self-contained HTML page.

The document is built once from an AuditResult as a list of blocks (headings, paragraphs,
tables, preformatted explanations); `markdown()` and `html()` only render it. Its size is
bounded whatever the ledger: counts per group, the first findings of each group, and the
full explanation of at most `AuditOptions.explained` events; every other finding is a row
of findings.csv, and the command that explains it is printed beside it.
"""

from __future__ import annotations

import html as html_mod
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.compiled import CompiledLedgerRule, CompiledPolicy
from ..model.audit import CATEGORIES, NOBODY, AuditFinding
from ..model.citation import cite_label
from .run import FINDINGS_FILE, SKIPPED_FILE, AuditResult


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class Code:
    text: str


Inline = str | Link | Code


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
    rows: list[tuple[Inline, ...]]


@dataclass(frozen=True)
class Pre:
    lines: list[str]


Block = Heading | Para | Table | Pre

WORDS = {
    "title": {"en": "Audit of", "zh": "账本审计："},
    "policy": {"en": "Policy", "zh": "政策"},
    "ledger": {"en": "Ledger", "zh": "账本"},
    "period": {"en": "Events dated", "zh": "事件日期"},
    "as_of": {"en": "Judged as of (deadlines compared with)", "zh": "评判时点（期限以此比较）"},
    "records": {"en": "Records read", "zh": "读取记录"},
    "audited": {"en": "audited", "zh": "已审计"},
    "skipped": {"en": "skipped", "zh": "跳过"},
    "verdicts": {"en": "Decisions (each event alone)", "zh": "单项决定"},
    "findings": {"en": "Findings", "zh": "发现"},
    "violation": {"en": "violations", "zh": "违规"},
    "obligation": {"en": "open obligations", "zh": "待履行事项"},
    "approval": {"en": "unsatisfied approvals", "zh": "未满足的审批"},
    "total": {"en": "total", "zh": "合计"},
    "files": {"en": "Every finding is a row of", "zh": "全部发现见"},
    "skipped_file": {"en": "every skipped record is in", "zh": "全部跳过记录见"},
    "by_article": {"en": "Findings by article", "zh": "按条款"},
    "by_employee": {"en": "Findings by employee", "zh": "按员工"},
    "by_month": {"en": "Findings by month", "zh": "按月份"},
    "across": {"en": "Rules across events", "zh": "跨事件规则"},
    "legal_notes": {
        "en": "Legal notes: national law beside the regulation",
        "zh": "法律提示：与本制度相关的国家法律",
    },
    "legal_notes_intro": {
        "en": "Notes, not findings: the company's figures, verdicts and sanctions above are unchanged.",
        "zh": "仅为提示，不是违规：以上数字、结论和处罚均未改变。",
    },
    "skipped_records": {"en": "Skipped records", "zh": "跳过的记录"},
    "explanations": {"en": "Explanations", "zh": "解释"},
    "more": {"en": "more in", "zh": "条，见"},
    "explain_cmd": {"en": "explain any other with", "zh": "其余可用命令解释："},
    "none": {"en": "none", "zh": "无"},
    "shown": {"en": "first {n} shown", "zh": "显示前 {n} 条"},
    "no_findings": {"en": "No findings.", "zh": "没有发现。"},
}

COLUMNS = {
    "en": ("where", "event", "date", "employee", "finding", "article", "message", "explanation"),
    "zh": ("位置", "事件", "日期", "员工", "发现", "条款", "说明", "解释"),
}


def _w(key: str, lang: str) -> str:
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


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)


def build(result: AuditResult, policy: CompiledPolicy, lang: str = "en") -> Document:
    doc = Document(f"{_w('title', lang)} {Path(result.ledger).name}")
    add = doc.blocks.append
    add(Heading(1, doc.title))
    totals = result.totals
    add(
        Para(
            (
                f"{_w('policy', lang)}: ",
                Code(f"{result.policy_name} {result.policy_version}"),
                f". {_w('ledger', lang)}: ",
                Code(result.ledger + (f" (sheet {result.sheet})" if result.sheet else "")),
                f" ({result.ledger_format}).",
            )
        )
    )
    if totals.first_day is not None:
        add(Para((f"{_w('period', lang)}: {totals.first_day} – {totals.last_day}.",)))
    if result.as_of is not None:
        add(Para((f"{_w('as_of', lang)}: {result.as_of.isoformat(sep=' ', timespec='minutes')}.",)))
    add(
        Para(
            (
                f"{_w('records', lang)}: {totals.records}; {_w('audited', lang)}: {totals.audited}; "
                f"{_w('skipped', lang)}: {totals.skipped}.",
            )
        )
    )
    verdicts = ", ".join(f"{v} {totals.verdicts.get(v, 0)}" for v in ("pass", "pending", "fail"))
    add(Para((f"{_w('verdicts', lang)}: {verdicts}.",)))
    counts = ", ".join(f"{_w(c, lang)} {totals.findings(c)}" for c in CATEGORIES)
    add(Para((f"{_w('findings', lang)}: {totals.findings()} ({counts}).",)))
    add(
        Para(
            (
                f"{_w('files', lang)} ",
                Link(FINDINGS_FILE, FINDINGS_FILE),
                f"; {_w('skipped_file', lang)} ",
                Link(SKIPPED_FILE, SKIPPED_FILE),
                ".",
            )
        )
    )
    _groups(doc, result, policy, "article", lang)
    _groups(doc, result, policy, "employee", lang)
    _groups(doc, result, policy, "month", lang)
    _across(doc, result, policy, lang)
    _legal_notes(doc, result, policy, lang)
    _skipped(doc, result, lang)
    _explanations(doc, result, policy, lang)
    return doc


def group_title(dimension: str, key: str, policy: CompiledPolicy, lang: str) -> str:
    if dimension != "article":
        return key
    number = int(key)
    article = policy.catalogue.article(number)
    label = cite_label(number)
    if article is None:
        return label
    gloss = article.zh if lang == "zh" else article.en
    return f"{label} — {gloss if len(gloss) <= 90 else gloss[:88] + '…'}"


def group_order(dimension: str, key: str) -> tuple[int, str]:
    if dimension == "article":
        return (int(key), "")
    return (1 if key == NOBODY else 0, key)


def _groups(doc: Document, result: AuditResult, policy: CompiledPolicy, dimension: str, lang: str) -> None:
    add = doc.blocks.append
    add(Heading(2, _w(f"by_{dimension}", lang), f"by-{dimension}"))
    groups = result.totals.groups
    keys = group_keys(result, dimension)
    if not keys:
        add(Para((_w("no_findings", lang),)))
        return
    rows: list[tuple[Inline, ...]] = []
    for key in keys:
        per = [groups.get((dimension, key, c), 0) for c in CATEGORIES]
        title = group_title(dimension, key, policy, lang)
        rows.append((Link(title, f"#{dimension}-{_slug(key)}"), *(str(n) for n in per), str(sum(per))))
    add(Table((dimension, *(_w(c, lang) for c in CATEGORIES), _w("total", lang)), rows))
    samples = dict(result.sampled(dimension))
    for key in keys:
        total = sum(groups.get((dimension, key, c), 0) for c in CATEGORIES)
        found = samples.get(key, [])
        add(Heading(3, group_title(dimension, key, policy, lang), f"{dimension}-{_slug(key)}"))
        if dimension == "article":
            codes = sorted(
                (cat, code, label, n)
                for (cat, code, art, label), n in result.totals.codes.items()
                if str(art) == key
            )
            add(
                Table(
                    ("finding", "code", "label", "count"),
                    [(c, Code(code), lbl, str(n)) for c, code, lbl, n in codes],
                )
            )
        add(Table(COLUMNS["zh" if lang == "zh" else "en"], [_row(result, f) for f in found]))
        if total > len(found):
            add(
                Para(
                    (
                        _w("shown", lang).format(n=len(found))
                        + f"; {total - len(found)} {_w('more', lang)} ",
                        Link(FINDINGS_FILE, FINDINGS_FILE),
                        f" ({dimension} = {key}); {_w('explain_cmd', lang)} ",
                        Code(explain_command(result, result.unit.upper())),
                        ".",
                    )
                )
            )


def group_keys(result: AuditResult, dimension: str) -> list[str]:
    """The groups of one dimension that have findings: articles by number, people and months by name."""
    keys = {k for (d, k, _) in result.totals.groups if d == dimension}
    return sorted(keys, key=lambda k: group_order(dimension, k))


def _slug(key: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key)


def _row(result: AuditResult, finding: AuditFinding) -> tuple[Inline, ...]:
    where: Inline = f"{result.unit} {finding.position}" if finding.position is not None else "—"
    anchor = anchor_of(result, finding)
    if anchor is not None:
        link: Inline = Link("explain", f"#{anchor}")
    elif finding.position is not None:
        link = Code(explain_command(result, finding.position))
    else:
        link = "—"
    message = finding.message + (f" ({finding.detail})" if finding.detail and not finding.rule else "")
    return (
        where,
        finding.event_id or "—",
        finding.date or finding.month,
        finding.employee,
        Code(f"{finding.category}: {finding.code}"),
        finding.label,
        message,
        link,
    )


def _legal_notes(doc: Document, result: AuditResult, policy: CompiledPolicy, lang: str) -> None:
    """The pack's notes of national law, with the number of audited events each was shown on."""
    if not policy.legal_notes:
        return
    add = doc.blocks.append
    add(Heading(2, _w("legal_notes", lang), "legal-notes"))
    add(Para((_w("legal_notes_intro", lang),)))
    rows: list[tuple[Inline, ...]] = []
    for note in policy.legal_notes:
        law = note.cite.law + note.cite.article + "".join(f"; {a.law}{a.article}" for a in note.also)
        start, end = note.effective_from, note.effective_to
        dates = f"{start.isoformat() if start else ''} – {end.isoformat() if end else ''}"
        message = note.note.zh if lang == "zh" else note.note.en
        rows.append((Code(note.id), law, dates, message, str(result.totals.notes.get(note.id, 0))))
    add(Table(("note", "law", "in force", "note", "events"), rows))


def _across(doc: Document, result: AuditResult, policy: CompiledPolicy, lang: str) -> None:
    add = doc.blocks.append
    add(Heading(2, _w("across", lang), "rules-across-events"))
    rows: list[tuple[Inline, ...]] = []
    for rule in policy.ledger_rules:
        title = (rule.title.zh if lang == "zh" else rule.title.en) if rule.title else ""
        counts = [str(result.rule_counts.get((rule.id, s), 0)) for s in ("missing", "late", "open")]
        described = describe_rule(rule)
        if rule.id in result.unchecked:
            kind = rule.expect.expected.kind if rule.expect is not None else ""
            described += f"; NOT CHECKED: the ledger records no {kind}"
        rows.append((Code(rule.id), rule.cite.label, title, described, *counts))
    if not rows:
        add(Para((_w("none", lang),)))
        return
    add(Table(("rule", "article", "title", "groups and orders", "missing", "late", "open"), rows))


def describe_rule(rule: CompiledLedgerRule) -> str:
    if rule.expect is not None:
        plan = rule.expect
        scope = (
            f"every {plan.per} of the ledger"
            if plan.scope is None
            else f"{plan.per}s of " + ", ".join(s.kind for s in plan.scope)
        )
        group = f", per {', '.join(plan.group_by)}" if plan.group_by else ""
        recorded = f", if the ledger records any {plan.expected.kind}" if plan.if_recorded else ""
        return f"one {plan.expected.kind} per {plan.per} ({scope}{group}{recorded})"
    plan_f = rule.follow_up
    assert plan_f is not None
    within = f" within {plan_f.within_days} days" if plan_f.within_days is not None else ""
    return (
        f"each {plan_f.source.kind} followed by a {plan_f.target.kind} "
        f"({plan_f.match_from} = {plan_f.match_to}){within}"
    )


def _skipped(doc: Document, result: AuditResult, lang: str) -> None:
    add = doc.blocks.append
    add(Heading(2, _w("skipped_records", lang), "skipped"))
    total = result.totals.skipped
    if not total:
        add(Para((_w("none", lang),)))
        return
    add(Table((result.unit, "problem"), [(str(s.position), s.message) for s in result.skipped]))
    if total > len(result.skipped):
        add(
            Para(
                (f"{total - len(result.skipped)} {_w('more', lang)} ", Link(SKIPPED_FILE, SKIPPED_FILE), ".")
            )
        )


def _explanations(doc: Document, result: AuditResult, policy: CompiledPolicy, lang: str) -> None:
    add = doc.blocks.append
    add(Heading(2, _w("explanations", lang), "explanations"))
    rules = {r.id: r for r in policy.ledger_rules}
    seen: set[int] = set()
    for _, found in sorted(result.samples.items()):
        for finding in found:
            if not finding.rule or finding.seq in seen:
                continue
            seen.add(finding.seq)
            rule = rules.get(finding.rule)
            add(Heading(3, f"{finding.label} {finding.code}: {finding.rule}", f"finding-{finding.seq}"))
            add(Pre(_ledger_lines(finding, rule, policy, lang)))
    for position, lines in sorted(result.explanations.items()):
        add(Heading(3, f"{result.unit} {position}", f"{result.unit}-{position}"))
        add(Pre(lines))


def _ledger_lines(
    finding: AuditFinding, rule: CompiledLedgerRule | None, policy: CompiledPolicy, lang: str
) -> list[str]:
    lines = [f"{finding.category} {finding.code} [{finding.label}]: {finding.message}"]
    if finding.event_id:
        lines.append(f"event {finding.event_id} ({finding.kind}) of {finding.date}, {finding.employee}")
    lines.append(f"facts: {finding.detail}")
    if rule is not None:
        title = (rule.title.zh if lang == "zh" else rule.title.en) if rule.title else ""
        lines.append(f"ledger rule {rule.id} ({rule.file}:{rule.line}): {title}")
        lines.append(f"  {describe_rule(rule)}")
        article = policy.catalogue.article(rule.cite.article)
        if article is not None:
            lines.append(f"  {rule.cite.label}: {article.zh}")
            if lang != "zh":
                lines.append(f"  gloss: {article.en}")
    return lines


# ---- rendering ----


def markdown(doc: Document) -> str:
    out: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            anchor = f'<a id="{block.anchor}"></a>' if block.anchor else ""
            out += [f"{'#' * block.level} {anchor}{_md_text(block.text)}", ""]
        elif isinstance(block, Para):
            out += ["".join(_md_inline(p) for p in block.parts), ""]
        elif isinstance(block, Table):
            if not block.rows:
                continue
            out.append("| " + " | ".join(block.header) + " |")
            out.append("|" + "---|" * len(block.header))
            out += ["| " + " | ".join(_md_inline(c, cell=True) for c in row) + " |" for row in block.rows]
            out.append("")
        else:
            fence = "````" if any(line.startswith("```") for line in block.lines) else "```"
            out += [f"{fence}text", *block.lines, fence, ""]
    return "\n".join(out).rstrip() + "\n"


def _md_text(text: str) -> str:
    return text.replace("\n", " ")


def _md_inline(part: Inline, cell: bool = False) -> str:
    if isinstance(part, Link):
        text = f"[{_md_escape(part.text)}]({part.href})"
    elif isinstance(part, Code):
        ticks = "``" if "`" in part.text else "`"
        text = f"{ticks}{part.text}{ticks}"
    else:
        text = _md_escape(part)
    return text.replace("|", "\\|").replace("\n", " ") if cell else text


def _md_escape(text: str) -> str:
    for ch in ("\\", "[", "]", "*", "_", "<", ">"):
        text = text.replace(ch, "\\" + ch)
    return text


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1f23;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.3rem;margin-top:2.2rem}
h3{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem;border-radius:3px;font-size:.85em}
pre{background:#f6f8fa;padding:.8rem;overflow-x:auto;font-size:.85rem;white-space:pre-wrap}
a{color:#0969da}
"""


def html(doc: Document) -> str:
    body: list[str] = []
    for block in doc.blocks:
        if isinstance(block, Heading):
            anchor = f' id="{_esc(block.anchor)}"' if block.anchor else ""
            body.append(f"<h{block.level}{anchor}>{_esc(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append("<p>" + "".join(_html_inline(p) for p in block.parts) + "</p>")
        elif isinstance(block, Table):
            if not block.rows:
                continue
            head = "".join(f"<th>{_esc(h)}</th>" for h in block.header)
            rows = "".join(
                "<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>" for row in block.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:
            body.append("<pre>" + _esc("\n".join(block.lines)) + "</pre>")
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(doc.title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _esc(text: str) -> str:
    return html_mod.escape(text, quote=True)


def _html_inline(part: Inline) -> str:
    if isinstance(part, Link):
        return f'<a href="{_esc(part.href)}">{_esc(part.text)}</a>'
    if isinstance(part, Code):
        return f"<code>{_esc(part.text)}</code>"
    return _esc(part)
