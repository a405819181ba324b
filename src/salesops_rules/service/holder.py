"""The policy a running service answers with, and the gate a new one must pass to replace it.

A reload loads the folder again and swaps the new policy in only if it loads, has no
lint error (`tools/lint.py`; its warnings are passed on) and did not change while it
was read; otherwise the working policy stays and the refusal says why. The gate runs in
a child process with a time and a memory limit (`candidate.py`); the service reads the
folder itself only once the child accepted it, and only if its files are the ones the
child checked. The swap is one reference assignment: a request reads `holder.active`
once and keeps that object (policy, hash and all) to the end, so a reload never mixes
two policies in one answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.fingerprint import policy_hash
from ..core.places import default_policy_dir
from ..errors import Finding, PolicyError
from ..policy import Policy, load_policy
from ..tools.lint import lint_compiled
from .candidate import Check, Limits, Verdict, check_in_child, manifest

logger = logging.getLogger("salesops_rules.service")


class PolicyRefusedError(Exception):
    """A policy folder that may not become the active policy; `findings` says what is wrong."""

    def __init__(self, reason: str, findings: list[Finding] | None = None) -> None:
        self.reason, self.findings = reason, list(findings or [])
        super().__init__(reason)


@dataclass(frozen=True)
class ActivePolicy:
    policy: Policy
    hash: str
    loaded_at: str
    warnings: tuple[Finding, ...] = ()
    summary: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        summary = {
            "name": self.policy.name,
            "version": self.policy.version,
            "hash": self.hash,
            "loaded_at": self.loaded_at,
        }
        object.__setattr__(self, "summary", summary)


@dataclass(frozen=True)
class ReloadOutcome:
    reloaded: bool
    active: ActivePolicy
    previous: ActivePolicy
    reason: str | None = None
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "reloaded": self.reloaded,
            "active": self.active.summary,
            "previous": self.previous.summary,
            "changed": self.active.hash != self.previous.hash,
        }
        if self.reloaded:
            body["warnings"] = [finding_json(f) for f in self.active.warnings]
        else:
            body["reason"] = self.reason
            body["findings"] = [finding_json(f) for f in self.findings]
        return body


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "rule": finding.rule,
        "severity": finding.severity,
        # Which lint check found it (`load` for the loader's own); see `tools/lint.py`.
        "check": getattr(finding, "check", "load"),
        "message": finding.message,
        "help": finding.help,
    }


def load_checked(root: Path) -> ActivePolicy:
    """Load a policy folder through the gate; raises PolicyRefusedError with the findings."""
    try:
        return _gate(root)
    except (PolicyRefusedError, MemoryError):
        raise  # a candidate's checker reports running out of memory as such
    except Exception as error:
        # A crash of the loader or of lint is a bug, and leaves the policy unchecked: refuse it.
        logger.exception("checking the policy folder `%s` failed", root)
        # The exception's kind, not its text: the text is the code's business (the log has it).
        raise PolicyRefusedError(f"the policy could not be checked: {type(error).__name__}") from None


def _gate(root: Path) -> ActivePolicy:
    try:
        before = policy_hash(root)
        try:
            policy = load_policy(root)
        except PolicyError as error:
            raise PolicyRefusedError(error.message.splitlines()[0], error.findings) from None
        after = policy_hash(root)
    except OSError as error:
        raise PolicyRefusedError(
            f"cannot read the policy folder `{root}`: {error.strerror or error}"
        ) from None
    if before != after:
        # The hash must name exactly the files that were loaded.
        raise PolicyRefusedError("the policy folder changed while it was being loaded; reload again")
    findings = lint_findings(policy)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        count = len(errors)
        raise PolicyRefusedError(f"policy has {count} lint error{'s' if count != 1 else ''}", errors)
    loaded_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return ActivePolicy(policy, after, loaded_at, tuple(f for f in findings if f.severity != "error"))


def lint_findings(policy: Policy) -> list[Finding]:
    """What lint says beyond loading (the loader's own checks have passed): errors and warnings."""
    return list(lint_compiled(policy.compiled))


def gate_verdict(root: Path) -> Verdict:
    """The gate as a Verdict, what a candidate's child process runs and sends back."""
    try:
        listed = manifest(root)
        active = load_checked(root)
        if manifest(root) != listed:
            return Verdict(False, reason="the policy folder changed while it was being loaded; reload again")
    except PolicyRefusedError as refusal:
        return Verdict(False, reason=refusal.reason, findings=tuple(refusal.findings))
    except OSError as error:
        return Verdict(False, reason=f"cannot read the policy folder `{root}`: {error.strerror or error}")
    return Verdict(True, hash=active.hash, manifest=listed, findings=active.warnings)


def load_accepted(root: Path, verdict: Verdict) -> ActivePolicy:
    """Load a folder a child process accepted, if its files are still the ones it checked."""
    changed = PolicyRefusedError("the policy folder changed after it was checked; reload again")
    try:
        # From `stat` alone: a folder that changed is refused before a byte of it is parsed here.
        if manifest(root) != verdict.manifest:
            raise changed
        policy = load_policy(root)
        digest = policy_hash(root)
    except PolicyRefusedError:
        raise
    except (PolicyError, OSError):
        raise changed from None  # the child loaded these very files, so they changed since
    except Exception as error:
        logger.exception("loading the checked policy folder `%s` failed", root)
        raise PolicyRefusedError(f"the policy could not be loaded: {type(error).__name__}") from None
    if digest != verdict.hash:
        raise changed
    loaded_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return ActivePolicy(policy, digest, loaded_at, verdict.findings)


class PolicyHolder:
    """The service's current policy and the one way to replace it.

    `limits` bound the check of every candidate, the first one included, in a child
    process; `None` checks in this process (the library's own use, and tests that do not
    test the isolation). `check` replaces the child's gate (tests: a slow candidate).
    `after_swap`, if set, runs after a reload has swapped a new policy in (the service
    settles its heap there, `run.settle_heap`).
    """

    after_swap: Callable[[], None] | None = None

    def __init__(
        self,
        path: str | Path | None = None,
        limits: Limits | None = Limits(),  # noqa: B008 (a frozen dataclass)
        check: Check | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_policy_dir()
        self.limits, self.check = limits, check
        self._reload_lock = threading.Lock()
        self.active = self._load(serving=False)

    def _load(self, serving: bool = True) -> ActivePolicy:
        if self.limits is None:
            return load_checked(self.path)
        verdict = check_in_child(self.path, self.limits, self.check or gate_verdict)
        if not verdict.accepted:
            raise PolicyRefusedError(verdict.reason or "the policy was refused", list(verdict.findings))
        if serving and verdict.cpu_seconds > self.limits.pause_seconds:
            raise PolicyRefusedError(
                f"the policy took {verdict.cpu_seconds:.1f} s of CPU to load and check; loading it "
                f"in the running service would hold it about as long (limit {self.limits.pause_seconds:g} s)"
            )
        return load_accepted(self.path, verdict)

    def reload(self) -> ReloadOutcome:
        # One reload at a time; requests go on reading the active policy meanwhile.
        with self._reload_lock:
            previous = self.active
            try:
                candidate = self._load()
            except PolicyRefusedError as refusal:
                return ReloadOutcome(False, previous, previous, refusal.reason, tuple(refusal.findings))
            self.active = candidate
            if self.after_swap is not None:
                self.after_swap()
            return ReloadOutcome(True, candidate, previous)
