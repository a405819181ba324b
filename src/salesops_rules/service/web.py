"""The web page of `salesops-rules serve`, for policy editors and auditors, under `/ui`.

- `/ui/pack`: the pack, article by article: its text, the rules and table rows that
  enforce it, its coverage and its test cases.
- `/ui/try`: an event typed into a form built from its kind's schema, or pasted as JSON;
  the decision and its explanation, each clause a link to its article.
- `/ui/compare`: the same event decided as of two dates, side by side.

Every page is a GET of plain HTML laid out on the server (`web_html.py`): it reads the
active policy and changes nothing, so it needs no more than the service's own access
rules. No script and nothing from another site (the Content-Security-Policy says so).
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..core.labels import labels_of
from ..errors import EventError
from ..render.explain import Lang
from ..tools.diff import compare
from . import web_html as page
from .holder import ActivePolicy, PolicyHolder
from .web_form import PREFIX, Params, dumps, event_from_form, event_from_json, form_values
from .web_pack import PackView, build_view

CSS = resources.files(__package__).joinpath("static/web.css").read_text(encoding="utf-8")
HEADERS = {
    # Nothing but this site's own style sheet and forms; no script at all.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def router(holder: PolicyHolder) -> APIRouter:
    """The page's routes, reading `holder.active` once per request like the JSON endpoints."""
    views: dict[str, PackView] = {}  # the view of the active policy, by its hash

    async def pack_view(active: ActivePolicy) -> PackView:
        view = views.get(active.hash)
        if view is None:
            # Running the pack's test cases takes a moment: once per loaded policy, off the event loop.
            view = await run_in_threadpool(build_view, active.policy)
            views.clear()
            views[active.hash] = view
        return view

    ui = APIRouter(prefix="/ui", include_in_schema=False)

    @ui.get("")
    async def home(request: Request) -> Response:
        return RedirectResponse(f"ui/pack?{request.url.query}", status_code=303)

    @ui.get("/")
    async def home_slash(request: Request) -> Response:
        return RedirectResponse(f"pack?{request.url.query}", status_code=303)

    @ui.get("/static/web.css")
    async def style() -> Response:
        return Response(CSS, media_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=300"})

    @ui.get("/pack")
    async def pack(request: Request) -> Response:
        params, active = Params(request.query_params.multi_items()), holder.active
        lang = _lang(params)
        view = await pack_view(active)
        title = f"{view.compiled.catalogue.regulation.title} · {page.t('pack', lang)}"
        return _html(page.layout(title, page.pack_body(view, lang), lang, "pack", active.summary, "pack"))

    @ui.get("/try")
    async def try_event(request: Request) -> Response:
        params, active = Params(request.query_params.multi_items()), holder.active
        form = _Form.read(params, active, await pack_view(active), "try")
        result, status, error = "", 200, form.error
        if form.event is not None:
            try:
                decision, trace = active.policy.trace(form.event)
            except EventError as bad:
                error = bad
            else:
                compiled = active.policy.compiled
                result = page.decision_card(compiled, decision, trace, form.lang)
                result += page.event_json(dumps(form.event), form.lang)
        if error is not None:
            result, status = page.problems(error, form.lang), 422
        labels = labels_of(active.policy.compiled)
        the_form = page.event_form(form.kind, form.values, form.pasted, form.lang, "try", labels)
        body = (
            page.kind_links(active.policy.compiled.events.kinds, form.kind, "try", form.lang, labels)
            + f'<div class="try">{the_form}'
            f'<div class="result">{result}</div></div>'
        )
        title = page.t("try", form.lang)
        switch = f"try?{form.query}"
        return _html(page.layout(title, body, form.lang, "try", active.summary, switch), status)

    @ui.get("/compare")
    async def compare_dates(request: Request) -> Response:
        params, active = Params(request.query_params.multi_items()), holder.active
        compiled = active.policy.compiled
        form = _Form.read(params, active, await pack_view(active), "compare")
        lang, labels = form.lang, labels_of(compiled)
        last = compiled.versions[-1][0] if compiled.versions else None
        # By default the day before the newest version and its first day: what the change does.
        a = params.get("a") if params.has("a") else (last - dt.timedelta(days=1)).isoformat() if last else ""
        b = params.get("b") if params.has("b") else last.isoformat() if last else ""
        dates = (
            f'<div class="dates"><label>{page.e(page.t("date_a", lang))} '
            f'<input type="date" name="a" id="a" value="{page.e(a)}"></label>'
            f"<label>{page.e(page.t('date_b', lang))} "
            f'<input type="date" name="b" id="b" value="{page.e(b)}"></label></div>'
        )
        result, status = "", 200
        error = form.error
        if form.event is not None:
            try:
                decided = [(day, *active.policy.trace(event)) for day, event in _as_of(form.event, a, b)]
            except EventError as bad:
                error = bad
            else:
                changes = compare(decided[0][1], decided[1][1])
                changed = {c.field for c in changes}
                columns = "".join(
                    page.side(compiled, decision, trace, day, changed, lang)
                    for day, decision, trace in decided
                )
                result = page.changes_list(compiled, changes, lang) + f'<div class="sides">{columns}</div>'
        if error is not None:
            result, status = page.problems(error, lang), 422
        body = (
            f'<p class="help">{page.e(page.t("compare_help", lang))}</p>'
            + page.versions_note(compiled, lang)
            + page.kind_links(compiled.events.kinds, form.kind, "compare", lang, labels)
            + '<div class="try compare">'
            + page.event_form(form.kind, form.values, form.pasted, lang, "compare", labels, dates)
            + f'<div class="result">{result}</div></div>'
        )
        switch = "compare?" + form.query
        return _html(
            page.layout(page.t("compare", lang), body, lang, "compare", active.summary, switch), status
        )

    return ui


class _Form:
    """What a request to `try` or `compare` asks: the kind, the form's values, and the event if decided."""

    def __init__(self, kind: str, lang: Lang, values: dict[str, list[str]], pasted: str, query: str) -> None:
        self.kind, self.lang, self.values, self.pasted, self.query = kind, lang, values, pasted, query
        self.event: dict[str, Any] | None = None
        self.error: EventError | None = None

    @classmethod
    def read(cls, params: Params, active: ActivePolicy, view: PackView, here: str) -> _Form:
        lang = _lang(params)
        events = active.policy.compiled.events
        first = next(iter(events.kinds))  # a new form shows the pack's first kind
        pasted = params.get("json").strip()
        case = view.case(int(params.get("case"))) if params.get("case").isdigit() else None
        kind = params.get("kind") or first
        form = cls(kind, lang, {}, pasted, params.query(without="lang"))
        try:
            if case is not None:
                form.event = dict(case.case.event)
                form.kind = str(form.event.get("kind", first))
            elif pasted and params.has("go"):
                form.event = event_from_json(pasted)
                form.kind = str(form.event.get("kind", kind))
            elif params.has("go"):
                if kind not in events.kinds:
                    raise EventError([("$.kind", f"`{kind}` is not an event kind")])
                form.event = event_from_form(events, kind, params)
        except EventError as error:
            form.error, form.event = error, None
        if form.kind not in events.kinds:
            form.kind = first
        if form.event is not None:
            form.values = form_values(events, form.kind, form.event)
        elif params.has("go"):
            form.values = {name: params.all(name) for name in params.names() if name.startswith(PREFIX)}
        else:
            # A new form starts from the pack's first test case of its kind, when there is one.
            example = next((c for c in view.cases if c.case.event.get("kind") == form.kind), None)
            if example is not None:
                form.values = form_values(events, form.kind, example.case.event)
        return form


def _as_of(event: dict[str, Any], *days: str) -> list[tuple[str, dict[str, Any]]]:
    """The event dated each of `days` (its own date for an empty one), with the date shown for it."""
    out, problems = [], []
    for name, day in zip("ab", days, strict=False):
        if not day:
            out.append((str(event.get("date") or ""), event))
            continue
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            problems.append((name, f"`{day}` is not a date such as `2012-07-01`"))
        out.append((day, {**event, "date": day}))
    if problems:
        raise EventError(problems)
    return out


def _lang(params: Params) -> Lang:
    return "en" if params.get("lang") == "en" else "zh"


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=HEADERS)
