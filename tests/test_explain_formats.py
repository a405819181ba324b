"""`explain --format text|json|markdown|html`: one explanation, four layouts."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from salesops_rules import load_policy
from salesops_rules.cli import main
from salesops_rules.render import explain
from salesops_rules.render import formats as render

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EVENT = EXAMPLES / "new-customer-custom-order.json"


def _event(**changes: Any) -> dict[str, Any]:
    return {**json.loads(EVENT.read_text(encoding="utf-8")), **changes}


def _parts(event: dict[str, Any], lang: explain.Lang = "en") -> tuple[Any, ...]:
    policy = load_policy()
    decision, trace = policy.trace(event)
    return policy.compiled, decision, trace, lang


class _Page(HTMLParser):
    """What a reader of the page sees, and what it would fetch."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.fetches: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.fetches += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_text_is_the_explanation_laid_out(lang: explain.Lang) -> None:
    parts = _parts(_event(), lang)
    assert render.render("text", *parts) == "\n".join(explain.lines(*parts)).rstrip()


def test_json_is_the_decision_and_the_trace() -> None:
    policy, decision, trace, _ = _parts(_event())
    data = json.loads(render.render("json", policy, decision, trace))
    assert data["decision"] == decision.model_dump(mode="json")
    assert [n["rule"] for n in data["trace"]] == [n.rule for n in trace]
    terms = next(n for n in data["trace"] if n["rule"] == "contract.payment-terms")
    assert (terms["status"], terms["row"], terms["cite"]["label"]) == ("applied", 8, "第二十四条")
    assert terms["title"] == {"zh": "定金与付款方式", "en": "deposit and terms of payment"}
    assert terms["sets"]["deposit_ratio"] == "0.50"
    written = next(n for n in data["trace"] if n["rule"] == "contract.written-required")
    assert written["facts"][0] == {
        "text": "product_class == 'custom'",
        "operands": [{"name": "product_class", "value": "custom"}],
        "result": True,
    }


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markdown_says_what_the_text_says(lang: explain.Lang) -> None:
    parts = _parts(_event(), lang)
    doc = explain.explanation(*parts)
    text = render.render("markdown", *parts)
    assert text.startswith(f"# {render._md(doc.heading)}\n")
    for section in doc.sections:
        if section.entries or section.always:
            assert f"\n## {render._md(section.title)}\n" in text
        for entry in section.entries:
            assert f"\n- {render._md(entry.text)}\n" in text
            for detail in entry.details:
                assert f"\n  - {render._md(detail)}\n" in text


def test_markdown_escapes_what_would_become_markup() -> None:
    text = render.render("markdown", *_parts(_event(id="C-1 <b>*bold*</b> [x]")))
    assert text.splitlines()[0].startswith("# Decision C-1 \\<b\\>\\*bold\\*\\</b\\> \\[x\\] (contract)")


def test_markdown_keeps_an_event_id_on_its_line() -> None:
    """An id with line breaks, backticks and a heading cannot start a block of its own (issue 12)."""
    text = render.render("markdown", *_parts(_event(id="C-1\n```\n# x\r\n<script>`y`")))
    first, *rest = text.splitlines()
    assert first.startswith("# Decision C-1 \\`\\`\\` \\# x \\<script\\>\\`y\\` (contract)")
    assert not any(line.startswith(("```", "# x", "<script")) for line in rest)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_is_one_self_contained_page_with_the_same_content(lang: explain.Lang) -> None:
    parts = _parts(_event(id="C-1 <script>alert(1)</script> & co"), lang)
    doc = explain.explanation(*parts)
    text = render.render("html", *parts)
    page = _Page()
    page.feed(text)
    assert page.fetches == []
    assert "script" not in page.tags
    assert {"html", "head", "style", "body", "h1", "h2", "ul", "li"} <= set(page.tags)
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in text
    shown = set(page.text)
    for section in doc.sections:
        for entry in section.entries:
            assert entry.text in shown
            assert set(entry.details) <= shown
    assert text.startswith("<!DOCTYPE html>\n") and text.rstrip().endswith("</html>")
    assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in text


def test_explain_command_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(EVENT), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["decision"]["event_id"] == "HT-2011-1207"
    assert main(["explain", str(EVENT), "--format", "html", "--lang", "zh"]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")
    assert main(["explain", str(EVENT), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Decision HT-2011-1207 (contract)")
    assert main(["explain", str(EVENT)]) == 0
    assert capsys.readouterr().out.startswith("Decision HT-2011-1207 (contract)")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format `pdf`; formats: `text`, `json`, `markdown`, `html`"):
        render.render("pdf", *_parts(_event()))
    with pytest.raises(SystemExit) as caught:
        main(["explain", str(EVENT), "--format", "pdf"])
    assert caught.value.code == 2
