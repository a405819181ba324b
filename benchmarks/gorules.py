"""The table of 第二十四条 on zen-engine (GoRules) beside our engine, for `bench_evaluate.py`.

`article24.jdm.json` is the table of docs/contract.md §1 (customer.type, product_class, amount ->
deposit_ratio, payment_on_delivery; 8 rows, hit policy `first`: the rows do not overlap,
so the first match is the only one) as a GoRules JDM decision graph: an input node, one
decision table node, an output node. The events are given to zen as they are given to
our engine (dicts with the amount as a decimal string, which the table's input column
reads with `number(amount)`).

Our side is measured twice: the full decision of the bundled policy, and a table-only
policy: the bundled policy folder cut down to the one rule `contract.payment-terms`, so
that it does what zen does plus what our engine always does (validate the whole event,
build a Decision with its citations).

zen-engine is an optional dependency of the benchmark (`pip install zen-engine`); without
it the comparison is skipped with a message.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from salesops_rules import Policy, load_policy
from salesops_rules.core.loader import SPECIAL_FILES

JDM = Path(__file__).resolve().with_name("article24.jdm.json")
POLICY_DIR = Path(__file__).resolve().parents[1] / "policy"
TABLE_RULE = "contract.payment-terms"
CENT = Decimal("0.01")
MISSING = "zen-engine is not installed; `pip install zen-engine` (2.1 or later) to compare with GoRules"

# (deposit_ratio as a 2-place string or None, payment_on_delivery or None)
Terms = tuple[str | None, bool | None]


def zen_evaluators() -> dict[str, Callable[[dict[str, Any]], Any]] | str:
    """zen's two synchronous ways to evaluate the JDM, by name; or why there are none.

    `ZenDecision.evaluate` (`create_decision`) and `ZenEngine.evaluate` (a loader, the
    decision cached by key) differ in speed; both are timed and the faster is the figure.
    """
    try:
        import zen  # optional: the benchmark runs without it
    except ImportError:
        return MISSING
    content = JDM.read_text(encoding="utf-8")
    decision = zen.ZenEngine().create_decision(content)
    engine = zen.ZenEngine({"loader": lambda key: content})
    return {
        "zen_decision_evaluate": decision.evaluate,
        "zen_engine_evaluate": lambda event: engine.evaluate("article24.jdm.json", event),
    }


def zen_terms(response: dict[str, Any]) -> Terms:
    """The terms of zen's response; zen gives numbers as floats, read back to 2 places."""
    result = response["result"]
    ratio = result.get("deposit_ratio")
    return (
        None if ratio is None else str(Decimal(str(ratio)).quantize(CENT)),
        result.get("payment_on_delivery"),
    )


def engine_terms(policy: Policy, event: dict[str, Any]) -> Terms:
    """The same terms of our decision. No `deposit_ratio` in the values means none is asked
    (existing customer, stock up to 10000) or the article states none (over 10000): zen's
    table has no figure in either row, so both compare as None."""
    values = policy.evaluate(event).model_dump(mode="json")["values"]
    return values.get("deposit_ratio"), values.get("payment_on_delivery")


def table_only_policy(folder: Path) -> Policy:
    """The bundled policy cut down to the table of 第二十四条, written to `folder` and loaded.

    The special files are copied as they are; `contracts.yaml` keeps the one rule, cut
    from the shipped file's text (a YAML round trip would turn 0.30 into a float).
    """
    for name in SPECIAL_FILES:
        shutil.copy(POLICY_DIR / name, folder / name)
    lines = (POLICY_DIR / "contracts.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  - id: {TABLE_RULE}\n")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id: ")), len(lines))
    (folder / "contracts.yaml").write_text("rules:\n" + "".join(lines[start:end]), encoding="utf-8")
    return load_policy(folder)


def disagreement(
    policy: Policy,
    table: Policy,
    evaluate: Callable[[dict[str, Any]], Any],
    events: Sequence[dict[str, Any]],
) -> str | None:
    """None when zen, the table-only policy and the full policy give the same terms on every event."""
    for event in events:
        ours, only, theirs = (
            engine_terms(policy, event),
            engine_terms(table, event),
            zen_terms(evaluate(event)),
        )
        if not ours == only == theirs:
            return (
                f"on event `{event['id']}` the terms (deposit_ratio, payment_on_delivery) differ: "
                f"policy {ours}, table-only policy {only}, zen-engine {theirs}"
            )
    return None
