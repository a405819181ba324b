"""`serve` (the HTTP service) and `log show|list` (the decision log it writes)."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import EXIT_OK, BadInputError, add_policy, policy_path

# The log's module (sqlite3, the audit package) is imported by the commands that use it.
if TYPE_CHECKING:
    from ..audit.decision_log import DecisionLog, LoggedDecision
    from ..service.guard import Access

DEFAULT_LOG = "decisions.sqlite"
# The names of the token's variable and advice, not secrets.
TOKEN_ENV = "SALESOPS_RULES_TOKEN"  # noqa: S105
TOKEN_ADVICE = "  help: make one with `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"  # noqa: S105


def open_log(path: str, create: bool, checkpoints: bool = True) -> DecisionLog:
    from ..audit.decision_log import DecisionLog, DecisionLogError

    try:
        return DecisionLog(path, create=create, checkpoints=checkpoints)
    except DecisionLogError as error:
        raise BadInputError(error.message, [f"  help: {error.help}"] if error.help else []) from None


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from ..service import run
        from ..service.candidate import Limits
        from ..service.holder import PolicyHolder, PolicyRefusedError
    except ImportError as error:
        raise BadInputError(
            f"`serve` needs the `{error.name}` package, which is not installed",
            ["  help: pip install 'salesops-rules[serve]'"],
        ) from None
    if args.workers > 1 and not args.no_reload:
        raise BadInputError(
            "reload over HTTP needs one worker: each worker holds its own policy",
            ["  help: add --no-reload; SIGHUP to the service reloads every worker"],
        )
    if args.workers > 1 and not hasattr(os, "fork"):
        raise BadInputError("`--workers` above 1 needs os.fork, which this platform lacks")
    access = access_from(args)  # before anything is loaded: a service without its token never starts
    try:
        limits = Limits(args.reload_cpu, args.reload_memory, args.reload_pause)
        holder = PolicyHolder(policy_path(args), limits)
    except PolicyRefusedError as refusal:
        raise BadInputError(refusal.reason, [f.render() for f in refusal.findings]) from None
    # The service checkpoints the log beside its writers (audit/log_sharing.py).
    log = None if args.no_log else open_log(args.log, create=True, checkpoints=False)
    try:
        sock = run.bind(args.host, args.port)
    except OSError as error:
        raise BadInputError(
            f"cannot listen on `{args.host}:{args.port}`: {error.strerror or error}"
        ) from None
    active = holder.active.summary
    run.hold_signals()  # from the line below on, a signal waits for the service's handlers
    where = "no decision log" if log is None else f"decision log `{log.path}`"
    reload = "reload over HTTP with the token" if access.token is not None else "reload over HTTP off"
    say(
        f"serving {active['name']} {active['version']} (sha256 {active['hash'][:12]}) "
        f"on {run.url_of(sock)}; {where}; {reload}; web page {run.url_of(sock)}/ui"
    )
    options = {"access_log": args.access_log, "on_reload": say, "access": access}
    try:
        if args.workers > 1:
            if run.serve_workers(args.workers, holder, log, sock, **options) != 0:
                raise BadInputError("a worker of the service stopped on an error; the others were stopped")
        else:
            run.serve(holder, log, sock, **options)
    finally:
        run.release_signals()
        sock.close()
        if log is not None:
            log.close()
    return EXIT_OK


def access_from(args: argparse.Namespace) -> Access:
    """Whom the service trusts: its token (from `--token-file` or the environment) and host names."""
    from ..service.guard import TOKEN_MIN_LENGTH, Access

    token = None
    if args.no_reload:
        if args.token_file is not None:
            raise BadInputError("`--no-reload` and `--token-file` contradict each other")
    elif args.token_file is not None:
        token = read_token_file(Path(args.token_file))
    elif os.environ.get(TOKEN_ENV):
        # Out of the environment once read: the processes the service starts need not see it.
        token = os.environ.pop(TOKEN_ENV).strip()
    else:
        raise BadInputError(
            "reload over HTTP needs a token: give `--token-file FILE` or set " + TOKEN_ENV,
            ["  help: or pass `--no-reload` to turn reload over HTTP off (SIGHUP still reloads)"],
        )
    if token is not None and len(token) < TOKEN_MIN_LENGTH:
        raise BadInputError(f"the token is shorter than {TOKEN_MIN_LENGTH} characters", [TOKEN_ADVICE])
    return Access.for_host(args.host, token, args.allowed_host)


def read_token_file(path: Path) -> str:
    """The first line of a token file that only its owner can read."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise BadInputError(f"the token file `{path}` is not a regular file")
        if os.name == "posix" and info.st_mode & 0o077:
            raise BadInputError(
                f"the token file `{path}` can be read by others (mode {stat.S_IMODE(info.st_mode):04o})",
                [f"  help: chmod 600 {path}"],
            )
        with path.open("rb") as file:
            raw = file.read(4096)
    except OSError as error:
        raise BadInputError(f"cannot read the token file `{path}`: {error.strerror}") from None
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise BadInputError(f"the token file `{path}` is not UTF-8 text") from None
    token = lines[0].strip() if lines else ""
    if not token:
        raise BadInputError(f"the token file `{path}` is empty", [TOKEN_ADVICE])
    return token


def say(text: str) -> None:
    print(f"salesops-rules: {text}", file=sys.stderr, flush=True)


def cmd_log_show(args: argparse.Namespace) -> int:
    with open_log(args.log, create=False) as log:
        entry = _read(lambda: log.get(args.id))
    if entry is None:
        raise BadInputError(
            f"no decision `{args.id}` in the decision log `{args.log}`",
            ["  help: `salesops-rules log list` shows the ids"],
        )
    if args.json:
        print(_dumps(entry.to_json()))
        return EXIT_OK
    print("\n".join(show_lines(entry)))
    return EXIT_OK


def show_lines(entry: LoggedDecision) -> list[str]:
    """Which rules decided this, and under which version; then the decision itself."""
    return [
        f"decision {entry.id}, logged {entry.logged_at} by {entry.source}",
        f"event {entry.event_id} ({entry.kind}): verdict {entry.verdict}",
        f"policy {entry.policy_name} version {entry.policy_version}, sha256 {entry.policy_hash}",
        f"decided by {len(entry.rules)} rule{'s' if len(entry.rules) != 1 else ''}:",
        *(f"  {rule}" for rule in entry.rules),
        "decision:",
        _dumps(entry.decision),
    ]


def cmd_log_list(args: argparse.Namespace) -> int:
    with open_log(args.log, create=False) as log:
        entries = _read(lambda: log.entries(event_id=args.event, last=args.last))
    if not entries:
        which = f" for event `{args.event}`" if args.event is not None else ""
        say(f"no decisions{which} in the decision log `{args.log}`")
        return EXIT_OK
    print("id\tlogged_at\tsource\tevent_id\tkind\tverdict\tpolicy\tsha256")
    for e in entries:
        print(
            f"{e.id}\t{e.logged_at}\t{e.source}\t{e.event_id}\t{e.kind}\t{e.verdict}\t"
            f"{e.policy_name} {e.policy_version}\t{e.policy_hash[:12]}"
        )
    return EXIT_OK


def _read(query: Any) -> Any:
    from ..audit.decision_log import DecisionLogError

    try:
        return query()
    except DecisionLogError as error:
        raise BadInputError(error.message) from None


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_decimal_text)


def _decimal_text(value: Any) -> str:
    # Exact decimals read back from an event print as strings, which the event models accept.
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"`{type(value).__name__}` is not JSON")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"`{text}` is not a positive number")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"`{text}` is not between 0 and 3600 seconds")
    return value


def _cpu_seconds(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 3600:
        raise argparse.ArgumentTypeError(f"`{text}` is not a whole number of seconds from 1 to 3600")
    return int(text)


def _memory(text: str) -> int:
    if not text.isdigit() or not 256 <= int(text) <= 1 << 20:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number of MiB from 256 to 1048576")
    return int(text)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve decisions over HTTP (POST /v1/evaluate, /v1/explain; GET /v1/policy)",
        description="Serve decisions over HTTP. SIGHUP or POST /v1/policy/reload (with the token) "
        "loads the policy folder again in a limited child process and swaps it in only if it "
        f"passes the gate. Reload over HTTP needs a token (--token-file, or ${TOKEN_ENV}) unless "
        "--no-reload.",
    )
    add_policy(serve, cached=False)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument(
        "--log", metavar="FILE", default=DEFAULT_LOG, help=f"decision log (default: {DEFAULT_LOG})"
    )
    serve.add_argument("--no-log", action="store_true", help="keep no decision log")
    serve.add_argument("--access-log", action="store_true", help="print one line per HTTP request")
    serve.add_argument(
        "--workers",
        metavar="N",
        type=_positive,
        default=1,
        help="processes serving the same port, each with its own copy of the policy (default: 1; "
        "above 1 needs --no-reload: SIGHUP reloads them all)",
    )
    serve.add_argument(
        "--token-file",
        metavar="FILE",
        default=None,
        help=f"the token POST /v1/policy/reload needs (first line; mode 0600); default: ${TOKEN_ENV}",
    )
    serve.add_argument(
        "--no-reload", action="store_true", help="turn reload over HTTP off (SIGHUP still reloads)"
    )
    serve.add_argument(
        "--allowed-host",
        metavar="NAME",
        action="append",
        default=[],
        help="a host name clients reach the service by, beside --host, localhost and IP addresses "
        "(repeatable; default: none)",
    )
    serve.add_argument(
        "--reload-cpu",
        metavar="SECONDS",
        type=_cpu_seconds,
        default=20,
        help="CPU time limit to load and check a policy (default: 20; the wall clock allows 3x + 10 s)",
    )
    serve.add_argument(
        "--reload-pause",
        metavar="SECONDS",
        type=_positive_seconds,
        default=5.0,
        help="refuse a reload whose policy took more CPU time than this to load and check, since the "
        "service loads it once more itself (default: 5)",
    )
    serve.add_argument(
        "--reload-memory",
        metavar="MIB",
        type=_memory,
        default=1024,
        help="memory limit to load and check a policy, in MiB (default: 1024; at least 256)",
    )
    serve.set_defaults(run=cmd_serve)

    log = sub.add_parser("log", help="read the decision log")
    actions = log.add_subparsers(dest="log_command", required=True)
    show = actions.add_parser(
        "show", help="which rules decided a logged decision, under which policy version"
    )
    show.add_argument("id", type=int, help="the decision's id (the service's X-Decision-Id header)")
    show.add_argument(
        "--log", metavar="FILE", default=DEFAULT_LOG, help=f"decision log (default: {DEFAULT_LOG})"
    )
    show.add_argument(
        "--json", action="store_true", help="print the whole entry, event included, or the error, as JSON"
    )
    show.set_defaults(run=cmd_log_show)
    listing = actions.add_parser("list", help="list logged decisions, oldest first")
    listing.add_argument("--event", metavar="EVENT_ID", default=None, help="only this event's decisions")
    listing.add_argument("--last", metavar="N", type=_positive, default=None, help="only the last N")
    listing.add_argument(
        "--log", metavar="FILE", default=DEFAULT_LOG, help=f"decision log (default: {DEFAULT_LOG})"
    )
    listing.set_defaults(run=cmd_log_list)
