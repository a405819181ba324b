"""A candidate policy is checked in a child process with a time and a memory limit.

A policy folder can be hostile or just broken in ways that cost the loader seconds or
gigabytes (YAML aliases that expand a billion times, a number with a huge exponent, tens
of thousands of rules). The service must go on answering meanwhile and must never run
out of memory, so the whole gate (load, lint, hash) runs in a fresh `spawn` process:
its address space is capped with `RLIMIT_AS`, its CPU time with `RLIMIT_CPU`, its
priority lowered, and it is killed when it has not answered within a wall-clock limit
(a child that waits on something rather than computes). The limit is on CPU time, not
on the clock, so a busy machine, which gives the low-priority child little of its CPU,
does not turn a good policy into a refusal. It reports back plain data, a `Verdict`: accepted
with the folder's hash and file manifest, or refused with the reason and the findings
(file:line). Only an accepted folder is then read by the service itself, and only if its
files are still exactly those the child checked (`holder.py`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ..core.fingerprint import policy_files
from ..errors import Finding

MIB = 1 << 20
NICENESS = 10  # the service's requests come first; a reload can wait for the CPU

# (path relative to the folder, size in bytes, modification time in ns) for every file
Manifest = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Limits:
    """How long and how much memory the check of one candidate policy may take.

    `pause_seconds` bounds what a reload costs the service itself: it loads an accepted
    policy once more, which takes about the CPU time the child's check took, and holds
    the interpreter meanwhile. A candidate whose check took more CPU time is refused on
    reload (the first load, before anything is served, is not bounded by it).
    """

    seconds: int = 20  # CPU time
    memory_mib: int = 1024
    pause_seconds: float = 5.0
    wall_seconds: float | None = None  # default: 3 x `seconds` + 10

    def __post_init__(self) -> None:
        if self.seconds < 1 or self.pause_seconds <= 0 or self.memory_mib < 256:
            raise ValueError("a candidate needs positive time limits and at least 256 MiB")

    @property
    def wall(self) -> float:
        return self.wall_seconds if self.wall_seconds is not None else 3.0 * self.seconds + 10


@dataclass(frozen=True)
class Verdict:
    """What the child found: plain data, so nothing of the candidate crosses but text."""

    accepted: bool
    hash: str | None = None
    manifest: Manifest = ()
    reason: str | None = None
    findings: tuple[Finding, ...] = ()  # errors when refused, warnings when accepted
    cpu_seconds: float = 0.0  # what the check cost the child: what loading it again costs the service


def manifest(root: Path) -> Manifest:
    """What the folder holds, from `stat` alone: nothing is read."""
    entries = []
    for path in policy_files(root):
        info = path.stat()
        entries.append((path.relative_to(root).as_posix(), info.st_size, info.st_mtime_ns))
    return tuple(entries)


# The function a child runs on the folder; tests pass a slow one (it must be importable).
Check = Callable[[Path], Verdict]


def check_in_child(root: Path, limits: Limits, check: Check) -> Verdict:
    """Run `check` (the reload gate, `holder.gate_verdict`) on `root` in a limited child process."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main,
        args=(check, str(root), limits, sender),
        name="salesops-rules-candidate",
        daemon=True,
    )
    try:
        child.start()
    except OSError as error:
        receiver.close()
        sender.close()
        return Verdict(False, reason=f"cannot start the process that checks the policy: {error.strerror}")
    sender.close()  # the child holds the only writing end: its death is an EOF here
    try:
        if not receiver.poll(limits.wall):
            return Verdict(
                False, reason=f"checking the policy did not finish within {limits.wall:g} s; it was stopped"
            )
        try:
            verdict = receiver.recv()
        except (EOFError, OSError):
            child.join(5)
            return Verdict(False, reason=_death(child.exitcode, limits))
        if not isinstance(verdict, Verdict):
            return Verdict(False, reason="the process that checks the policy answered nonsense")
        return verdict
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
        with contextlib.suppress(ValueError):
            child.close()


def _death(exitcode: int | None, limits: Limits) -> str:
    if exitcode is not None and -exitcode == getattr(signal, "SIGXCPU", None):
        return f"checking the policy took more than {limits.seconds} s of CPU; it was stopped"
    if exitcode is not None and exitcode < 0:
        return (
            f"the process that checks the policy died of signal {-exitcode} "
            f"(limits: {limits.seconds} s of CPU, {limits.memory_mib} MiB)"
        )
    return f"the process that checks the policy stopped without an answer (exit {exitcode})"


def _child_main(check: Check, root: str, limits: Limits, sender: Connection) -> None:
    _limit(limits)
    start = time.process_time()
    try:
        verdict = check(Path(root))
        verdict = dataclasses.replace(verdict, cpu_seconds=time.process_time() - start)
    except MemoryError:
        verdict = Verdict(False, reason=f"loading the policy needs more than {limits.memory_mib} MiB")
    except BaseException as error:  # the check is meant to report everything as a Verdict
        verdict = Verdict(False, reason=f"the policy could not be checked: {type(error).__name__}")
    try:
        sender.send(verdict)
    except MemoryError:
        sender.send(Verdict(False, reason=f"loading the policy needs more than {limits.memory_mib} MiB"))
    finally:
        sender.close()


def _limit(limits: Limits) -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)
    try:
        import resource
    except ImportError:  # not POSIX: only the time limit holds
        return
    cap = limits.memory_mib * MIB
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # RLIMIT_CPU counts the whole process: the budget starts after the child's imports.
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(used.ru_utime + used.ru_stime) + limits.seconds
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 2))  # SIGXCPU, then SIGKILL
