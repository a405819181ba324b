"""One side of `bench_refs.py`: loads the salesops_rules found on PYTHONPATH and times it on request.

    PYTHONPATH=<checkout>/src python benchmarks/ref_worker.py EVENTS.json CLOCK

It reads the events (a JSON object: kind -> list of events) once, loads the policy bundled
with that checkout, answers `ready` with where it imported the package from, then serves
one JSON command per line on stdin, one JSON answer per line on stdout:

- `{"check": KIND}`: a digest of the decisions' JSON content on the kind's events (or the
  one-line error the first event raised), so that the two sides can be told apart;
- `{"time": KIND}`: the seconds one pass of `evaluate` over the kind's events took.

It uses only `load_policy` and `Policy.evaluate`, the public API every ref has, so that the
same worker runs against an old commit and the working tree alike.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sys
import time
from typing import Any

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _digest(policy: Any, events: list[dict[str, Any]]) -> dict[str, Any]:
    digest = hashlib.sha256()
    for event in events:
        try:
            content = policy.evaluate(event).model_dump(mode="json")
        except Exception as error:  # a ref that refuses the benchmark's events is reported, not timed
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            return {"error": f"event `{event.get('id')}`: {first}"}
        digest.update(json.dumps(content, sort_keys=True, ensure_ascii=False).encode())
    return {"digest": digest.hexdigest()}


def main() -> None:
    events_path, clock_name = sys.argv[1], sys.argv[2]
    clock = CLOCKS[clock_name]
    with open(events_path, encoding="utf-8") as handle:  # noqa: PTH123  (a plain read, kept short)
        by_kind: dict[str, list[dict[str, Any]]] = json.load(handle)
    import salesops_rules

    policy = salesops_rules.load_policy()
    evaluate = policy.evaluate
    print(json.dumps({"ready": salesops_rules.__file__}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if "check" in command:
            answer = _digest(policy, by_kind[command["check"]])
        else:
            events = by_kind[command["time"]]
            gc.collect()
            start = clock()
            for event in events:
                evaluate(event)
            answer = {"seconds": clock() - start}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
