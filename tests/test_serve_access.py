"""Who may talk to the service: JSON bodies only, the `Host` and `Origin` checks, the reload token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from salesops_rules.service.app import create_app
from salesops_rules.service.guard import Access
from salesops_rules.service.holder import PolicyHolder
from serving import TOKEN, Reply, bearer, call, running

EXAMPLE = (Path(__file__).resolve().parent.parent / "examples" / "new-customer-custom-order.json").read_text(
    encoding="utf-8"
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    access = Access(TOKEN, hosts=("rules.internal",))
    with running(create_app(PolicyHolder(limits=None), access=access)) as base:
        yield base


def post(url: str, path: str, body: str = EXAMPLE, **options: object) -> Reply:
    return call("POST", url + path, body, **options)  # type: ignore[arg-type]


def port_of(url: str) -> str:
    return url.rsplit(":", 1)[1]


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("text/plain", "`text/plain`"),
        ("text/plain;charset=UTF-8", "`text/plain`"),
        ("application/x-www-form-urlencoded", "`application/x-www-form-urlencoded`"),
        ("multipart/form-data; boundary=x", "`multipart/form-data`"),
        (None, "none"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/evaluate", "/v1/explain", "/v1/policy/reload", "/no/such/route"])
def test_every_post_without_a_json_body_is_415(
    url: str, path: str, content_type: str | None, shown: str
) -> None:
    reply = post(url, path, content_type=content_type, headers=bearer())
    assert reply.status == 415, reply.text
    message = f"only `application/json` bodies are accepted, not {shown}"
    assert reply.json() == {
        "error": message,
        "problems": [{"path": "$", "message": message}],
        "help": "send the header `Content-Type: application/json`",
    }


@pytest.mark.parametrize("content_type", ["application/json", "Application/JSON; charset=utf-8"])
def test_json_bodies_are_decided(url: str, content_type: str) -> None:
    reply = post(url, "/v1/evaluate", content_type=content_type)
    assert reply.status == 200, reply.text
    assert reply.json()["event_id"] == "HT-2011-1207"


def test_a_json_body_in_another_charset_is_415(url: str) -> None:
    reply = post(url, "/v1/evaluate", content_type="application/json; charset=latin-1")
    assert reply.status == 415
    assert reply.json()["error"] == "only UTF-8 bodies are accepted, not `latin-1`"


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "LocalHost", "rules.internal", "[::1]", "10.1.2.3"]
)
def test_the_service_answers_for_its_names_and_ip_addresses(url: str, host: str) -> None:
    reply = call("GET", url + "/healthz", headers={"Host": f"{host}:{port_of(url)}"})
    assert reply.status == 200, reply.text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_foreign_host_name_is_refused(url: str, method: str) -> None:
    # DNS rebinding: a page on evil.example resolves its own name to 127.0.0.1 and calls us.
    reply = call(method, url + "/v1/policy", headers={"Host": f"evil.example:{port_of(url)}"})
    assert reply.status == 400
    body = reply.json()
    assert body["error"] == (
        f"request for host `evil.example:{port_of(url)}` refused: this service answers for "
        "`localhost`, `rules.internal` and IP addresses"
    )
    assert body["help"] == "a name this service is reached by must be given to `serve --allowed-host NAME`"


def test_a_cross_site_origin_is_refused_before_anything_happens(url: str) -> None:
    for path in ("/v1/evaluate", "/v1/policy/reload"):
        reply = post(url, path, headers={"Origin": "http://evil.example", **bearer()})
        assert reply.status == 403, path
        assert (
            reply.json()["error"]
            == "cross-site request refused: Origin `http://evil.example` is not this service"
        )


@pytest.mark.parametrize(
    "origin",
    [
        "null",
        "http://127.0.0.1",
        "http://127.0.0.1:1",
        "file://",
        "http://localhost:{port}",
        "http://[::1]:{port}",
    ],
)
def test_an_origin_that_is_not_this_service_is_refused(url: str, origin: str) -> None:
    host = url.removeprefix("http://")
    reply = post(url, "/v1/evaluate", headers={"Origin": origin.format(host=host, port=port_of(url))})
    assert reply.status == 403, reply.text


def test_a_page_of_this_service_may_post(url: str) -> None:
    reply = post(url, "/v1/evaluate", headers={"Origin": url})
    assert reply.status == 200, reply.text


def test_reload_without_a_token_is_401(url: str) -> None:
    reply = post(url, "/v1/policy/reload", "")
    assert reply.status == 401
    assert reply.headers["www-authenticate"] == "Bearer"
    assert reply.json() == {
        "error": "this endpoint needs the service's token",
        "problems": [{"path": "$", "message": "this endpoint needs the service's token"}],
        "help": "send the service's token as `Authorization: Bearer TOKEN`",
    }


@pytest.mark.parametrize(
    "header", ["Bearer wrong-token-0123456789", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "]
)
def test_reload_with_a_wrong_token_is_401(url: str, header: str) -> None:
    reply = post(url, "/v1/policy/reload", "", headers={"Authorization": header})
    assert reply.status == 401
    assert reply.json()["error"] in {
        "the token is not the service's token",
        "this endpoint needs the service's token",
    }


def test_reload_with_the_token_reloads(url: str) -> None:
    reply = post(url, "/v1/policy/reload", "", headers=bearer())
    assert reply.status == 200, reply.text
    assert reply.json()["reloaded"] is True


def test_without_a_token_reload_over_http_is_off() -> None:
    with running(create_app(PolicyHolder(limits=None))) as base:
        reply = post(base, "/v1/policy/reload", "", headers=bearer())
        decided = post(base, "/v1/evaluate")
    assert reply.status == 403
    assert reply.json()["error"] == "this endpoint is off: the service was started without a token"
    assert decided.status == 200


def test_a_short_token_is_refused() -> None:
    with pytest.raises(ValueError, match="shorter than 16 characters"):
        Access("short")


def test_openapi_says_reload_needs_the_token(url: str) -> None:
    document = json.loads(call("GET", url + "/openapi.json").text)
    reload = document["paths"]["/v1/policy/reload"]["post"]
    assert reload["security"] == [{"token": []}]
    assert {"401", "403", "409", "415"} <= set(reload["responses"])
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert "415" in document["paths"]["/v1/evaluate"]["post"]["responses"]


def test_the_issues_reload_from_a_web_page_is_refused(url: str) -> None:
    # Issue 12: reload accepted `Content-Type: text/plain` from `Origin: http://evil.example`.
    reply = post(
        url, "/v1/policy/reload", "", content_type="text/plain", headers={"Origin": "http://evil.example"}
    )
    assert reply.status == 403
    assert (
        reply.json()["error"]
        == "cross-site request refused: Origin `http://evil.example` is not this service"
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_the_issues_event_from_a_web_page_is_refused(url: str, content_type: str) -> None:
    # Issue 12: evaluate accepted text/plain and form bodies, so any page could post events.
    reply = post(url, "/v1/evaluate", content_type=content_type)
    assert reply.status == 415
