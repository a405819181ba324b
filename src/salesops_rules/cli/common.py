"""What every command shares: reading an event, loading the policy, the exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import PolicyError
from ..policy import Policy, load_policy

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class BadInputError(Exception):
    """A user-facing failure: printed on one line (plus detail lines), exit 2."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        self.message, self.details = message, list(details)
        super().__init__(message)


def read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"cannot read `{path}`: {error.strerror}") from None
    try:
        # JSON numbers become Decimal: 12000.50 stays exact.
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise BadInputError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None


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
