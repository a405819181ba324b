"""Reloading a running service: a broken policy never replaces a working one; a good one is swapped in."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from salesops_rules import load_policy
from salesops_rules.audit.decision_log import DecisionLog
from salesops_rules.core.fingerprint import policy_hash
from salesops_rules.core.loader import default_policy_dir
from salesops_rules.service import holder as holder_module
from salesops_rules.service.app import create_app
from salesops_rules.service.guard import Access
from salesops_rules.service.holder import PolicyHolder
from salesops_rules.tools.lint import lint_compiled
from serving import TOKEN, bearer, call, running

BAD_RULE = """rules:
  - id: extra.bad-field
    on: contract
    cite: {article: 11}
    when: "amont >= 1000"
    then:
      values: {contract_required: true}
"""


def contract(amount: str) -> str:
    return json.dumps(
        {
            "kind": "contract",
            "id": f"C-{amount}",
            "date": "2011-12-01",
            "customer": {"id": "K-1", "type": "existing", "legal_form": "company"},
            "product_class": "stock",
            "amount": amount,
            "prepared_by": "E-1",
        }
    )


class Running:
    def __init__(self, url: str, folder: Path, log: DecisionLog) -> None:
        self.url, self.folder, self.log = url, folder, log

    def evaluate(self, amount: str = "4500") -> Any:
        reply = call("POST", self.url + "/v1/evaluate", contract(amount))
        assert reply.status == 200, reply.text
        return reply.json(), int(reply.headers["x-decision-id"])

    def reload(self) -> tuple[int, Any]:
        reply = call("POST", self.url + "/v1/policy/reload", headers=bearer())
        return reply.status, reply.json()

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.folder / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"`{old}` is not once in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Running]:
    folder = tmp_path / "policy"
    shutil.copytree(default_policy_dir(), folder)
    log = DecisionLog(tmp_path / "decisions.sqlite")
    with running(create_app(PolicyHolder(folder), log, access=Access(TOKEN))) as url:
        yield Running(url, folder, log)
    log.close()


def test_a_broken_policy_is_refused_and_the_old_one_still_answers(served: Running) -> None:
    old_hash = policy_hash(served.folder)
    (served.folder / "extra.yaml").write_text(BAD_RULE, encoding="utf-8")

    status, body = served.reload()

    assert status == 409
    assert body["reloaded"] is False
    assert body["changed"] is False
    assert body["reason"] == "policy does not load: 1 error"
    assert body["findings"] == [
        {
            "file": str(served.folder / "extra.yaml"),
            "line": 5,
            "column": 5,
            "rule": "extra.bad-field",
            "severity": "error",
            "check": "load",
            "message": "in `amont >= 1000`: unknown name `amont`",
            "help": "did you mean `amount`?",
        }
    ]
    assert body["active"]["hash"] == old_hash
    assert body["active"] == body["previous"]
    decision, entry = served.evaluate()
    assert decision["values"]["report_immediately"] is False
    logged = served.log.get(entry)
    assert logged is not None and logged.policy_hash == old_hash
    assert call("GET", served.url + "/v1/policy").json()["hash"] == old_hash


def test_a_policy_that_loads_but_has_a_lint_error_is_refused(served: Running) -> None:
    # Row 6 of 第二十四条's table made to overlap row 5 at exactly 10000: two deposits for one event.
    served.edit(
        "contracts.yaml",
        '{customer.type: new, product_class: stock, amount: "> 10000"}',
        '{customer.type: new, product_class: stock, amount: ">= 10000"}',
    )
    status, body = served.reload()
    assert status == 409
    assert body["reason"] == "policy has 1 lint error"
    [finding] = body["findings"]
    assert (finding["check"], finding["rule"], finding["severity"]) == (
        "table-overlap",
        "contract.payment-terms",
        "error",
    )
    assert finding["message"].startswith("rows 5 and 6 both match customer.type=new, product_class=stock")
    assert served.evaluate()[0]["policy"]["version"] == "2011-11"


def test_lint_warnings_do_not_stop_a_reload_and_are_passed_on(served: Running) -> None:
    status, body = served.reload()
    assert status == 200
    assert body["reloaded"] is True
    expected = lint_compiled(load_policy(served.folder).compiled)
    assert [(w["check"], w["rule"], w["message"]) for w in body["warnings"]] == [
        (f.check, f.rule, f.message) for f in expected if f.severity == "warning"
    ]
    assert all(w["severity"] == "warning" for w in body["warnings"])


def test_a_yaml_syntax_error_is_refused_with_its_line(served: Running) -> None:
    (served.folder / "extra.yaml").write_text("rules: [\n", encoding="utf-8")
    status, body = served.reload()
    assert status == 409
    assert [(f["file"], f["line"]) for f in body["findings"]] == [(str(served.folder / "extra.yaml"), 2)]
    assert body["findings"][0]["message"].startswith("invalid YAML: ")
    assert served.evaluate()[0]["policy"]["version"] == "2011-11"


def test_a_good_changed_policy_is_swapped_in(served: Running) -> None:
    old_hash = policy_hash(served.folder)
    before, _ = served.evaluate("4500")
    assert before["values"]["report_immediately"] is False
    served.edit("policy.yaml", 'version: "2011-11"', 'version: "2012-07"')
    served.edit("contracts.yaml", '"amount >= 5000"', '"amount >= 4000"')

    status, body = served.reload()

    assert status == 200, body
    assert body["reloaded"] is True
    assert body["changed"] is True
    assert body["previous"]["hash"] == old_hash
    assert body["active"]["version"] == "2012-07"
    assert body["active"]["hash"] == policy_hash(served.folder) != old_hash
    after, entry = served.evaluate("4500")
    assert after["policy"]["version"] == "2012-07"
    assert after["values"]["report_immediately"] is True
    logged = served.log.get(entry)
    assert logged is not None
    assert (logged.policy_version, logged.policy_hash) == ("2012-07", body["active"]["hash"])
    assert call("GET", served.url + "/healthz").json()["policy"] == body["active"]


def test_a_folder_that_disappeared_is_refused(served: Running) -> None:
    shutil.rmtree(served.folder)
    status, body = served.reload()
    assert status == 409
    assert body["reason"] == "policy does not load: 1 error"
    assert body["findings"][0]["message"] == "policy folder does not exist"
    assert served.evaluate()[0]["policy"]["version"] == "2011-11"


def test_requests_during_reloads_each_answer_from_one_policy(served: Running) -> None:
    # Two versions alternate while clients keep asking: every answer, and its log entry,
    # must come wholly from one of them (decision version and logged hash agree).
    versions = {"2011-11": policy_hash(served.folder)}
    failures: list[str] = []
    stop = threading.Event()

    def client() -> None:
        for _ in range(200):
            if stop.is_set():
                return
            reply = call("POST", served.url + "/v1/evaluate", contract("4500"))
            if reply.status != 200:
                failures.append(f"status {reply.status}: {reply.text}")
                return
            version = reply.json()["policy"]["version"]
            logged = served.log.get(int(reply.headers["x-decision-id"]))
            if logged is None or logged.policy_hash != versions[version]:
                failures.append(f"a decision under {version} was logged as {logged}")

    threads = [threading.Thread(target=client) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        old, new = "2011-11", "2012-07"
        for _ in range(4):
            served.edit("policy.yaml", f'version: "{old}"', f'version: "{new}"')
            versions[new] = policy_hash(served.folder)
            status, body = served.reload()
            assert status == 200, body
            assert body["active"]["version"] == new
            old, new = new, old
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert failures == []
    assert {e.policy_version for e in served.log.entries()} <= set(versions)


def test_a_crash_while_checking_in_process_is_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(default_policy_dir(), folder)
    holder = PolicyHolder(folder, limits=None)

    def crash(policy: object) -> list[object]:
        raise RuntimeError("lint crashed")

    monkeypatch.setattr(holder_module, "lint_findings", crash)
    outcome = holder.reload()
    assert outcome.reloaded is False
    assert outcome.reason == "the policy could not be checked: RuntimeError"  # its text is in the log only
    assert outcome.findings == ()
    assert outcome.active is outcome.previous
