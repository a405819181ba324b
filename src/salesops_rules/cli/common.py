"""What every command shares: reading an event, loading the policy, the exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import PolicyError
from ..model import jsonread
from ..policy import Policy, load_policy

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class BadInputError(Exception):
    """A user-facing failure: printed on one line (plus detail lines), exit 2."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        self.message, self.details = message, list(details)
        super().__init__(message)


def read_json(path: str) -> Any:
    """The event file at `path` (`-`: standard input) read by the one JSON reader of events."""
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)  # a test's StringIO has none
            raw = stream.read(jsonread.MAX_BYTES + 1) if stream else sys.stdin.read().encode("utf-8")
        else:
            with Path(path).open("rb") as file:  # no more than the limit, whatever the file's size
                raw = file.read(jsonread.MAX_BYTES + 1)
    except OSError as error:
        raise BadInputError(f"cannot read `{path}`: {error.strerror}") from None
    try:
        # JSON numbers with a fraction become Decimal: 12000.50 stays exact.
        return jsonread.load_bytes(raw)
    except jsonread.JsonInputError as error:
        if error.line is not None:
            raise BadInputError(f"{path}:{error.line}:{error.column}: invalid JSON: {error.reason}") from None
        if error.path is not None:
            raise BadInputError(f"{path}: invalid JSON: {error.message}") from None
        raise BadInputError(f"{path}: {error.message}") from None  # not UTF-8, too big


def read_event(path: str) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: an event is a JSON object")
    return data


def policy_from(args: argparse.Namespace) -> Policy:
    try:
        return load_policy(args.policy)
    except PolicyError as error:
        head, *rest = error.message.splitlines()
        raise BadInputError(head, rest) from None
