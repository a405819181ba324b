"""The two errors of the public API: a policy that does not load, an event that does not fit.

Both are ``ValueError`` so that callers who only know "bad input" can catch one type.
Every message follows one style: lowercase start, user input in backticks, one line;
advice goes into ``help``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    """One thing wrong with a policy folder, located as precisely as the loader can."""

    file: str
    line: int
    column: int
    rule: str | None
    message: str
    help: str | None = None
    severity: str = "error"

    def sort_key(self) -> tuple[str, int, int, str, str, str, str]:
        """File and place first; a finding without a rule sorts before one with (None < str fails)."""
        return (
            self.file,
            self.line,
            self.column,
            self.rule or "",
            self.message,
            self.help or "",
            self.severity,
        )

    def render(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        rule = f" [{self.rule}]" if self.rule else ""
        text = f"{where}: {self.severity}{rule}: {self.message}"
        if self.help:
            text += f"\n  help: {self.help}"
        return text


class PolicyError(ValueError):
    """A policy folder that does not load; ``findings`` lists every error found, in order."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = sorted(findings, key=Finding.sort_key)
        count = len(self.findings)
        head = f"policy does not load: {count} error{'s' if count != 1 else ''}"
        self.message = "\n".join([head, *(f.render() for f in self.findings)])
        super().__init__(self.message)


class EventError(ValueError):
    """An event that does not fit its kind.

    ``path`` is the first offending field, as ``$.customer.type``; ``problems`` lists
    every (path, message) pair found, and the one-line message names them all, so
    nothing the validator said is lost.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        self.path = problems[0][0]
        self.message = "invalid event: " + "; ".join(f"{path}: {message}" for path, message in problems)
        super().__init__(self.message)

    def details(self) -> list[str]:
        return [f"{path}: {message}" for path, message in self.problems]
