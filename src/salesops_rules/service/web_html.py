"""The web page's HTML, laid out on the server: no script, nothing fetched, every text escaped.

Decisions are explained by `render/explain.py` (the same sections as `explain`); this
module only lays them out and turns every clause label in them into a link
to that article on the pack page.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any
from urllib.parse import urlencode

from ..core.compiled import CompiledPolicy, CompiledRow, CompiledRule
from ..core.labels import Labels
from ..core.places import in_pack as relative
from ..core.trace import RuleTrace
from ..errors import EventError
from ..model.catalogue import Catalogue
from ..model.decision import Decision, Obligation, Violation
from ..render import explain
from ..render.explain import Lang
from ..render.formats import sections_html
from ..tools.diff import Change
from .web_form import FormField, form_fields
from .web_pack import ArticleView, CaseView, PackView

e = html.escape

UI: dict[str, dict[Lang, str]] = {
    "pack": {"zh": "制度与规则", "en": "Pack"},
    "try": {"zh": "试算事件", "en": "Try an event"},
    "compare": {"zh": "版本对比", "en": "Compare versions"},
    "other_lang": {"zh": "English", "en": "中文"},
    "articles": {"zh": "条文", "en": "Articles"},
    "enforced": {"zh": "已实施", "en": "enforced"},
    "non_computable": {"zh": "不可计算", "en": "non-computable"},
    "not_enforced": {"zh": "尚未实施", "en": "not yet enforced"},
    "rules": {"zh": "实施本条的规则", "en": "Rules that enforce it"},
    "ledger_rules": {"zh": "跨事件规则（台账）", "en": "Rules across events (ledger)"},
    "penalty_codes": {"zh": "罚则中的违规代码", "en": "Violation codes of the penalty table"},
    "engine": {"zh": "引擎", "en": "engine"},
    "cases": {"zh": "测试用例", "en": "Test cases"},
    "no_cases": {"zh": "本条没有测试用例", "en": "no test case cites this article"},
    "passed": {"zh": "通过", "en": "passed"},
    "failed": {"zh": "未通过", "en": "FAILED"},
    "try_it": {"zh": "试算", "en": "try it"},
    "when": {"zh": "条件", "en": "when"},
    "always": {"zh": "（总是适用）", "en": "(always)"},
    "row": {"zh": "行", "en": "row"},
    "table_rows": {"zh": "表中引用本条的行", "en": "table rows that cite this article"},
    # a table's hit policy (`hit:` in the rule file)
    "hit_unique": {"zh": "至多一行适用", "en": "at most one row applies"},
    "hit_first": {"zh": "第一个适用的行为准", "en": "the first row that applies wins"},
    "in_force": {"zh": "生效", "en": "in force"},
    "from": {"zh": "自", "en": "from"},
    "to": {"zh": "至", "en": "to"},
    "exception_to": {"zh": "是以下规则的特别规定", "en": "an exception to"},
    "reason": {"zh": "原因", "en": "reason"},
    "gloss": {"zh": "英文释义", "en": "English gloss"},
    "summary_cases": {
        "zh": "测试用例 {n} 条：{p} 条通过，{f} 条未通过",
        "en": "{n} test cases: {p} passed, {f} failed",
    },
    "summary_rules": {
        "zh": "规则覆盖：{e}/{r} 条规则被用例执行，表格行 {s}/{t} 行被匹配",
        "en": "rule coverage: {e} of {r} rules exercised, {s} of {t} table rows matched",
    },
    "summary_coverage": {
        "zh": "{n} 条：已实施 {a}，不可计算 {b}，可计算但尚未实施 {c}",
        "en": "{n} articles: {a} enforced, {b} non-computable, {c} computable but not yet enforced",
    },
    "cases_error": {"zh": "测试用例无法读取", "en": "the test cases do not load"},
    "kind": {"zh": "事件类型", "en": "Event kind"},
    "fields": {"zh": "按字段填写", "en": "Fill in the fields"},
    "or_json": {
        "zh": "或粘贴事件 JSON（填写后优先于上面的字段）",
        "en": "or paste the event as JSON (used instead of the fields above when filled in)",
    },
    "decide": {"zh": "判定", "en": "Decide"},
    "required": {"zh": "必填", "en": "required"},
    "json_hint": {"zh": "JSON 列表", "en": "a JSON list"},
    "list_hint": {"zh": "用逗号分隔", "en": "comma-separated"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "invalid": {"zh": "事件无效", "en": "The event is not valid"},
    "event_json": {"zh": "本次判定的事件 JSON", "en": "The event decided, as JSON"},
    "date_a": {"zh": "日期 A", "en": "Date A"},
    "date_b": {"zh": "日期 B", "en": "Date B"},
    "compare_help": {
        "zh": "同一事件分别按两个日期判定（事件的 date 取该日期），以比较各版本的规则。",
        "en": "The same event decided as of two dates (its `date` set to each), to compare the "
        "policy versions in force.",
    },
    "versions": {"zh": "政策版本（生效日）", "en": "Policy versions (in force from)"},
    "no_versions": {
        "zh": "本政策未声明多个版本；可比较任意两个日期。",
        "en": "This policy declares no versions; any two dates can be compared.",
    },
    "changes": {"zh": "两次判定的差异", "en": "What differs between the two decisions"},
    "no_changes": {"zh": "两次判定相同", "en": "the two decisions are the same"},
    "dated": {"zh": "适用的分期规定值", "en": "dated value in force"},
    "full_explanation": {"zh": "完整解释", "en": "Full explanation"},
    "value": {"zh": "计算结果", "en": "Value"},
    "start_from": {"zh": "从测试用例开始", "en": "Start from a test case"},
    "policy": {"zh": "政策", "en": "Policy"},
    "field": {"zh": "字段", "en": "field"},
    "bad_date": {"zh": "不是有效日期", "en": "is not a date"},
}


def t(key: str, lang: Lang) -> str:
    return UI[key][lang]


def query(**params: Any) -> str:
    """A query string of the given parameters, leaving out the empty ones."""
    return urlencode([(k, v) for k, v in params.items() if v not in (None, "")])


# ---- clause links ----


@cache
def _label_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so that a label is never read as a shorter one it begins with.
    return re.compile("|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True)))


def article_href(article: int, lang: Lang) -> str:
    return f"pack?{query(lang=lang)}#art-{article}"


def linked(text: str, catalogue: Catalogue, lang: Lang) -> str:
    """`text` escaped, with every article label in it a link to the article on the pack page."""
    numbers = {a.label: a.article for a in catalogue.articles}
    pattern = _label_pattern(tuple(numbers))
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(e(text[last : match.start()]))
        label = match.group(0)
        out.append(f'<a class="cite" href="{article_href(numbers[label], lang)}">{e(label)}</a>')
        last = match.end()
    out.append(e(text[last:]))
    return "".join(out)


# ---- the page ----


def layout(
    title: str, body: str, lang: Lang, here: str, summary: Mapping[str, str], switch: str, status: str = ""
) -> str:
    """One whole page: the navigation, the active policy, a link to the same page in the other language."""
    other: Lang = "en" if lang == "zh" else "zh"
    nav = "".join(
        f'<a href="{name}?{query(lang=lang)}"{" class=here" if name == here else ""}>{e(t(name, lang))}</a>'
        for name in ("pack", "try", "compare")
    )
    policy = f"{summary['name']} {summary['version']} · sha256 {summary['hash'][:12]}"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} · salesops-rules</title>\n"
        '<link rel="stylesheet" href="static/web.css">\n</head>\n<body>\n'
        f'<header><nav>{nav}</nav><span class="policy" title="{e(summary["loaded_at"])}">{e(policy)}</span>'
        f'<a class="lang" href="{e(switch_to(switch, other))}" lang="{other}">{e(t("other_lang", lang))}</a>'
        f"</header>\n<main{status}>\n<h1>{e(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def switch_to(url: str, lang: Lang) -> str:
    """The same page in another language: `url` is the current path and query without `lang`."""
    sep = "" if url.endswith("?") else "&" if "?" in url else "?"
    return f"{url}{sep}{query(lang=lang)}"


# ---- the pack page ----


def pack_body(view: PackView, lang: Lang) -> str:
    compiled = view.compiled
    regulation = compiled.catalogue.regulation
    counts = Counter(a.coverage.status for a in view.articles)
    facts = [
        t("summary_coverage", lang).format(
            n=len(view.articles), a=counts["enforced"], b=counts["non_computable"], c=counts["not_enforced"]
        )
    ]
    if view.cases:
        failed = sum(1 for c in view.cases if not c.result.passed)
        facts.append(t("summary_cases", lang).format(n=len(view.cases), p=len(view.cases) - failed, f=failed))
    if view.rule_coverage is not None:
        rc = view.rule_coverage
        facts.append(t("summary_rules", lang).format(e=rc.exercised, r=rc.rules, s=rc.rows_seen, t=rc.rows))
    if view.cases_error:
        facts.append(f"{t('cases_error', lang)}: {view.cases_error}")
    out = [
        f'<p class="regulation">{e(regulation.title)} · {e(regulation.title_en)} · '
        f"{e(regulation.issuer)}</p>",
        '<ul class="facts">' + "".join(f"<li>{e(f)}</li>" for f in facts) + "</ul>",
        f'<nav class="toc" aria-label="{e(t("articles", lang))}">',
    ]
    for a in view.articles:
        status = a.coverage.status
        out.append(
            f'<a class="chip {status}" href="#art-{a.article.article}" '
            f'title="{e(t(status, lang))}">{e(a.article.label)}</a>'
        )
    out.append("</nav>")
    out += [_article(a, compiled, lang) for a in view.articles]
    return "\n".join(out)


def _article(view: ArticleView, compiled: CompiledPolicy, lang: Lang) -> str:
    art, cov = view.article, view.coverage
    chapter = art.chapter if lang == "zh" else art.chapter_en
    out = [
        f'<section class="article" id="art-{art.article}">',
        f'<h2>{e(art.label)} <span class="chapter">{e(chapter)}</span> '
        f'<span class="status {cov.status}">{e(t(cov.status, lang))}</span></h2>',
        f'<p class="text" lang="zh">{e(art.zh)}</p>',
    ]
    if lang == "en":
        out.append(f'<p class="gloss" lang="en">{e(art.en)}</p>')
    if art.items:
        out.append('<ol class="items">')
        for item in art.items:
            gloss = f'<br><span class="gloss" lang="en">{e(item.en)}</span>' if lang == "en" else ""
            out.append(f'<li id="art-{art.article}-{item.item}">{e(item.label)} {e(item.zh)}{gloss}</li>')
        out.append("</ol>")
    if cov.reason:
        out.append(f'<p class="reason">{e(t("reason", lang))}: {e(cov.reason)}</p>')
    if view.rules:
        out.append(f"<h3>{e(t('rules', lang))}</h3>")
        out += [_rule(rule, rows, compiled, lang) for rule, rows in view.rules]
    if view.ledger_rules:
        out.append(f"<h3>{e(t('ledger_rules', lang))}</h3><ul>")
        for ledger in view.ledger_rules:
            title = f" — {e(getattr(ledger.title, lang))}" if ledger.title is not None else ""
            where = f"{relative(ledger.file, compiled.root)}:{ledger.line}"
            out.append(f'<li><code>{e(ledger.id)}</code>{title} <span class="where">{e(where)}</span></li>')
        out.append("</ul>")
    if cov.penalties:
        codes = ", ".join(f"<code>{e(c)}</code>" for c in cov.penalties)
        out.append(f"<p>{e(t('penalty_codes', lang))}: {codes}</p>")
    if cov.engine:
        out.append(f"<p>{e(t('engine', lang))}: {e(cov.engine)}</p>")
    if art.computable:
        out.append(_cases(view.cases, lang))
    out.append("</section>")
    return "\n".join(out)


def _rule(rule: CompiledRule, rows: Sequence[CompiledRow], compiled: CompiledPolicy, lang: Lang) -> str:
    title = f" — {e(getattr(rule.title, lang))}" if rule.title is not None else ""
    where = f"{relative(rule.file, compiled.root)}:{rule.line}"
    out = [
        f'<div class="rule" id="rule-{e(rule.id)}"><p><code class="id">{e(rule.id)}</code>{title} '
        f'<span class="where">{e(where)}</span> <span class="kinds">{e(", ".join(rule.kinds))}</span></p>'
    ]
    if rule.when is not None:
        out.append(f"<p>{e(t('when', lang))}: <code>{e(rule.when.source)}</code></p>")
    elif rule.table is None:
        out.append(f"<p>{e(t('when', lang))}: {e(t('always', lang))}</p>")
    if rule.effective_from is not None or rule.effective_to is not None:
        span = []
        if rule.effective_from is not None:
            span.append(f"{t('from', lang)} {rule.effective_from.isoformat()}")
        if rule.effective_to is not None:
            span.append(f"{t('to', lang)} {rule.effective_to.isoformat()}")
        out.append(f"<p>{e(t('in_force', lang))}: {e(' '.join(span))}</p>")
    if rule.exception_to:
        names = ", ".join(
            f'<a href="#rule-{e(r)}"><code>{e(r)}</code></a>' for r in sorted(rule.exception_to)
        )
        out.append(f"<p>{e(t('exception_to', lang))}: {names}</p>")
    if rows and rule.table is not None:
        out.append(_rows(rule, rows, lang))
    out.append("</div>")
    return "\n".join(out)


def _rows(rule: CompiledRule, rows: Sequence[CompiledRow], lang: Lang) -> str:
    assert rule.table is not None
    inputs, outputs = rule.table.inputs, rule.table.outputs
    head = "".join(f"<th>{e(name)}</th>" for name in (t("row", lang), *inputs, *outputs))
    body = []
    for row in rows:
        cells = {c.input: c for c in row.cells}
        dated = dict(row.written)  # a cell that changes on dates, as written
        shown = []
        for name in inputs:
            cell = cells.get(name)
            if name in dated:
                shown.append(dated[name])
                continue
            shown.append("—" if cell is None or cell.op == "any" else f"{cell.op} {_plain(cell.value)}")
        values = dict(row.then.values)
        for name in outputs:
            value = values.get(name, "—")
            shown.append(getattr(value, "source", None) or _plain(value))
        body.append(f"<tr><td>{row.index + 1}</td>" + "".join(f"<td>{e(s)}</td>" for s in shown) + "</tr>")
    hit = t("hit_" + rule.table.hit, lang)
    return (
        f'<table class="rows"><caption>{e(t("table_rows", lang))} ({e(hit)})</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _plain(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | frozenset | set):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


def _cases(cases: Sequence[CaseView], lang: Lang) -> str:
    if not cases:
        return f'<p class="none">{e(t("no_cases", lang))}</p>'
    out = [f'<details class="cases"><summary>{e(t("cases", lang))} ({len(cases)})</summary><ul>']
    for c in cases:
        state = "passed" if c.result.passed else "failed"
        link = f'<a href="try?{query(case=c.number, lang=lang)}">{e(t("try_it", lang))}</a>'
        out.append(
            f'<li class="case {state}"><span class="mark">{e(t(state, lang))}</span> {e(c.case.name)} '
            f'<span class="where">{e(c.where)}</span> {link}</li>'
        )
    out.append("</ul></details>")
    return "\n".join(out)


# ---- the event form ----


def kind_links(kinds: Iterable[str], current: str, page: str, lang: Lang, labels: Labels) -> str:
    out = [f'<nav class="kinds" aria-label="{e(t("kind", lang))}">']
    for kind in kinds:
        here = ' class="here"' if kind == current else ""
        words = e(labels.kind(kind, lang))
        out.append(f'<a{here} href="{page}?{query(kind=kind, lang=lang)}" title="{e(kind)}">{words}</a>')
    out.append("</nav>")
    return "".join(out)


def event_form(
    kind: str,
    values: Mapping[str, list[str]],
    pasted: str,
    lang: Lang,
    page: str,
    labels: Labels,
    extra: str = "",
) -> str:
    """The form of an event kind, filled with `values`; `extra` goes before the button.

    Fields, kinds and closed values show the pack's words (`labels.yaml`); the JSON name of
    each field stays beside its words, since that is what a system sends.
    """
    fields = "\n".join(_input(f, values, lang, labels) for f in form_fields(labels.policy.events, kind))
    return (
        f'<form class="event" method="get" action="{page}">'
        f'<input type="hidden" name="kind" value="{e(kind)}"><input type="hidden" name="lang" value="{lang}">'
        f'<input type="hidden" name="go" value="1">{extra}'
        f'<fieldset class="fields"><legend>{e(t("fields", lang))}{"：" if lang == "zh" else ": "}'
        f"{e(labels.kind(kind, lang))} "
        f"<code>{e(kind)}</code></legend>"
        f"{fields}</fieldset>"
        f'<label class="pasted">{e(t("or_json", lang))}'
        f'<textarea name="json" rows="6" spellcheck="false">{e(pasted)}</textarea></label>'
        f'<button type="submit">{e(t("decide", lang))}</button></form>'
    )


def _input(f: FormField, values: Mapping[str, list[str]], lang: Lang, labels: Labels) -> str:
    star = f' <abbr class="req" title="{e(t("required", lang))}">*</abbr>' if f.required else ""
    words = labels.field(f.path, lang)
    key = f'<code class="key">{e(f.key)}</code>'
    named = f"{e(words)} {key}" if words != f.path else key
    label = f"{named}{star}"
    if f.widget == "group":
        inner = "\n".join(_input(c, values, lang, labels) for c in f.children)
        return f'<fieldset class="group"><legend>{label}</legend>{inner}</fieldset>'
    name, current = e(f.name), values.get(f.name, [])
    first = current[0] if current else ""
    if f.widget == "multi":
        boxes = "".join(
            f'<label class="check"><input type="checkbox" name="{name}" value="{e(o)}"'
            f"{' checked' if o in current else ''}> {e(labels.value(f.path, o, lang))}</label>"
            for o in f.options
        )
        return f'<div class="field multi"><span class="name">{label}</span>{boxes}</div>'
    if f.widget in ("select", "bool"):
        options = f.options if f.widget == "select" else ("true", "false")
        shown = (
            {"true": t("yes", lang), "false": t("no", lang)}
            if f.widget == "bool"
            else {o: labels.value(f.path, o, lang) for o in options}
        )
        empty = f"({shown.get(f.default, f.default)})" if f.default is not None else ""
        opts = [f'<option value="">{e(empty)}</option>'] + [
            f'<option value="{e(o)}"{" selected" if o == first else ""}>{e(shown.get(o, o))}</option>'
            for o in options
        ]
        control = f'<select name="{name}" id="{name}">{"".join(opts)}</select>'
    elif f.widget == "json":
        control = (
            f'<textarea name="{name}" id="{name}" rows="2" spellcheck="false" '
            f'placeholder="{e(t("json_hint", lang))}">{e(first)}</textarea>'
        )
    else:
        kind = {"date": "date", "integer": "number"}.get(f.widget, "text")
        hint = {
            "datetime": "2011-12-01T09:30:00",
            "list": t("list_hint", lang),
        }.get(f.widget, "")
        hint = f.default if f.default is not None else hint
        placeholder = f' placeholder="{e(hint)}"' if hint else ""
        inputmode = ' inputmode="decimal"' if f.widget == "money" else ""
        control = (
            f'<input type="{kind}" name="{name}" id="{name}" value="{e(first)}"{placeholder}{inputmode}>'
        )
    return f'<div class="field"><label for="{name}">{label}</label>{control}</div>'


def problems(error: EventError, lang: Lang) -> str:
    items = "".join(f"<li><code>{e(path)}</code>: {e(message)}</li>" for path, message in error.problems)
    return f'<div class="problems" role="alert"><h2>{e(t("invalid", lang))}</h2><ul>{items}</ul></div>'


# ---- a decision ----


def verdict_badge(decision: Decision, lang: Lang) -> str:
    word = explain.WORDS[decision.verdict][lang]
    verdict = e(decision.verdict)
    return f'<span class="verdict verdict-{verdict}" data-verdict="{verdict}">{e(word)}</span>'


def decision_card(compiled: CompiledPolicy, decision: Decision, trace: list[RuleTrace], lang: Lang) -> str:
    """The decision as `explain` says it, section by section, each clause a link."""
    doc = explain.explanation(compiled, decision, trace, lang)
    cat = compiled.catalogue
    out = [
        f'<section class="decision" data-event="{e(decision.event_id)}">',
        f"<h2>{verdict_badge(decision, lang)} {linked(doc.heading, cat, lang)}</h2>",
    ]
    out += sections_html(doc, lang, lambda text: linked(text, cat, lang), "h3")
    out.append("</section>")
    return "\n".join(out)


def event_json(text: str, lang: Lang) -> str:
    summary = e(t("event_json", lang))
    return f'<details class="event-json"><summary>{summary}</summary><pre>{e(text)}</pre></details>'


# ---- two decisions side by side ----


def versions_note(compiled: CompiledPolicy, lang: Lang) -> str:
    if not compiled.versions:
        return f'<p class="help">{e(t("no_versions", lang))}</p>'
    items = "".join(f"<li>{e(version)}: {start.isoformat()}</li>" for start, version in compiled.versions)
    return f'<p class="help">{e(t("versions", lang))}:</p><ul class="versions">{items}</ul>'


def changes_list(compiled: CompiledPolicy, changes: Sequence[Change], lang: Lang) -> str:
    if not changes:
        return f'<p class="none changes">{e(t("no_changes", lang))}</p>'
    rows = []
    for c in changes:
        info = compiled.values.get(c.field.removeprefix("values."))
        label = f"{e(getattr(info.label, lang))} " if info is not None else ""
        rows.append(
            f"<tr><th>{label}<code>{e(c.field)}</code></th><td>{e(c.old)}</td><td>→</td><td>{e(c.new)}</td></tr>"
        )
        if c.dated:  # why the value differs: the dated values taken on each side
            said = e(t("dated", lang)) + ("：" if lang == "zh" else ": ") + e(c.dated)
            rows.append(f'<tr class="dated"><td colspan="4">{said}</td></tr>')
    caption = e(t("changes", lang))
    return f'<table class="changes"><caption>{caption}</caption>{"".join(rows)}</table>'


def side(
    compiled: CompiledPolicy,
    decision: Decision,
    trace: list[RuleTrace],
    day: str,
    changed: set[str],
    lang: Lang,
) -> str:
    """One column of a comparison: the policy version, the verdict, the values, then the explanation."""
    rows = []
    for name, value in decision.values.items():
        info = compiled.values.get(name)
        label = getattr(info.label, lang) if info else name
        mark = ' class="changed"' if f"values.{name}" in changed else ""
        rows.append(
            f"<tr{mark}><th>{e(label)} <code>{e(name)}</code></th><td>{e(_value(value, lang))}</td></tr>"
        )
    cat = compiled.catalogue
    found: list[Violation | Obligation] = [*decision.violations, *decision.obligations]
    listed = [f"{x.message if lang == 'zh' else x.message_en} [{x.cite.label}]" for x in found]
    findings = "".join(f"<li>{linked(x, cat, lang)}</li>" for x in listed)
    return (
        f'<div class="side" data-date="{e(day)}">'
        f"<h2 class='head'>{e(day)} · {e(t('policy', lang))} {e(decision.policy.version)} "
        f"{verdict_badge(decision, lang)}</h2>"
        f'<table class="values"><tbody>{"".join(rows)}</tbody></table>'
        + (f"<ul>{findings}</ul>" if findings else "")
        + f"<details><summary>{e(t('full_explanation', lang))}</summary>"
        f"{decision_card(compiled, decision, trace, lang)}</details></div>"
    )


def _value(value: Any, lang: Lang) -> str:
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if value is None:
        return explain.WORDS["none"][lang]
    return str(value)
