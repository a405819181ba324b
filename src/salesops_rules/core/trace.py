"""The trace of an evaluation: what each rule saw and did, for `explain` to render."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.citation import Cite
from ..model.decision import Text, ValueInForce


@dataclass(frozen=True)
class Fact:
    """One comparison as it came out on this event: `amount 12000.00 > 10000: true`."""

    text: str
    operands: tuple[tuple[str, str], ...]
    result: bool | None


@dataclass
class RuleTrace:
    rule: str
    cite: Cite
    title: Text | None
    # applied | not_applied | overridden | skipped | not_in_force | error
    status: str
    facts: list[Fact] = field(default_factory=list)
    row: int | None = None
    sets: dict[str, str] = field(default_factory=dict)
    detail: Text | None = None
    overridden_by: str | None = None
    dated: dict[str, ValueInForce] = field(default_factory=dict)  # per value, the dated value taken
