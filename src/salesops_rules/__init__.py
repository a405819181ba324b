"""salesops-rules: a company regulation as declarative YAML rules (a policy pack), and an
evaluator that cites them."""

from .errors import EventError, Finding, PolicyError
from .model.decision import Decision
from .policy import Policy, load_policy

__all__ = ["Decision", "EventError", "Finding", "Policy", "PolicyError", "load_policy"]
__version__ = "0.1.0"
