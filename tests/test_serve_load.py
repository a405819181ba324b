"""A bounded load with a reload in the middle: every request answered, none 5xx, the new policy in force."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from salesops_rules.audit.decision_log import DecisionLog
from salesops_rules.core.loader import default_policy_dir
from salesops_rules.service.app import create_app
from salesops_rules.service.candidate import Limits
from salesops_rules.service.guard import Access
from salesops_rules.service.holder import PolicyHolder
from serving import TOKEN, bearer, call, running

# Each client sends REQUESTS, and goes on until it has sent AFTER more once the new policy is
# in. The reload takes a child process's start, which is seconds, or tens of seconds on a
# busy machine: once past REQUESTS, a client waits PACE between requests, so that the load
# goes on through the reload without reaching CAP, however long the reload takes.
CLIENTS, REQUESTS, AFTER, CAP, PACE = 4, 100, 25, 40000, 0.01
EVENT = json.dumps(
    {
        "kind": "contract",
        "id": "C-LOAD",
        "date": "2011-12-01",
        "customer": {"id": "K-1", "type": "existing", "legal_form": "company"},
        "product_class": "stock",
        "amount": "4500",
        "prepared_by": "E-1",
    }
)


def test_load_with_a_reload_in_the_middle(tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(default_policy_dir(), folder)
    log = DecisionLog(tmp_path / "decisions.sqlite")
    holder = PolicyHolder(folder, Limits(seconds=120))
    # (sent after the swap?, status, policy version, decision id)
    answers: list[tuple[bool, int, str, str | None]] = []
    errors: list[str] = []
    quarter, swapped = threading.Event(), threading.Event()
    lock = threading.Lock()

    def client(url: str) -> None:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
        try:
            sent, after_swap = 0, 0
            while (sent < REQUESTS or after_swap < AFTER) and len(answers) < CAP:
                late = swapped.is_set()
                if sent >= REQUESTS and not late:
                    time.sleep(PACE)
                sent, after_swap = sent + 1, after_swap + late
                connection.request("POST", "/v1/evaluate", EVENT, {"Content-Type": "application/json"})
                response = connection.getresponse()
                body = response.read()
                version = json.loads(body)["policy"]["version"] if response.status == 200 else ""
                with lock:
                    answers.append((late, response.status, version, response.getheader("x-decision-id")))
                    if len(answers) >= CLIENTS * REQUESTS // 4:
                        quarter.set()
        except Exception as error:  # an unanswered request is the failure this test looks for
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    with running(create_app(holder, log, access=Access(TOKEN))) as url:
        threads = [threading.Thread(target=client, args=(url,)) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        assert quarter.wait(120)
        manifest = folder / "policy.yaml"
        manifest.write_text(
            manifest.read_text(encoding="utf-8").replace('version: "2011-11"', 'version: "2012-07"'),
            encoding="utf-8",
        )
        reload = call("POST", url + "/v1/policy/reload", "", headers=bearer())
        swapped.set()
        for thread in threads:
            thread.join(300)
        after = call("POST", url + "/v1/evaluate", EVENT)
    log.close()

    assert errors == []
    assert len(answers) < CAP
    assert {status for _, status, _, _ in answers} == {200}
    assert reload.status == 200, reload.text
    assert reload.json()["active"]["version"] == "2012-07"
    before = [version for late, _, version, _ in answers if not late]
    after_swap = [version for late, _, version, _ in answers if late]
    assert len(before) >= CLIENTS * REQUESTS // 4
    assert len(after_swap) >= CLIENTS * AFTER
    assert set(before) <= {"2011-11", "2012-07"} and before[0] == "2011-11"
    assert set(after_swap) == {"2012-07"}  # a request sent once the reload answered is under the new policy
    assert after.json()["policy"]["version"] == "2012-07"
    with DecisionLog(tmp_path / "decisions.sqlite", create=False) as reread:
        entries = reread.entries()
    assert len(entries) == len(answers) + 1  # every answer logged, and nothing else
    assert sorted(int(i) for *_, i in answers if i is not None) == [e.id for e in entries][:-1]
