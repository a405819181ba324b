"""`check` and `explain`: judge one event."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from ..core.asof import judgement_time
from ..render import formats as render_mod
from .common import EXIT_OK, BadInputError, add_policy, policy_from, read_event


def as_of_from(args: argparse.Namespace) -> dt.datetime | None:
    """`--as-of` as the judgement time, or None; a value that is no date or timestamp is bad input."""
    try:
        return judgement_time(args.as_of)
    except ValueError as error:
        raise BadInputError(str(error)) from None


def add_as_of(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--as-of",
        metavar="TIME",
        default=None,
        help="judge as of this ISO date or timestamp: a duty whose deadline has passed by then is "
        f"breached (default: {default})",
    )


def cmd_check(args: argparse.Namespace) -> int:
    policy = policy_from(args)
    decision = policy.evaluate(read_event(args.event), as_of=as_of_from(args))
    if args.json:
        print(json.dumps(decision.to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{decision.event_id}: {decision.verdict}")
    for v in decision.violations:
        print(f"  violation {v.code} [{v.cite.label}]: {v.message_en}")
    for o in decision.obligations:
        due = f" (due before {o.deadline.isoformat(sep=' ', timespec='minutes')})" if o.deadline else ""
        print(f"  obligation {o.code} [{o.cite.label}]: {o.message_en}{due}")
    for a in decision.approvals:
        if not a.satisfied:
            print(f"  approval {a.role} ({a.action}) [{a.cite.label}] not satisfied")
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    policy = policy_from(args)
    decision, trace = policy.trace(read_event(args.event), as_of=as_of_from(args))
    print(render_mod.render(args.format, policy.compiled, decision, trace, args.lang).rstrip("\n"))
    return EXIT_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser("check", help="judge one event and print the verdict")
    check.add_argument("event", help="event JSON file, or - for standard input")
    add_policy(check)
    check.add_argument("--json", action="store_true", help="print the whole decision, or the error, as JSON")
    add_as_of(check, "the latest time the event records")
    check.set_defaults(run=cmd_check)
    explain = sub.add_parser("explain", help="explain a decision clause by clause")
    explain.add_argument("event", help="event JSON file, or - for standard input")
    add_policy(explain)
    explain.add_argument("--lang", choices=["zh", "en"], default="en", help="language of the explanation")
    explain.add_argument(
        "--format",
        choices=render_mod.FORMATS,
        default="text",
        help="json: the decision and the trace; html: one self-contained page",
    )
    add_as_of(explain, "the latest time the event records")
    explain.set_defaults(run=cmd_explain)
