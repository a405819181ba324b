"""The command line: a thin shell over the library, one module per group of commands.

Exit codes: 0 a decision was made (whatever its verdict) or a check passed, 1 findings
(lint errors, failing policy tests), 2 bad input (an event or a policy that does not
load), with a one-line message naming the field, file or line.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import os
import sys
import types
from collections.abc import Sequence
from typing import Any, NoReturn

from ..errors import EventError
from .codes import EXIT_BAD_INPUT, EXIT_OK

# The command modules and `common` (the policy, the cache, the models) are imported when a
# command needs them, not with this package: see `run`.

# Each module adds its subcommands; a new command group is one more entry here, with the
# names of its commands: a run imports the module of its own command only (`check` and
# `explain` need neither the audit nor the service; issue 13). tests/test_start.py checks
# the names against what each module registers.
COMMANDS: dict[str, tuple[str, ...]] = {
    "decide": ("check", "explain"),
    "service": ("serve", "log"),
    "coverage": ("coverage",),
    "editor": ("lint", "schema", "test", "diff"),
    "audit": ("audit",),
}
_MODULE_OF = {command: module for module, commands in COMMANDS.items() for command in commands}
ONE_EVENT = frozenset({"check", "explain"})  # the commands that judge one event and exit
PLUGINS_VARIABLE = "PYDANTIC_DISABLE_PLUGINS"
PLUGINS_OFF = ("__all__", "1", "true")  # the values with which pydantic looks up no plugin
_PLUGIN_LOADER = "pydantic.plugin._loader"


class _NoPlugins(types.ModuleType):
    """Stands for pydantic's plugin loader while plugins are off (PLUGINS_OFF), so that the
    loader's import of `importlib.metadata` is not paid for: `get_plugins` answers what the
    loader's own answers then, no plugin. Any other name it is asked for (a later pydantic's)
    brings the real loader in its place and is answered by it."""

    @staticmethod
    def get_plugins() -> tuple[()]:
        return ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # what the import system asks of any module (`__path__`)
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of the commands of the module `only` (a key of COMMANDS)."""
    from . import common

    parser = argparse.ArgumentParser(
        prog="salesops-rules",
        description="Check business events against a regulation's policy pack (the bundled one, or "
        "--policy DIR) and explain the decisions.",
    )
    parser.add_argument("--policy", metavar="DIR", default=None, help=common.POLICY_HELP)
    parser.add_argument("--no-cache", action="store_true", help=common.NO_CACHE_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"{__name__}.{name}").register(sub)
    common.use_formatter(parser)
    return parser


def run() -> NoReturn:
    """The console script `salesops-rules` (pyproject.toml): `main`, in a process that ends with it.

    The modules the command needs are imported first with the cyclic collector paused (what
    an import makes is not garbage), then frozen out of its reach (`gc.freeze`): they live
    until the exit, and the collector's passes over them, during the command and the last
    one at exit, were some 30 ms of a `check` or `explain` of 150 (issue 13). The command's
    own objects are collected as ever. `main` itself leaves the collector alone: a process
    that calls it (the tests) lives on after it.

    A command that judges one event (`check`, `explain`) runs without pydantic's plugins,
    unless the caller sets PYDANTIC_DISABLE_PLUGINS itself (empty: every plugin): looking
    them up reads the metadata of every installed package, and importing the reader of that
    metadata (`importlib.metadata`) alone took 11 ms (docs/readings.md, issue 13).
    """
    words = sys.argv[1:]
    command = _command_word(words) or ""
    module = _MODULE_OF.get(command)
    if command in ONE_EVENT:
        os.environ.setdefault(PLUGINS_VARIABLE, "__all__")
        if os.environ[PLUGINS_VARIABLE] in PLUGINS_OFF:
            sys.modules.setdefault(_PLUGIN_LOADER, _NoPlugins(_PLUGIN_LOADER))
    gc.disable()
    try:
        from . import common  # noqa: F401  (see above)

        if module is not None:
            importlib.import_module(f"{__name__}.{module}")
    finally:
        gc.enable()
    gc.freeze()
    sys.exit(main(words))


def main(argv: Sequence[str] | None = None) -> int:
    from .common import BadInputError, error_json

    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(words)
    except _UsageError as error:
        print(error_json(error.message, details=["  help: salesops-rules COMMAND --help lists its options"]))
        return EXIT_BAD_INPUT
    # `--json` means JSON on error too: the error object goes where the answer would have.
    as_json = bool(getattr(args, "json", False)) or getattr(args, "format", None) == "json"
    try:
        code: int = args.run(args)
    except EventError as error:
        if as_json:
            print(error_json(error.message, error.problems))
        else:
            print(f"salesops-rules: {error.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInputError as error:
        if as_json:
            print(error_json(error.message, details=error.details, findings=error.findings))
            return EXIT_BAD_INPUT
        print(f"salesops-rules: {error.message}", file=sys.stderr)
        for line in error.details:
            print(line, file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader (`| head`) has had enough: not an error, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return code


class _UsageError(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _parse(words: list[str]) -> argparse.Namespace:
    """The parsed command, by the parser of its own module's commands when that parses it; help
    and usage errors come from the whole parser, so they read as they always have."""
    module = _MODULE_OF.get(_command_word(words) or "")
    if module is not None:
        quiet = io.StringIO()
        try:
            with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                return build_parser(module).parse_args(words)
        except SystemExit:
            pass
    return _parse_with(build_parser(), words)


def _command_word(words: list[str]) -> str | None:
    """The first word that is neither an option of the command line itself nor its value."""
    it = iter(words)
    for word in it:
        if word == "--policy":
            next(it, None)
        elif not word.startswith("-"):
            return word
    return None


def _parse_with(parser: argparse.ArgumentParser, words: list[str]) -> argparse.Namespace:
    """The parsed command; with `--json` among the words, a usage error is JSON as well."""
    if "--json" not in words:
        return parser.parse_args(words)
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            return parser.parse_args(words)
    except SystemExit as stop:
        if stop.code != EXIT_BAD_INPUT:
            raise
        # argparse ends its usage text with `PROG: error: MESSAGE`.
        message = said.getvalue().strip().rsplit(": error: ", 1)[-1]
        raise _UsageError(message) from None


if __name__ == "__main__":
    run()
