"""The shapes of the service's answers, for the OpenAPI document and for building them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BaseModel

from ..core.asof import judgement_time
from ..model.decision import Decision
from .holder import ActivePolicy


def _judgement_time(value: str | None) -> dt.datetime | None:
    return judgement_time(value)  # a ValueError here answers 422, naming `as_of`


# The request's optional judgement time: `POST /v1/evaluate?as_of=2011-12-05T11:00:00`.
AsOfQuery = Annotated[
    str | None,
    Query(
        description="judge the event as of this ISO date or timestamp (company time unless it has a zone): "
        "a duty whose deadline has passed by then is breached; default: the latest time the event records",
        examples=["2011-12-05T11:00:00"],
    ),
    AfterValidator(_judgement_time),
]


class Problem(BaseModel):
    path: str
    message: str


class ErrorBody(BaseModel):
    error: str
    problems: list[Problem]
    help: str | None = None


def error_body(message: str, problems: list[tuple[str, str]], help: str | None = None) -> dict[str, Any]:
    """The one shape of every error answer: `{"error", "problems": [{"path", "message"}], "help"}`."""
    body: dict[str, Any] = {
        "error": message,
        "problems": [{"path": path, "message": text} for path, text in problems],
    }
    if help is not None:
        body["help"] = help
    return body


class Explanation(BaseModel):
    decision: Decision
    lines: list[str]


class PolicySummary(BaseModel):
    name: str
    version: str
    hash: str
    loaded_at: str


class ArticleInfo(BaseModel):
    article: int
    label: str
    chapter: str
    computable: bool
    reason: str | None
    rules: list[str]
    zh: str
    en: str


class PolicyInfo(PolicySummary):
    regulation: str
    rules: int
    articles: list[ArticleInfo]


class Health(BaseModel):
    status: str
    policy: PolicySummary
    decision_log: bool


class FindingInfo(BaseModel):
    file: str
    line: int
    column: int
    rule: str | None
    severity: str
    check: str
    message: str
    help: str | None


class ReloadResult(BaseModel):
    reloaded: bool
    active: PolicySummary
    previous: PolicySummary
    changed: bool
    reason: str | None = None
    findings: list[FindingInfo] = []
    warnings: list[FindingInfo] = []


# Answers any request may get before a route sees it (`guard.py`), and a bug's answer.
ACCESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "the `Host` is not a name of this service, or the body is bad"},
    403: {"model": ErrorBody, "description": "a cross-site `Origin`"},
    415: {"model": ErrorBody, "description": "a body that is not `application/json`"},
    500: {"model": ErrorBody, "description": "a bug; the details are in the server's log only"},
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ACCESS_RESPONSES,
    400: {
        "model": ErrorBody,
        "description": "the body is not a JSON object in UTF-8, or the `Host` is not this service",
    },
    413: {"model": ErrorBody, "description": "the body is over 1 MiB"},
    422: {"model": ErrorBody, "description": "the event does not fit its kind; `problems` name the fields"},
    503: {"model": ErrorBody, "description": "the decision could not be written to the decision log"},
}

RELOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ACCESS_RESPONSES,
    401: {"model": ErrorBody, "description": "no token, or not the service's token"},
    403: {
        "model": ErrorBody,
        "description": "a cross-site `Origin`, or the service was started without a token",
    },
    409: {"model": ReloadResult, "description": "refused: the old policy stays"},
}

EVENT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                # The example is an event of the active pack, put in when the document is built.
                "schema": {"$ref": "#/components/schemas/Event"},
            }
        },
    }
}


def policy_info(active: ActivePolicy) -> dict[str, Any]:
    compiled = active.policy.compiled
    rules_of: dict[int, list[str]] = {}
    for rule in compiled.rules:
        articles = {rule.cite.article}
        if rule.table is not None:
            articles.update(row.cite.article for row in rule.table.rows)
        for article in articles:
            rules_of.setdefault(article, []).append(rule.id)
    return {
        **active.summary,
        "regulation": compiled.catalogue.regulation.title,
        "rules": len(compiled.rules),
        "articles": [
            {
                "article": a.article,
                "label": a.label,
                "chapter": a.chapter,
                "computable": a.computable,
                "reason": a.reason,
                "rules": rules_of.get(a.article, []),
                "zh": a.zh,
                "en": a.en,
            }
            for a in compiled.catalogue.articles
        ],
    }
