"""The web page without a browser: the form built from a kind's schema, and the page's answers over HTTP."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bundled_events import EVENT_MODELS, EVENTS
from salesops_rules import load_policy
from salesops_rules.core.loader import default_policy_dir
from salesops_rules.errors import EventError
from salesops_rules.service.app import create_app
from salesops_rules.service.holder import PolicyHolder
from salesops_rules.service.web_form import Params, event_from_form, event_from_json, form_fields, form_values
from salesops_rules.tools.cases import load_cases
from serving import call, running

POLICY = load_policy(default_policy_dir())
CASES = load_cases(default_policy_dir() / "tests")


def params_of(values: dict[str, list[str]], **extra: str) -> Params:
    return Params([(name, v) for name, vs in values.items() for v in vs] + list(extra.items()))


def test_every_kind_has_a_form_with_its_required_fields() -> None:
    for kind, model in EVENT_MODELS.items():
        fields = {f.key: f for f in form_fields(EVENTS, kind)}
        required = {
            name for name, info in model.model_fields.items() if info.is_required() and name != "kind"
        }
        assert {k for k, f in fields.items() if f.required} == required, kind


def test_the_contract_form_reads_each_field_by_its_type() -> None:
    widgets = {f.path: f.widget for f in form_fields(EVENTS, "contract")}
    customer = next(f for f in form_fields(EVENTS, "contract") if f.path == "customer")
    assert widgets["amount"] == "money"
    assert widgets["date"] == "date"
    assert widgets["product_class"] == "select"
    assert widgets["approvals"] == "json"
    assert {c.path: c.widget for c in customer.children}["customer.documents"] == "multi"
    assert {c.path: c.widget for c in customer.children}["customer.sealed"] == "bool"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.file.rsplit('/', 1)[-1]}:{c.line()}")
def test_every_policy_case_decides_the_same_through_the_form(case: object) -> None:
    # The form shows the case's event and reads it back: the decision must not change.
    event = case.event  # type: ignore[attr-defined]
    kind = event["kind"]
    through_form = event_from_form(EVENTS, kind, params_of(form_values(EVENTS, kind, event)))
    assert POLICY.evaluate(through_form) == POLICY.evaluate(event)


def test_a_bad_list_in_the_form_names_its_field() -> None:
    with pytest.raises(EventError) as caught:
        event_from_form(EVENTS, "contract", Params([("e.approvals", "[{")]))
    assert caught.value.problems[0][0] == "$.approvals"


def test_pasted_text_that_is_not_an_event_object_is_refused() -> None:
    with pytest.raises(EventError, match="invalid JSON at line 1 column 2"):
        event_from_json("{oops")
    with pytest.raises(EventError, match="an event is a JSON object"):
        event_from_json("[1, 2]")
    with pytest.raises(EventError, match="nested too deeply"):
        event_from_json("[" * 100_000)
    with pytest.raises(EventError, match="nested too deeply"):
        event_from_form(EVENTS, "contract", Params([("e.approvals", "[" * 100_000)]))


# ---- over HTTP ----


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with running(create_app(PolicyHolder(default_policy_dir()))) as base:
        yield base


def test_pages_are_html_with_no_script_and_a_strict_content_policy(url: str) -> None:
    for path in ("/ui/pack", "/ui/try", "/ui/compare", "/ui/pack?lang=en"):
        reply = call("GET", url + path)
        assert reply.status == 200, path
        assert reply.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in reply.headers["content-security-policy"]
        assert "<script" not in reply.text
        assert "http://" not in reply.text and "https://" not in reply.text


def test_the_style_sheet_names_a_cjk_font_stack(url: str) -> None:
    reply = call("GET", url + "/ui/static/web.css")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/css")
    assert '"Noto Sans CJK SC"' in reply.text and '"Microsoft YaHei"' in reply.text


def test_the_pack_page_names_places_relative_to_the_pack(url: str) -> None:
    text = call("GET", url + "/ui/pack").text
    assert "contracts.yaml:" in text
    assert str(default_policy_dir()) not in text


def test_a_bad_event_answers_422_with_every_problem(url: str) -> None:
    query = urlencode({"kind": "contract", "go": "1", "e.id": "X", "e.amount": "-1", "lang": "en"})
    reply = call("GET", f"{url}/ui/try?{query}")
    assert reply.status == 422
    for path in ("$.amount", "$.customer.id", "$.customer.type", "$.product_class", "$.prepared_by"):
        assert f"<code>{path}</code>" in reply.text, path


def test_an_unknown_kind_is_named(url: str) -> None:
    reply = call("GET", f"{url}/ui/try?kind=parcel&go=1")
    assert reply.status == 422
    assert "`parcel` is not an event kind" in reply.text


def test_compare_refuses_a_date_that_is_not_one(url: str) -> None:
    event = json.dumps(CASES[0].event, default=str)
    reply = call("GET", f"{url}/ui/compare?{urlencode({'json': event, 'go': '1', 'a': '2012-13-01'})}")
    assert reply.status == 422
    assert "`2012-13-01` is not a date" in reply.text


def test_a_case_number_opens_that_case_decided(url: str) -> None:
    reply = call("GET", f"{url}/ui/try?case=1")
    assert reply.status == 200
    assert f'data-event="{CASES[0].event["id"]}"' in reply.text


def test_ui_leads_to_the_pack_page(url: str) -> None:
    first = call("GET", url + "/ui?lang=en")
    assert first.status == 303  # the test client does not follow redirects: follow it by hand
    assert urljoin(url + "/ui", first.headers["location"]) == url + "/ui/pack?lang=en"
    reply = call("GET", url + "/ui/pack?lang=en")
    assert reply.status == 200
    assert 'lang="en"' in reply.text and "Rules that enforce it" in reply.text


def test_the_pack_page_follows_a_reload(tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(default_policy_dir(), folder, ignore=shutil.ignore_patterns("tests"))
    holder = PolicyHolder(folder)
    with running(create_app(holder)) as base:
        assert "puguang-sales-logistics 2011-11 · sha256" in call("GET", base + "/ui/pack").text
        manifest = folder / "policy.yaml"
        manifest.write_text(
            manifest.read_text(encoding="utf-8").replace('version: "2011-11"', 'version: "2011-12"'),
            encoding="utf-8",
        )
        assert holder.reload().reloaded
        text = call("GET", base + "/ui/pack").text
        assert "puguang-sales-logistics 2011-12 · sha256" in text
        assert "2011-11" not in text.split("</header>")[0]


FORM_NAMES = sorted(
    {f"e.{f.path}" for kind in EVENT_MODELS for f in form_fields(EVENTS, kind) if f.widget != "group"}
    | {f"e.{c.path}" for kind in EVENT_MODELS for f in form_fields(EVENTS, kind) for c in f.children}
)


@settings(deadline=None, max_examples=150)
@given(
    kind=st.sampled_from(sorted(EVENT_MODELS)),
    pairs=st.lists(st.tuples(st.sampled_from(FORM_NAMES), st.text(max_size=30)), max_size=12),
)
def test_any_form_input_is_an_event_or_a_named_problem(kind: str, pairs: list[tuple[str, str]]) -> None:
    # Whatever is typed, the page answers with a decision or with the problems: never a crash.
    try:
        POLICY.evaluate(event_from_form(EVENTS, kind, Params(pairs)))
    except EventError as error:
        assert error.problems and all(path.startswith("$") for path, _ in error.problems)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", [">合同<", "客户类型 <code", '<option value="new">新客户</option>', "> 营业执照</label>"]),
        ("en", [">contract<", "the customer type <code", '<option value="new">new customer</option>']),
    ],
)
def test_the_form_names_kinds_fields_and_values_in_the_packs_words(
    url: str, lang: str, words: list[str]
) -> None:
    page = call("GET", url + f"/ui/try?kind=contract&lang={lang}").text
    for word in words:
        assert word in page, word
    assert '<code class="key">type</code>' in page  # the JSON name a system sends stays beside the words
