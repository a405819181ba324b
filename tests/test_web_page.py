"""The web page (`/ui`) in headless Chromium: browse the pack, decide a typed-in event, compare dates.

Each test starts the real service on 127.0.0.1, drives the page as a person would (click,
fill, submit) and checks what that person looks for; screenshots go to `browser.SHOTS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import SHOTS, page
from editor_support import deposit_60
from salesops_rules.core.loader import default_policy_dir
from salesops_rules.service.app import create_app
from salesops_rules.service.holder import PolicyHolder
from serving import running


def shot(pg: Any, name: str) -> Path:
    """What the window shows (not the whole page): small enough for `docs/screenshots/`.

    `SALESOPS_SCREENSHOTS=docs/screenshots pytest tests/test_web_page.py` renews the ones there.
    """
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path))
    return path


@pytest.fixture(scope="module")
def shipped() -> Iterator[str]:
    with running(create_app(PolicyHolder(default_policy_dir()))) as url:
        yield url


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = deposit_60(tmp_path_factory.mktemp("deposit-60") / "policy")
    with running(create_app(PolicyHolder(folder))) as url:
        yield url


def fill_contract(pg: Any, amount: str, product_class: str, customer_type: str) -> None:
    """Type a contract into the form, field by field, clearing what the example left in it."""
    pg.fill("input[name='e.id']", "HT-WEB-1")
    pg.fill("input[name='e.date']", "2012-07-05")
    pg.fill("input[name='e.customer.id']", "KH-0419")
    pg.select_option("select[name='e.customer.type']", customer_type)
    pg.select_option("select[name='e.customer.legal_form']", "company")
    pg.select_option("select[name='e.product_class']", product_class)
    pg.fill("input[name='e.amount']", amount)
    pg.fill("input[name='e.deposit_paid']", "")
    pg.fill("input[name='e.prepared_by']", "E-07")
    pg.fill("textarea[name='e.approvals']", "")
    pg.fill("textarea[name='e.collection_schedule']", "")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pack_page_shows_an_article_with_its_rules_rows_and_cases(shipped: str, lang: str) -> None:
    with page() as pg:
        pg.goto(f"{shipped}/ui?lang={lang}")
        assert pg.url.endswith(f"/ui/pack?lang={lang}")
        # The table of contents leads to the article.
        pg.click("nav.toc a[href='#art-24']")
        assert pg.url.endswith("#art-24")
        article = pg.locator("#art-24")
        assert article.locator("h2").inner_text().startswith("第二十四条")
        assert "定金" in article.locator("p.text").inner_text()
        assert article.locator(".status.enforced").count() == 1
        # The decision table that enforces it, row for row.
        rule = article.locator("#rule-contract\\.payment-terms")
        assert rule.count() == 1
        rows = rule.locator("table.rows tbody tr")
        assert rows.count() >= 6
        assert "customer.type" in rule.locator("table.rows thead").inner_text()
        # Its test cases, each passed, each with a link that tries it.
        cases = article.locator("li.case")
        assert cases.count() > 10
        assert article.locator("li.case.failed").count() == 0
        # A non-computable article says why.
        assert pg.locator("#art-1 .reason").count() == 1
        article.scroll_into_view_if_needed()
        assert shot(pg, f"web-pack-{lang}").stat().st_size > 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_event_typed_into_the_form_is_decided_with_links_to_its_clauses(shipped: str, lang: str) -> None:
    with page() as pg:
        pg.goto(f"{shipped}/ui/try?kind=contract&lang={lang}")
        fill_contract(pg, amount="12000", product_class="stock", customer_type="new")
        pg.click("form.event button[type=submit]")
        decision = pg.locator("section.decision")
        assert decision.get_attribute("data-event") == "HT-WEB-1"
        assert decision.locator(".verdict").get_attribute("data-verdict") == "pending"
        text = decision.inner_text()
        # 30% of a new customer's stock order over 10000 (第二十四条), the value named by its
        # label in the page's language (policy.yaml `values:`).
        assert {"zh": "应付定金", "en": "deposit due"}[lang] in text
        assert "3600.00" in text
        assert shot(pg, f"web-decision-{lang}").stat().st_size > 0
        # Every clause named is a link; this one leads to the article on the pack page.
        link = decision.locator("a.cite", has_text="第二十四条").first
        link.click()
        pg.wait_for_url("**/ui/pack*#art-24")
        assert pg.locator("#art-24 h2").inner_text().startswith("第二十四条")


def test_a_pasted_event_is_decided_and_shown_in_the_form(shipped: str) -> None:
    event = (
        Path(__file__).resolve().parent.parent / "examples" / "new-customer-custom-order.json"
    ).read_text(encoding="utf-8")
    with page() as pg:
        pg.goto(f"{shipped}/ui/try?kind=order_voucher&lang=en")
        pg.fill("textarea[name='json']", event)
        pg.click("form.event button[type=submit]")
        assert pg.locator("section.decision .verdict").count() == 1
        # The form now shows the pasted contract, field by field.
        assert pg.input_value("input[name='e.amount']") == "23456.78"
        assert pg.locator("nav.kinds a.here").inner_text() == "contract"


def test_a_bad_event_lists_every_problem_and_no_decision(shipped: str) -> None:
    with page() as pg:
        pg.goto(f"{shipped}/ui/try?kind=contract&lang=en")
        fill_contract(pg, amount="-5", product_class="stock", customer_type="new")
        pg.fill("input[name='e.customer.id']", "")
        pg.click("form.event button[type=submit]")
        problems = pg.locator(".problems li")
        paths = sorted(problems.locator("code").all_inner_texts())
        assert paths == ["$.amount", "$.customer.id"]
        assert pg.locator("section.decision").count() == 0
        # What was typed stays in the form to be corrected.
        assert pg.input_value("input[name='e.amount']") == "-5"


def test_two_dates_side_by_side_show_what_the_amendment_changes(amended: str) -> None:
    with page(width=1400) as pg:
        pg.goto(f"{amended}/ui/compare?kind=contract&lang=zh")
        # By default: the day before the newest version, and its first day.
        assert pg.input_value("input[name='a']") == "2012-06-30"
        assert pg.input_value("input[name='b']") == "2012-07-01"
        fill_contract(pg, amount="10000", product_class="custom", customer_type="existing")
        pg.click("form.event button[type=submit]")
        sides = pg.locator(".side")
        assert sides.count() == 2
        assert [sides.nth(i).get_attribute("data-date") for i in range(2)] == ["2012-06-30", "2012-07-01"]
        assert "2011-11" in sides.nth(0).locator("h2.head").inner_text()
        assert "2012-07" in sides.nth(1).locator("h2.head").inner_text()
        changed = [
            sides.nth(i).locator("tr.changed", has_text="deposit_amount").inner_text() for i in range(2)
        ]
        assert "5000.00" in changed[0]
        assert "6000.00" in changed[1]
        assert "values.deposit_ratio" in pg.locator("table.changes").inner_text()
        assert shot(pg, "web-compare-zh").stat().st_size > 0
