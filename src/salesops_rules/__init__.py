"""salesops-rules: a company regulation as declarative YAML rules (a policy pack), and an
evaluator that cites them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import EventError, Finding, PolicyError
    from .model.decision import Decision
    from .policy import Policy, load_policy

__all__ = ["Decision", "EventError", "Finding", "Policy", "PolicyError", "load_policy"]
__version__ = "0.1.0"

# Each public name is imported from its module when it is first used (PEP 562), so that
# `import salesops_rules.cli` (or any submodule) pays for the modules it needs only: the
# command line's start is issue 13's target. `from salesops_rules import X` works as before.
_HOME = {
    "Decision": ".model.decision",
    "EventError": ".errors",
    "Finding": ".errors",
    "PolicyError": ".errors",
    "Policy": ".policy",
    "load_policy": ".policy",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
