"""The HTTP service against a real uvicorn server on 127.0.0.1: answers, errors, the decision log."""

from __future__ import annotations

import dataclasses
import http.client
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bundled_events import EVENT_MODELS
from salesops_rules.audit.decision_log import DecisionLog
from salesops_rules.core.fingerprint import policy_hash
from salesops_rules.core.loader import default_policy_dir
from salesops_rules.render import explain as explain_mod
from salesops_rules.service.app import MAX_BODY_BYTES, create_app
from salesops_rules.service.holder import PolicyHolder
from salesops_rules.tools.cases import load_cases
from serving import Reply, call, running

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE = (EXAMPLES / "new-customer-custom-order.json").read_text(encoding="utf-8")


def contract(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "kind": "contract",
        "id": "C-7",
        "date": "2011-12-01",
        "customer": {"id": "K-1", "type": "new", "legal_form": "company"},
        "product_class": "stock",
        "amount": "3333.33",
        "prepared_by": "E-1",
    }
    event.update(fields)
    return event


class Service:
    def __init__(self, url: str, holder: PolicyHolder, log: DecisionLog) -> None:
        self.url, self.holder, self.log = url, holder, log

    def post(self, path: str, body: bytes | str | dict[str, Any]) -> Reply:
        text = json.dumps(body) if isinstance(body, dict) else body
        return call("POST", self.url + path, text)

    def get(self, path: str) -> Reply:
        return call("GET", self.url + path)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    holder = PolicyHolder()
    log = DecisionLog(tmp_path_factory.mktemp("log") / "decisions.sqlite")
    with running(create_app(holder, log)) as url:
        yield Service(url, holder, log)
    log.close()


def test_evaluate_answers_the_library_decision_and_logs_it(service: Service) -> None:
    reply = service.post("/v1/evaluate", EXAMPLE)
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    expected = service.holder.active.policy.evaluate(json.loads(EXAMPLE, parse_float=Decimal))
    assert json.loads(reply.text) == expected.model_dump(mode="json")

    entry = service.log.get(int(reply.headers["x-decision-id"]))
    assert entry is not None
    assert (entry.event_id, entry.kind, entry.verdict, entry.source) == (
        "HT-2011-1207",
        "contract",
        "pending",
        "serve",
    )
    assert entry.rules == tuple(expected.rules)
    assert (entry.policy_name, entry.policy_version) == ("puguang-sales-logistics", "2011-11")
    assert entry.policy_hash == policy_hash(default_policy_dir())
    assert entry.event == json.loads(EXAMPLE, parse_float=Decimal)
    assert entry.decision == json.loads(reply.text)


@pytest.mark.parametrize(
    ("amount", "product_class", "deposit"),
    [("3333.33", "stock", "666.67"), ("1234.57", "custom", "617.29")],
)
def test_json_numbers_are_read_as_exact_decimals(
    service: Service, amount: str, product_class: str, deposit: str
) -> None:
    # The amount goes as a bare JSON number; a float would be refused by the money fields.
    body = json.dumps(contract(product_class=product_class, amount="AMOUNT")).replace('"AMOUNT"', amount)
    assert f'"amount": {amount}' in body
    reply = service.post("/v1/evaluate", body)
    assert reply.status == 200, reply.text
    assert reply.json()["values"]["deposit_amount"] == deposit


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_explain_gives_the_decision_and_the_renderer_lines(service: Service, lang: str) -> None:
    reply = service.post(f"/v1/explain?lang={lang}", EXAMPLE)
    assert reply.status == 200
    policy = service.holder.active.policy
    decision, trace = policy.trace(json.loads(EXAMPLE, parse_float=Decimal))
    expected = explain_mod.lines(policy.compiled, decision, trace, "zh" if lang == "zh" else "en")
    body = json.loads(reply.text)
    assert body["lines"] == "\n".join(expected).rstrip().split("\n")
    assert body["decision"] == decision.model_dump(mode="json")
    assert service.log.get(int(reply.headers["x-decision-id"])) is not None


def test_explain_defaults_to_english(service: Service) -> None:
    reply = service.post("/v1/explain", EXAMPLE)
    assert reply.json()["lines"][0].startswith(
        "Decision HT-2011-1207 (contract) under puguang-sales-logistics"
    )


def test_a_bad_event_is_422_naming_the_field(service: Service) -> None:
    reply = service.post("/v1/evaluate", contract(amount="-5"))
    assert reply.status == 422
    assert reply.json() == {
        "error": "invalid event: $.amount: `-5` is negative",
        "problems": [{"path": "$.amount", "message": "`-5` is negative"}],
    }


def test_every_problem_of_an_event_is_listed(service: Service) -> None:
    reply = service.post("/v1/evaluate", {"kind": "contract", "id": "C-1", "date": "2011-12-01"})
    assert reply.status == 422
    assert reply.json() == {
        "error": "invalid event: $.customer: missing field: expected an object with `id`, `type`, "
        "`legal_form`; $.product_class: missing field: expected one of `stock`, `made_to_order`, `custom`; "
        "$.amount: missing field: expected an amount, a decimal string such as `12000.00`; "
        "$.prepared_by: missing field: expected a non-empty string",
        "problems": [
            {
                "path": "$.customer",
                "message": "missing field: expected an object with `id`, `type`, `legal_form`",
            },
            {
                "path": "$.product_class",
                "message": "missing field: expected one of `stock`, `made_to_order`, `custom`",
            },
            {
                "path": "$.amount",
                "message": "missing field: expected an amount, a decimal string such as `12000.00`",
            },
            {"path": "$.prepared_by", "message": "missing field: expected a non-empty string"},
        ],
    }


def test_an_unknown_kind_is_422_on_kind(service: Service) -> None:
    reply = service.post("/v1/evaluate", {"kind": "refund", "id": "R-1", "date": "2011-12-01"})
    assert reply.status == 422
    assert reply.json()["problems"][0]["path"] == "$.kind"
    assert reply.json()["error"].startswith("invalid event: $.kind: unknown kind `refund`; kinds: `contract`")


def test_an_event_that_is_not_an_object_is_422(service: Service) -> None:
    reply = service.post("/v1/evaluate", "[1, 2]")
    assert reply.status == 422
    assert reply.json() == {
        "error": "invalid event: $: an event is a JSON object, not list",
        "problems": [{"path": "$", "message": "an event is a JSON object, not list"}],
    }


def test_malformed_json_is_400_with_its_position(service: Service) -> None:
    reply = service.post("/v1/evaluate", '{"kind": "contract",\n "id": }')
    assert reply.status == 400
    message = "invalid JSON at line 2 column 8: Expecting value"
    assert reply.json() == {
        "error": message,
        "problems": [{"path": "$", "message": message}],
        "help": "send one event as a JSON object",
    }


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(service: Service, constant: str) -> None:
    reply = service.post("/v1/evaluate", json.dumps(contract(amount="X")).replace('"X"', constant))
    assert reply.status == 400
    assert reply.json()["error"] == f"invalid JSON: $.amount: `{constant}` is not a number JSON allows"


def test_a_body_that_is_not_utf8_is_400(service: Service) -> None:
    reply = service.post("/v1/evaluate", json.dumps(contract(id="合同")).encode("utf-16"))
    assert reply.status == 400
    assert reply.json()["error"] == "request body is not UTF-8: byte 0 is invalid"


def test_an_oversized_body_is_413_before_it_is_sent(service: Service) -> None:
    # Only the headers go out: the service answers from Content-Length without reading a byte.
    host, port = service.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.putrequest("POST", "/v1/evaluate")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
        connection.endheaders()
        response = connection.getresponse()
        status, body = response.status, json.loads(response.read())
    finally:
        connection.close()
    assert status == 413
    assert body["error"] == f"request body is over the limit of {MAX_BODY_BYTES} bytes"


def test_a_chunked_body_over_the_limit_is_413(tmp_path: Path) -> None:
    # No Content-Length: the limit is counted while the body streams in.
    with running(create_app(PolicyHolder(), max_body_bytes=100)) as url:
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            connection.request(
                "POST",
                "/v1/evaluate",
                body=iter([b" " * 60, b" " * 60]),
                headers={"Content-Type": "application/json"},
                encode_chunked=True,
            )
            response = connection.getresponse()
            status, body = response.status, json.loads(response.read())
        finally:
            connection.close()
    assert status == 413
    assert body["error"] == "request body is over the limit of 100 bytes"


def test_an_unknown_language_is_422_naming_the_parameter(service: Service) -> None:
    reply = service.post("/v1/explain?lang=fr", EXAMPLE)
    assert reply.status == 422
    assert reply.json() == {
        "error": "invalid request: `query.lang`: input should be 'zh' or 'en'",
        "problems": [{"path": "query.lang", "message": "input should be 'zh' or 'en'"}],
    }


def test_policy_names_version_hash_and_every_article(service: Service) -> None:
    reply = service.get("/v1/policy")
    assert reply.status == 200
    body = reply.json()
    assert (body["name"], body["version"]) == ("puguang-sales-logistics", "2011-11")
    assert body["hash"] == policy_hash(default_policy_dir())
    assert body["regulation"] == "销售后勤管理制度"
    assert [a["article"] for a in body["articles"]] == list(range(1, 41))
    by_number = {a["article"]: a for a in body["articles"]}
    assert by_number[24]["computable"] is True
    assert "contract.above-10000" in by_number[24]["rules"]
    assert by_number[11]["label"] == "第十一条"
    for article in body["articles"]:
        # An article rules cannot check says why; one they can carries no reason.
        assert (article["reason"] is None) == article["computable"], article["label"]
    assert body["rules"] == len(service.holder.active.policy.compiled.rules)


def test_healthz(service: Service) -> None:
    reply = service.get("/healthz")
    assert reply.status == 200
    body = reply.json()
    assert body["status"] == "ok"
    assert body["decision_log"] is True
    assert body["policy"]["hash"] == service.holder.active.hash


def test_openapi_documents_the_endpoints_and_the_event_kinds(service: Service) -> None:
    reply = service.get("/openapi.json")
    assert reply.status == 200
    document = reply.json()
    assert set(document["paths"]) == {
        "/v1/evaluate",
        "/v1/explain",
        "/v1/policy",
        "/v1/policy/reload",
        "/healthz",
    }
    evaluate = document["paths"]["/v1/evaluate"]["post"]
    body_schema = evaluate["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/Event"}
    # The example event is the pack's own: the first of its test cases, which it decides.
    example = evaluate["requestBody"]["content"]["application/json"]["example"]
    first = load_cases(Path(service.holder.active.policy.compiled.root) / "tests")[0].event
    assert (example["kind"], example["id"]) == (first["kind"], first["id"])
    assert json.loads(json.dumps(example)) == example  # JSON as sent, dates as ISO text
    assert service.holder.active.policy.evaluate(example).event_id == example["id"]
    assert evaluate["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Decision"
    }
    schemas = document["components"]["schemas"]
    kinds = {ref["$ref"].rsplit("/", 1)[1] for ref in schemas["Event"]["oneOf"]}
    assert kinds == {model.__name__ for model in EVENT_MODELS.values()}
    assert "Contract" in kinds
    assert all(kind in schemas for kind in kinds)
    assert set(schemas["Contract"]["required"]) >= {"kind", "id", "customer", "amount"}


def test_a_decision_that_cannot_be_logged_is_not_given_out(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "decisions.sqlite")
    log.close()
    with running(create_app(PolicyHolder(), log)) as url:
        reply = call("POST", url + "/v1/evaluate", EXAMPLE)
    assert reply.status == 503
    assert reply.json() == {
        "error": f"the decision log `{tmp_path / 'decisions.sqlite'}` is closed",
        "problems": [],
    }


def test_without_a_log_the_service_still_decides(tmp_path: Path) -> None:
    with running(create_app(PolicyHolder())) as url:
        reply = call("POST", url + "/v1/evaluate", EXAMPLE)
        health = call("GET", url + "/healthz").json()
    assert reply.status == 200
    assert "x-decision-id" not in reply.headers
    assert health["decision_log"] is False


class _Exploding:
    """A stand-in for a policy with a bug: evaluating raises what no input should cause."""

    name, version = "broken", "0"

    def evaluate(self, event: object) -> object:
        raise RuntimeError("an engine bug")


def test_an_engine_bug_is_a_500_without_a_trace() -> None:
    holder = PolicyHolder()
    holder.active = dataclasses.replace(holder.active, policy=_Exploding())  # type: ignore[arg-type]
    with running(create_app(holder)) as url:
        reply = call("POST", url + "/v1/evaluate", EXAMPLE)
    assert reply.status == 500
    assert reply.json() == {
        "error": "internal error: the service could not answer this request",
        "problems": [],
        "help": "the server's log has the details",
    }
    assert "Traceback" not in reply.text


def test_concurrent_requests_each_get_their_own_log_entry(service: Service) -> None:
    # Decisions that arrive together are committed together; each still gets its own entry.
    replies: dict[str, Reply] = {}

    def client(n: int) -> None:
        for i in range(10):
            event_id = f"C-{n}-{i}"
            replies[event_id] = service.post("/v1/evaluate", contract(id=event_id))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 120
    assert {reply.status for reply in replies.values()} == {200}
    ids = {event_id: int(reply.headers["x-decision-id"]) for event_id, reply in replies.items()}
    assert len(set(ids.values())) == 120
    for event_id, entry_id in ids.items():
        entry = service.log.get(entry_id)
        assert entry is not None
        assert entry.event_id == event_id
        assert entry.decision == json.loads(replies[event_id].text)
