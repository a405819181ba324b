"""The HTTP face of the engine: the same decisions as `check` and `explain`, as JSON.

Request bodies are parsed here, not by FastAPI: JSON numbers become `Decimal` so a float
never reaches a money field (`model/money.py`), and NaN or Infinity are refused. Every
error answers with one JSON shape, `{"error", "problems": [{"path", "message"}], "help"}`,
never a trace.
"""

from __future__ import annotations

import copy
import http
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from .. import __version__
from ..audit.decision_log import DecisionLog, DecisionLogError
from ..errors import EventError
from ..model import jsonread
from ..model.decision import Decision
from ..policy import Policy
from ..render import explain as explain_mod
from . import schemas
from .guard import Access, AccessError, AccessMiddleware, require_token, shown
from .holder import ActivePolicy, PolicyHolder
from .log_keeper import RemoteLog
from .log_writer import LogWriter
from .schemas import error_body
from .web import router as web_router

logger = logging.getLogger("salesops_rules.service")

MAX_BODY_BYTES = 1 << 20  # an event is a few kB; a bigger body is a mistake, not an event
DECISION_ID_HEADER = "X-Decision-Id"


class BadRequestError(Exception):
    """A request the service cannot read as an event at all (status 400 or 413)."""

    def __init__(self, status: int, message: str, help: str | None = None) -> None:
        self.status, self.message, self.help = status, message, help
        super().__init__(message)


async def read_event(request: Request, limit: int = MAX_BODY_BYTES) -> tuple[str, Any]:
    """The body as text (kept for the decision log) and as JSON with exact decimals."""
    too_big = BadRequestError(413, f"request body is over the limit of {limit} bytes")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise too_big  # before reading: a client that waits for `100 Continue` never sends it
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_big
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequestError(400, f"request body is not UTF-8: byte {error.start} is invalid") from None
    try:
        data = jsonread.loads(text, limit)  # the one JSON reader of events (model/jsonread.py)
    except jsonread.JsonInputError as error:
        if error.line is None:  # a duplicate key, a number or string out of bounds: named by its path
            raise BadRequestError(400, f"invalid JSON: {error.message}") from None
        raise BadRequestError(
            400,
            f"invalid JSON at line {error.line} column {error.column}: {error.reason}",
            "send one event as a JSON object",
        ) from None
    return text, data


def create_app(
    holder: PolicyHolder,
    log: DecisionLog | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    access: Access | None = None,
    remote_log: RemoteLog | None = None,
) -> FastAPI:
    """The service's routes over `holder`'s policy; `access` says whom it trusts (default:
    loopback names, no token, so reload over HTTP is off). Decisions are logged in `log`
    by a writer thread, or sent to the process that keeps the log by `remote_log` (a
    worker of `serve --workers N`, service/log_keeper.py)."""
    access = access if access is not None else Access()
    writers: list[LogWriter | RemoteLog] = [remote_log] if remote_log is not None else []
    logged = log is not None or remote_log is not None
    event_body = schemas.EVENT_BODY

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # Whatever is queued is written before the server is down.
            while writers:
                await writers.pop().aclose()

    app = FastAPI(
        lifespan=lifespan,
        title="salesops-rules",
        version=__version__,
        description=(
            "Decisions on business events under the regulation of the loaded policy pack, each part "
            "citing its clause. "
            "JSON numbers are read as exact decimals; money may also be sent as a decimal string."
        ),
    )

    app.state.access = access  # what `require_token` checks
    app.add_middleware(AccessMiddleware, access=access)

    async def record(
        active: ActivePolicy, text: str, decision: Decision, dumped: str | None = None
    ) -> dict[str, str]:
        if not logged:
            return {}
        if not writers:
            assert log is not None
            writers.append(LogWriter(log))  # started on first use, stopped by the lifespan
        entry = await writers[0].append(text, decision, active.hash, dumped)
        return {DECISION_ID_HEADER: str(entry)}

    @app.post(
        "/v1/evaluate",
        response_model=Decision,
        responses=schemas.ERROR_RESPONSES,
        openapi_extra=event_body,
        summary="Judge one event",
    )
    async def evaluate(request: Request, as_of: schemas.AsOfQuery = None) -> Response:
        active = holder.active
        text, event = await read_event(request, max_body_bytes)
        decision = active.policy.evaluate(event, as_of=as_of)
        body = decision.model_dump_json()  # once, for the answer and the log
        headers = await record(active, text, decision, body)
        return Response(body, media_type="application/json", headers=headers)

    @app.post(
        "/v1/explain",
        response_model=schemas.Explanation,
        responses=schemas.ERROR_RESPONSES,
        openapi_extra=event_body,
        summary="Judge one event and explain the decision clause by clause",
    )
    async def explain(
        request: Request, lang: Literal["zh", "en"] = "en", as_of: schemas.AsOfQuery = None
    ) -> Response:
        active = holder.active
        text, event = await read_event(request, max_body_bytes)
        decision, trace = active.policy.trace(event, as_of=as_of)
        lines = explain_mod.lines(active.policy.compiled, decision, trace, lang)
        while lines and not lines[-1]:
            lines.pop()
        headers = await record(active, text, decision)
        body = {"decision": decision.to_json(), "lines": lines}
        return JSONResponse(body, headers=headers)

    @app.get(
        "/v1/policy",
        response_model=schemas.PolicyInfo,
        responses=schemas.ACCESS_RESPONSES,
        summary="The active policy and its articles",
    )
    async def policy() -> JSONResponse:
        return JSONResponse(schemas.policy_info(holder.active))

    @app.post(
        "/v1/policy/reload",
        response_model=schemas.ReloadResult,
        responses=schemas.RELOAD_RESPONSES,
        dependencies=[Depends(require_token)],
        openapi_extra={"security": [{"token": []}]},
        summary="Load the policy folder again; swap it in only if it passes the gate (needs the token)",
    )
    async def reload() -> JSONResponse:
        outcome = await run_in_threadpool(holder.reload)
        return JSONResponse(outcome.to_json(), status_code=200 if outcome.reloaded else 409)

    @app.get(
        "/healthz",
        response_model=schemas.Health,
        responses=schemas.ACCESS_RESPONSES,
        summary="Liveness and the active policy",
    )
    async def healthz() -> JSONResponse:
        active = holder.active
        return JSONResponse({"status": "ok", "policy": active.summary, "decision_log": logged})

    app.include_router(web_router(holder))  # the web page, /ui (service/web.py)
    _install_error_handlers(app)
    _install_openapi(app, holder)
    return app


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(EventError)
    async def bad_event(_: Request, error: EventError) -> JSONResponse:
        return JSONResponse(error_body(error.message, error.problems), status_code=422)

    @app.exception_handler(BadRequestError)
    async def bad_request(_: Request, error: BadRequestError) -> JSONResponse:
        return JSONResponse(error_body(error.message, [("$", error.message)], error.help), error.status)

    @app.exception_handler(AccessError)
    async def refused(_: Request, error: AccessError) -> Response:
        return error.response()

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        # Routing's own refusals (404, 405) in the service's one error shape.
        standard = http.HTTPStatus(error.status_code).phrase
        if error.detail and error.detail != standard:
            message = str(error.detail)
        elif error.status_code == 404:
            message = f"no such endpoint: `{shown(request.method)} {shown(request.url.path)}`"
        elif error.status_code == 405:
            message = f"`{shown(request.method)}` is not allowed on `{shown(request.url.path)}`"
        else:
            message = standard.lower()
        headers = dict(error.headers or {})
        return JSONResponse(error_body(message, []), status_code=error.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for problem in error.errors():
            where = ".".join(str(p) for p in problem.get("loc", ()))
            text = str(problem.get("msg", "invalid"))
            problems.append((where, text[:1].lower() + text[1:]))
        path, first = problems[0] if problems else ("$", "invalid request")
        return JSONResponse(error_body(f"invalid request: `{path}`: {first}", problems), status_code=422)

    @app.exception_handler(Exception)
    async def internal(request: Request, error: Exception) -> JSONResponse:
        # A bug, not bad input: the trace goes to the server's log, never to the client.
        logger.error("internal error answering %s %s", request.method, request.url.path, exc_info=error)
        message = "internal error: the service could not answer this request"
        return JSONResponse(error_body(message, [], "the server's log has the details"), status_code=500)

    @app.exception_handler(DecisionLogError)
    async def log_failed(_: Request, error: DecisionLogError) -> JSONResponse:
        # A decision that cannot be logged is not given out: the log is the audit trail.
        return JSONResponse(error_body(error.message, [], error.help), status_code=503)


def _install_openapi(app: FastAPI, holder: PolicyHolder) -> None:
    built_for: list[Any] = [None]  # the event kinds the document was built from

    def build() -> dict[str, Any]:
        # The events are the active policy's kinds: a reload that changes them changes the document.
        events = holder.active.policy.compiled.events
        if app.openapi_schema is None or built_for[0] is not events:
            built_for[0] = events
            event_schema = copy.deepcopy(events.union_schema)
            event_defs = event_schema.pop("$defs", {})
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components.update(event_defs)
            components["Event"] = event_schema
            _put_example(document, holder.active.policy)
            document["components"]["securitySchemes"] = {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the service's token (`serve --token-file` or SALESOPS_RULES_TOKEN)",
                }
            }
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def _put_example(document: dict[str, Any], policy: Policy) -> None:
    """An event of the pack (the first of its test cases) as the example of every event body."""
    from ..tools.eventdocs import examples  # the pack's examples, only when the document is built

    found = examples(policy)
    if not found:
        return
    example = next(iter(found.values()))
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None and content.get("schema") == {"$ref": "#/components/schemas/Event"}:
                content["example"] = example
