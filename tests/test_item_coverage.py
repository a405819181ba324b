"""Items that say on their own whether rules can check them (`computable` on an item): the
catalogue's checks, the loader's refusal of a rule citing such an item, and coverage listing
the items of such an article one by one (issue 9: a clause numbered 四、2. is an item)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from salesops_rules import PolicyError, load_policy
from salesops_rules.cli import main
from salesops_rules.model.catalogue import Article
from salesops_rules.tools.article_coverage import coverage, summary
from test_penalties_chain import copy_policy

ITEM_4 = """        zh: "未经允许，当日现金没有上交财务的；"
        en: "Not handing the day's cash to finance that day without permission."
"""


def _article(**changes: object) -> dict[str, object]:
    item = {"item": 1, "label": "1.", "zh": "甲", "en": "a"}
    return {
        "article": 2,
        "label": "二、",
        "chapter": "c",
        "chapter_en": "c",
        "zh": "z",
        "en": "e",
        "computable": True,
        "items": [{**item, **changes}],
    }


def test_an_item_marked_not_computable_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="an item marked `computable: false` needs a `reason`"):
        Article.model_validate(_article(computable=False))
    with pytest.raises(ValidationError, match="`reason` is only for items marked `computable: false`"):
        Article.model_validate(_article(computable=True, reason="why"))
    assert Article.model_validate(_article(computable=False, reason="why")).itemised
    assert not Article.model_validate(_article()).itemised


def test_the_items_of_a_non_computable_article_take_no_computable() -> None:
    spec = {**_article(computable=True), "computable": False, "reason": "why"}
    with pytest.raises(ValidationError, match="take no `computable`"):
        Article.model_validate(spec)


def _mark_item_4(tmp_path: Path, mark: str) -> Path:
    folder = copy_policy(tmp_path)
    path = folder / "regulation.yaml"
    text = path.read_text(encoding="utf-8")
    assert ITEM_4 in text
    path.write_text(text.replace(ITEM_4, ITEM_4 + mark), encoding="utf-8")
    return folder


def test_a_rule_citing_an_item_marked_not_computable_is_refused(tmp_path: Path) -> None:
    folder = _mark_item_4(tmp_path, '        computable: false\n        reason: "a test reason"\n')
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    lines = str(caught.value).splitlines()
    refused = "第三十七条第（四）项 is marked `computable: false` in the catalogue"
    assert any("penalties.yaml" in line and refused in line for line in lines)
    assert "  help: the catalogue says: a test reason" in lines


def test_coverage_lists_the_items_of_an_itemised_article(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _mark_item_4(tmp_path, "        computable: true\n")
    rows = coverage(load_policy(folder).compiled)
    (article,) = [r for r in rows if r.article == 37]
    assert [i.label for i in article.items] == [f"第三十七条第（{n}）项" for n in "一二三四五六七"]
    # Each item is enforced by the penalty keyed to it, and nothing else claims it.
    assert [(i.status, i.penalties) for i in article.items][3] == ("enforced", ["cash_not_handed_over"])
    assert all(i.item is not None and not i.items for i in article.items)
    # Other articles list no items; the summary counts the items apart.
    assert all(not r.items for r in rows if r.article != 37)
    assert summary(rows).endswith(
        "; 7 items of them listed apart: 7 enforced, 0 non-computable, 0 computable but not yet enforced"
    )
    assert main(["coverage", "--policy", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(out) if line.startswith("第三十七条 "))
    assert out[at + 4].startswith("  第三十七条第（四）项  enforced")
    assert "penalty table: cash_not_handed_over" in out[at + 4]
    assert main(["coverage", "--policy", str(folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (entry,) = [a for a in data["articles"] if a["article"] == 37]
    assert entry["items"][3]["item"] == 4 and entry["items"][3]["status"] == "enforced"
    assert all("items" not in a for a in data["articles"] if a["article"] != 37)


def test_an_item_marked_not_computable_shows_its_reason(tmp_path: Path) -> None:
    # 第三十七条第（四）项's penalty is keyed to it, so only the catalogue's word is tested here,
    # through a copy whose penalty for it is dropped.
    folder = _mark_item_4(tmp_path, '        computable: false\n        reason: "a test reason"\n')
    for name in ("cash.yaml", "penalties.yaml", "incidents.yaml", "roles.yaml"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("item: 4}", "item: 7}"), encoding="utf-8")
    rows = coverage(load_policy(folder).compiled)
    (article,) = [r for r in rows if r.article == 37]
    item = article.items[3]
    assert (item.status, item.reason, item.detail()) == ("non_computable", "a test reason", "a test reason")
