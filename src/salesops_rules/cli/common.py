"""What every command shares: the policy option, reading an event, loading the policy, the
exit codes, errors as text or JSON, and help that shows every default."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..core import cache
from ..errors import Finding, PolicyError
from ..model import jsonread
from ..policy import Policy, load_policy
from .codes import EXIT_BAD_INPUT as EXIT_BAD_INPUT
from .codes import EXIT_FINDINGS as EXIT_FINDINGS
from .codes import EXIT_OK as EXIT_OK


class BadInputError(Exception):
    """A user-facing failure: printed on one line (plus detail lines), exit 2.

    `findings` are the policy's own, kept whole for `--json`; `details` are their lines as printed.
    """

    def __init__(self, message: str, details: Sequence[str] = (), findings: Sequence[Finding] = ()) -> None:
        self.message, self.details, self.findings = message, list(details), list(findings)
        super().__init__(message)


def error_json(
    message: str,
    problems: Sequence[tuple[str, str]] = (),
    details: Sequence[str] = (),
    findings: Sequence[Finding] = (),
) -> str:
    """An error as `--json` prints it: the service's shape, `{error, problems, help}`, and
    a policy's `findings` whole; other detail lines in `details`."""
    body: dict[str, Any] = {"error": message, "problems": [{"path": p, "message": m} for p, m in problems]}
    if findings:
        body["findings"] = [dataclasses.asdict(f) for f in findings]
    else:
        helps = [line.strip().removeprefix("help: ") for line in details if line.strip().startswith("help: ")]
        others = [line for line in details if not line.strip().startswith("help: ")]
        if others:
            body["details"] = others
        if helps:
            body["help"] = helps[0]
    return json.dumps(body, ensure_ascii=False, indent=2)


# ---- the policy folder: `--policy DIR` everywhere, and a POLICY_DIR argument where one was taken ----

POLICY_HELP = "policy folder (default: the bundled policy)"
NO_CACHE_HELP = (
    "load the policy folder afresh, neither reading nor writing the compiled pack kept in "
    "$SALESOPS_RULES_CACHE, else $XDG_CACHE_HOME/salesops-rules or ~/.cache/salesops-rules"
)


def add_policy(parser: argparse.ArgumentParser, positional: bool = False, cached: bool = True) -> None:
    """`--policy DIR` on a command (as before the command), and the older POLICY_DIR argument;
    `--no-cache` too where the command loads through the cache (`cached`)."""
    if positional:
        parser.add_argument(
            "policy_dir", nargs="?", metavar="POLICY_DIR", help="the same as --policy DIR, written last"
        )
    # SUPPRESS: unless given here, the value written before the command (or None) stands.
    parser.add_argument("--policy", metavar="DIR", default=argparse.SUPPRESS, help=POLICY_HELP)
    if cached:
        parser.add_argument("--no-cache", action="store_true", default=argparse.SUPPRESS, help=NO_CACHE_HELP)


def policy_path(args: argparse.Namespace) -> Path | None:
    """The policy folder named on the command, else `--policy`, else None (the bundled one)."""
    chosen = getattr(args, "policy_dir", None) or getattr(args, "policy", None)
    return Path(chosen) if chosen is not None else None


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


def policy_from(args: argparse.Namespace, what: str | None = None) -> Policy:
    return load_from(policy_path(args), what, cached=not getattr(args, "no_cache", False))


def load_from(path: str | Path | None, what: str | None = None, cached: bool = True) -> Policy:
    """Load a policy folder (through the compiled-pack cache, core/cache.py, unless `cached` is
    False); a folder that does not load is bad input, every finding listed. The notices of a
    folder that loads go to stderr."""
    try:
        policy = Policy(cache.load_policy(path)) if cached else load_policy(path)
    except PolicyError as error:
        head, *rest = error.message.splitlines()
        raise BadInputError(f"{what}: {head}" if what else head, rest, error.findings) from None
    for notice in policy.compiled.notices:  # what load has to say (a pack with no authority)
        print(notice.render(), file=sys.stderr)
    return policy


# ---- help that shows every default ----


class HelpFormatter(argparse.HelpFormatter):
    """Adds `(default: X)` to an option whose help does not say its default already."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            default in (None, False, argparse.SUPPRESS)
            or "default" in text
            or (not action.option_strings and action.nargs not in (argparse.OPTIONAL, argparse.ZERO_OR_MORE))
        ):
            return action.help
        shown = ",".join(default) if isinstance(default, list | tuple) else default
        return f"{text} (default: {shown})".lstrip()


def use_formatter(parser: argparse.ArgumentParser) -> None:
    """Give `parser` and every subcommand under it the formatter that shows defaults."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                use_formatter(child)
