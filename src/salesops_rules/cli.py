"""The command line: a thin shell over the library.

Exit codes: 0 a decision was made (whatever its verdict), 1 the policy has errors
(lint), 2 bad input (an event or a policy that does not load), with a one-line message.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from .engine import explain as explain_mod
from .errors import EventError, PolicyError
from .policy import Policy, load_policy

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class BadInputError(Exception):
    """A user-facing failure: printed on one line (plus detail lines), exit 2."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        self.message, self.details = message, list(details)
        super().__init__(message)


def read_event(path: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"cannot read `{path}`: {error.strerror}") from None
    try:
        # JSON numbers become Decimal: 12000.50 stays exact.
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise BadInputError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{path}: an event is a JSON object")
    return data


def _policy(args: argparse.Namespace) -> Policy:
    try:
        return load_policy(args.policy)
    except PolicyError as error:
        raise BadInputError(error.message.splitlines()[0], error.message.splitlines()[1:]) from None


def cmd_check(args: argparse.Namespace) -> int:
    policy = _policy(args)
    decision = policy.evaluate(read_event(args.event))
    if args.json:
        print(json.dumps(decision.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(f"{decision.event_id}: {decision.verdict}")
        for v in decision.violations:
            print(f"  violation {v.code} [{v.cite.label}]: {v.message_en}")
        for o in decision.obligations:
            print(f"  obligation {o.code} [{o.cite.label}]: {o.message_en}")
        for a in decision.approvals:
            if not a.satisfied:
                print(f"  approval {a.role} ({a.action}) [{a.cite.label}] not satisfied")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    policy = _policy(args)
    decision, trace = policy.trace(read_event(args.event))
    print("\n".join(explain_mod.lines(policy.compiled, decision, trace, args.lang)).rstrip())
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesops-rules",
        description="Check business events against 《销售后勤管理制度》 and explain the decisions.",
    )
    parser.add_argument(
        "--policy", metavar="DIR", default=None, help="policy folder (default: the bundled policy)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="judge one event and print the verdict")
    check.add_argument("event", help="event JSON file, or - for standard input")
    check.add_argument("--json", action="store_true", help="print the whole decision as JSON")
    check.set_defaults(run=cmd_check)
    explain = sub.add_parser("explain", help="explain a decision clause by clause")
    explain.add_argument("event", help="event JSON file, or - for standard input")
    explain.add_argument("--lang", choices=["zh", "en"], default="en")
    explain.set_defaults(run=cmd_explain)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except EventError as error:
        print(f"salesops-rules: {error.message}", file=sys.stderr)
        for line in error.details()[1:]:
            print(f"  also: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInputError as error:
        print(f"salesops-rules: {error.message}", file=sys.stderr)
        for line in error.details:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    return code


if __name__ == "__main__":
    sys.exit(main())
