"""The browser the page tests use starts and renders Chinese text with a CJK font."""

from __future__ import annotations

from pathlib import Path

from browser import page, screenshot


def test_chromium_renders_chinese_text(tmp_path: Path) -> None:
    html = tmp_path / "zh.html"
    html.write_text(
        "<!doctype html><meta charset=utf-8>"
        "<body style=\"font-family: 'Noto Sans CJK SC', sans-serif\">"
        "<h1><span id=t>销售后勤管理制度</span></h1>",
        encoding="utf-8",
    )
    with page() as pg:
        pg.goto(html.as_uri())
        assert pg.inner_text("#t") == "销售后勤管理制度"
        # A glyph box has the width of a missing-glyph square at every character; a real
        # CJK font gives the heading a width close to 8 full-width characters.
        width = pg.evaluate("document.getElementById('t').getBoundingClientRect().width")
        size = pg.evaluate("parseFloat(getComputedStyle(document.getElementById('t')).fontSize)")
        assert 7 * size <= width <= 9 * size
        assert screenshot(pg, "smoke-zh").stat().st_size > 0
