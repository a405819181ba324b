"""Who may talk to the service: the checks every request passes before any route sees it.

A web page open in a browser on the same host can reach a service on 127.0.0.1. Three
checks keep such a page from posting events or swapping the policy:

- `Host` must name this service: an IP address, `localhost`, the `--host` name or an
  `--allowed-host` name. A DNS-rebinding page reaches us under its own domain name,
  which is none of these.
- A request that can change something (any method but GET, HEAD, OPTIONS) with an
  `Origin` must come from this service's own origin; a cross-site page is refused.
- A POST, PUT or PATCH must say `Content-Type: application/json`. A browser sends only
  plain-text and form bodies across sites without asking first (a CORS preflight, which
  this service never grants), so a page cannot post JSON to it.

On top of these, an endpoint that changes the service's state (the policy reload)
needs the service's bearer token (`require_token`), compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .schemas import error_body

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
LOCAL_NAMES = ("localhost",)
TOKEN_MIN_LENGTH = 16
TOKEN_HELP = "send the service's token as `Authorization: Bearer TOKEN`"  # noqa: S105 (advice, not a secret)


class AccessError(Exception):
    """A request refused before it reached a route: an HTTP status and the one-line reason."""

    def __init__(self, status: int, message: str, help: str | None = None) -> None:
        self.status, self.message, self.help = status, message, help
        super().__init__(message)

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        body = error_body(self.message, [("$", self.message)], self.help)
        return JSONResponse(body, status_code=self.status, headers=headers)


@dataclass(frozen=True)
class Access:
    """What the service trusts: its token (None: reload over HTTP is off) and its host names."""

    token: str | None = None
    hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.token is not None and len(self.token) < TOKEN_MIN_LENGTH:
            raise ValueError(f"the token is shorter than {TOKEN_MIN_LENGTH} characters")
        names = {h.lower().strip("[]") for h in (*LOCAL_NAMES, *self.hosts) if h}
        object.__setattr__(self, "hosts", tuple(sorted(names)))

    @classmethod
    def for_host(cls, bound: str, token: str | None = None, extra: Iterable[str] = ()) -> Access:
        """The access rules of a service bound to `bound` (a name or an address)."""
        return cls(token, (bound, *extra))

    def host_allowed(self, host: str) -> bool:
        return _is_ip(host) or host in self.hosts

    def check(self, method: str, headers: dict[str, str]) -> None:
        """Raise AccessError if the request may not reach any route."""
        raw_host = headers.get("host")
        if not raw_host:
            raise AccessError(400, "request without a `Host` header refused")
        host = _hostname(raw_host)
        if host is None or not self.host_allowed(host):
            raise AccessError(
                400,
                f"request for host `{shown(raw_host)}` refused: this service answers for "
                + ", ".join(f"`{h}`" for h in self.hosts)
                + " and IP addresses",
                "a name this service is reached by must be given to `serve --allowed-host NAME`",
            )
        if method in SAFE_METHODS:
            return
        origin = headers.get("origin")
        if origin is not None and not _same_origin(origin, raw_host):
            raise AccessError(
                403,
                f"cross-site request refused: Origin `{shown(origin)}` is not this service",
                "a web page may only post to the service it was served by",
            )
        if method in BODY_METHODS:
            _check_json(headers.get("content-type"))

    def check_token(self, authorization: str | None) -> None:
        if self.token is None:
            raise AccessError(
                403,
                "this endpoint is off: the service was started without a token",
                "start `serve` with `--token-file FILE` or SALESOPS_RULES_TOKEN to reload over HTTP; "
                "SIGHUP reloads without one",
            )
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise AccessError(401, "this endpoint needs the service's token", TOKEN_HELP)
        if not hmac.compare_digest(given.strip().encode("utf-8"), self.token.encode("utf-8")):
            raise AccessError(401, "the token is not the service's token", TOKEN_HELP)


class AccessMiddleware:
    """Runs `Access.check` on every HTTP request, whatever route (or none) it is for."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app, self.access = app, access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                self.access.check(scope["method"], headers_of(scope))
            except AccessError as refusal:
                await refusal.response()(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def require_token(request: Request) -> None:
    """A route dependency: the request carries the service's token (state-changing endpoints)."""
    access: Access = request.app.state.access
    access.check_token(request.headers.get("authorization"))


def _check_json(content_type: str | None) -> None:
    media, _, params = (content_type or "").partition(";")
    media = media.strip().lower()
    if media != "application/json":
        given = f"`{shown(media)}`" if media else "none"
        raise AccessError(
            415,
            f"only `application/json` bodies are accepted, not {given}",
            "send the header `Content-Type: application/json`",
        )
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise AccessError(415, f"only UTF-8 bodies are accepted, not `{shown(value.strip())}`")


def _hostname(host: str) -> str | None:
    """The host name of a `Host` header value (port and IPv6 brackets dropped), lowercased."""
    try:
        name = urlsplit("//" + host).hostname
    except ValueError:
        return None
    return name.lower() if name else None


def _same_origin(origin: str, host: str) -> bool:
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False  # `null` (a sandboxed page, a file) or anything else
    default = 443 if parts.scheme == "https" else 80
    try:
        want = urlsplit("//" + host)
        want_port = want.port
    except ValueError:
        return False
    return (parts.hostname.lower(), port or default) == ((want.hostname or "").lower(), want_port or default)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def shown(text: str, limit: int = 80) -> str:
    """User input as quoted in a message: one line, bounded."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= limit else clean[:limit] + "…"


def headers_of(scope: Scope) -> dict[str, str]:
    # A repeated header keeps its last value; none of the checked ones may repeat in HTTP.
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
