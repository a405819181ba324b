"""An explanation as text, JSON, Markdown or one self-contained HTML page.

Every format is laid out from the same `explain.explanation()` (itself built from the
trace nodes), so text, Markdown and HTML say the same things in the same order; JSON
carries the decision and the trace nodes themselves, for a program to read.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Callable
from typing import Any, Literal

from ..core.compiled import CompiledPolicy
from ..core.trace import RuleTrace
from ..model.decision import Decision
from .explain import WORDS, Explanation, Lang, explanation, lines

Format = Literal["text", "json", "markdown", "html"]
FORMATS: tuple[str, ...] = ("text", "json", "markdown", "html")


def render(
    fmt: str, policy: CompiledPolicy, decision: Decision, trace: list[RuleTrace], lang: Lang = "en"
) -> str:
    if fmt == "json":
        return json.dumps(as_json(decision, trace), ensure_ascii=False, indent=2)
    if fmt == "text":
        return "\n".join(lines(policy, decision, trace, lang)).rstrip()
    doc = explanation(policy, decision, trace, lang)
    if fmt == "markdown":
        return markdown(doc, lang)
    if fmt == "html":
        return page(doc, decision, lang)
    raise ValueError(f"unknown format `{fmt}`; formats: " + ", ".join(f"`{f}`" for f in FORMATS))


def as_json(decision: Decision, trace: list[RuleTrace]) -> dict[str, Any]:
    """The decision of the contract, and what each rule saw and did (both languages)."""
    return {"decision": decision.to_json(), "trace": [_node(n) for n in trace]}


def _node(node: RuleTrace) -> dict[str, Any]:
    data = dataclasses.asdict(node)
    data["cite"] = node.cite.model_dump(mode="json")
    data["title"] = node.title.model_dump() if node.title is not None else None
    data["detail"] = node.detail.model_dump() if node.detail is not None else None
    data["facts"] = [
        {"text": f.text, "operands": [{"name": n, "value": v} for n, v in f.operands], "result": f.result}
        for f in node.facts
    ]
    return data


# ---- Markdown ----

# Every character CommonMark may read as markup, raw HTML or an entity; a line break in an
# event's text is a space, so that no id can start a heading, a list or a fence of its own.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&!])")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", text))


def markdown(doc: Explanation, lang: Lang) -> str:
    out = [f"# {_md(doc.heading)}", ""]
    for section in doc.sections:
        if not section.entries and not section.always:
            continue
        out += [f"## {_md(section.title)}", ""]
        if not section.entries:
            out += [f"_{_md(_none(lang))}_", ""]
            continue
        for entry in section.entries:
            out.append(f"- {_md(entry.text)}")
            out += [f"  - {_md(detail)}" for detail in entry.details]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _none(lang: Lang) -> str:
    return WORDS["none"][lang]


# ---- HTML ----

_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       "Hiragino Sans GB", system-ui, sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #1d1d1f; line-height: 1.5; }
h1 { font-size: 1.35rem; border-bottom: 2px solid #ccc; padding-bottom: .4rem; }
h2 { font-size: 1.1rem; margin-top: 1.6rem; }
ul { padding-left: 1.4rem; } li { margin: .2rem 0; }
ul.details { color: #444; font-size: .95rem; }
.none { color: #777; font-style: italic; }
.verdict { display: inline-block; padding: .1rem .6rem; border-radius: .3rem; color: #fff; }
.verdict-pass { background: #2e7d32; } .verdict-pending { background: #b26a00; }
.verdict-fail { background: #c62828; }
footer { margin-top: 2rem; color: #777; font-size: .85rem; }
"""


def sections_html(doc: Explanation, lang: Lang, inline: Callable[[str], str], heading: str) -> list[str]:
    """The sections of an explanation as HTML lines; every text goes through `inline`, which
    escapes it (and may make links of it: the web page links each clause to its article)."""
    out: list[str] = []
    for section in doc.sections:
        if not section.entries and not section.always:
            continue
        out.append(f"<{heading}>{html.escape(section.title)}</{heading}>")
        if not section.entries:
            out.append(f'<p class="none">{html.escape(_none(lang))}</p>')
            continue
        out.append("<ul>")
        for entry in section.entries:
            details = "".join(f"<li>{inline(d)}</li>" for d in entry.details)
            nested = f'<ul class="details">{details}</ul>' if details else ""
            out.append(f"<li>{inline(entry.text)}{nested}</li>")
        out.append("</ul>")
    return out


def page(doc: Explanation, decision: Decision, lang: Lang) -> str:
    """One HTML page with its style inline and nothing fetched: it can be attached to a file."""
    e = html.escape
    verdict = doc.verdict or decision.verdict  # as the ledger rules settled it, when they did
    body = [
        f"<h1>{e(doc.heading)} "
        f'<span class="verdict verdict-{e(verdict)}">{e(WORDS[verdict][lang])}</span></h1>'
    ]
    body += sections_html(doc, lang, e, "h2")
    footer = f"{decision.policy.name} {decision.policy.version} · salesops-rules"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(doc.heading)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<footer>{e(footer)}</footer>\n</body>\n</html>\n"
    )
