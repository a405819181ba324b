"""The public face of a loaded policy: `load_policy().evaluate(event)`."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from .core import evaluator
from .core.compiled import CompiledPolicy
from .core.trace import RuleTrace
from .model.decision import Decision
from .model.events import EventBase

AsOf = str | dt.date | dt.datetime | None


class Policy:
    """A compiled policy. Loading checks everything; evaluating parses nothing."""

    def __init__(self, compiled: CompiledPolicy, *, interpret: bool | None = None) -> None:
        """`interpret`: decide with the interpreter, not the generated plans (see `load_policy`);
        None: as the environment variable SALESOPS_RULES_INTERPRET says."""
        if interpret is None:
            interpret = os.environ.get(INTERPRET_VARIABLE, "") not in ("", "0")
        compiled.interpreted = interpret
        self.compiled = compiled

    @property
    def name(self) -> str:
        return self.compiled.name

    @property
    def version(self) -> str:
        return self.compiled.version

    def evaluate(self, event: dict[str, Any] | EventBase, as_of: AsOf = None) -> Decision:
        """Judge one event; raises EventError (a ValueError) naming the field if it is malformed.

        `as_of` (a timestamp, a date meaning its 00:00, or an ISO string) is the time the event
        is judged at: an obligation whose deadline has passed by then is overdue. Without it,
        the event is judged as of the latest time it records itself.
        """
        return evaluator.evaluate(self.compiled, event, None, as_of)  # positional: cheaper per call

    def trace(
        self, event: dict[str, Any] | EventBase, as_of: AsOf = None
    ) -> tuple[Decision, list[RuleTrace]]:
        """The decision together with what every rule of the event's kind saw and did."""
        nodes: list[RuleTrace] = []
        decision = evaluator.evaluate(self.compiled, event, trace=nodes, as_of=as_of)
        return decision, nodes


# Set (to anything but empty or 0) to decide every event with the interpreter: for debugging.
INTERPRET_VARIABLE = "SALESOPS_RULES_INTERPRET"


def load_policy(path: str | Path | None = None, *, interpret: bool | None = None) -> Policy:
    """Load and check a policy folder (the bundled one by default); raises PolicyError.

    Each event kind's rules are then run by a function generated for the kind
    (core/codegen.py). `interpret=True`, or the environment variable
    SALESOPS_RULES_INTERPRET=1, runs them by the interpreter instead, the reference the
    generated functions are tested against: slower, the same decisions.
    """
    from .core import loader  # not at import: a pack read from the cache (cli) does without it

    policy = Policy(loader.load_policy(path), interpret=interpret)
    if not policy.compiled.interpreted:
        # Made now, so that no kind's first event waits for its plan (a policy made from a
        # compiled pack directly, as the command line does, makes each on first use).
        evaluator.generate_plans(policy.compiled)
    return policy
