"""What the one loader shares with the compilers of its rule files: report, schema checks, builder.

`loader.py` builds a policy; the compilers of `ledger_rules:` (`ledger_rules.py`) and
`legal_notes:` (`legal_notes.py`) are its parts. They need the loader's report of
findings, its schema and id checks with their YAML paths, and a few services of the
builder (citations, penalties, suggestions). Those live here, so that the loader imports
its parts and none of them imports the loader: the builder reaches them as a
`BuildContext`, the protocol it satisfies.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import Finding
from ..model.citation import Cite
from ..model.policy import CiteSpec, LedgerRuleSpec, LegalNoteSpec, Manifest, RuleSpec
from .compiled import PenaltyRule
from .eventkinds import EventKinds
from .scope import Type
from .yamlsource import PathKey, Source

M = TypeVar("M", bound=BaseModel)


class BuildContext(Protocol):
    """The builder as the compilers of its rule files see it (`loader._Builder` is one)."""

    report: Report
    manifest: Manifest | None
    value_types: dict[str, Type]  # the manifest's decision values
    scopes: dict[str, dict[str, Type]]  # per event kind, the names an expression may read
    penalties: dict[str, PenaltyRule]
    penalties_loaded: bool
    events: EventKinds | None  # the pack's event kinds (None when events.yaml is broken)

    def kinds(self) -> Collection[str]: ...

    def cite(self, spec: CiteSpec, source: Source, path: PathKey, rule: str | None) -> Cite: ...

    def suggest(self, word: str, choices: Collection[str]) -> list[str]: ...


class Report:
    """Collects findings, each located by a path into one source file."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def at(
        self,
        source: Source,
        path: PathKey,
        message: str,
        rule: str | None = None,
        help: str | None = None,
    ) -> None:
        line, column = source.where(path)
        # Names and ids quoted in a message come from the policy, which may hold a line
        # break in quoted text: shown escaped, a finding stays one line.
        self.findings.append(
            Finding(
                source.file,
                line,
                column,
                rule and _escape_breaks(rule),
                _escape_breaks(message),
                help and _escape_breaks(help),
            )
        )

    def schema(self, source: Source, error: ValidationError, base: PathKey, rule: str | None) -> None:
        for problem in error.errors(include_url=False):
            loc = tuple(str(p) if not isinstance(p, int) else p for p in problem["loc"])
            path = (*base, *_yaml_path(loc))
            where = ".".join(str(p) for p in path) or "(top)"
            message, help = _schema_message(problem, where)
            self.at(source, path, message, rule, help)


def _escape_breaks(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _yaml_path(loc: tuple[str | int, ...]) -> PathKey:
    # pydantic names union branches and aliases in loc; keep only what the YAML has.
    skip = {
        "str",
        "tuple[StepSpec, ...]",
        "function-after[_one_body()]",
        "bool",
        "int",
        "decimal",
        "tuple[str, ...]",
        "function-after[_months_fit_sanction()]",
        "function-after[_reason_iff_not_computable()]",
    }
    path = [p for p in loc if p not in skip]
    return tuple("else" if p == "else_" else p for p in path)


def _schema_message(problem: Any, where: str) -> tuple[str, str | None]:
    kind = problem["type"]
    if kind == "extra_forbidden":
        return f"unknown key `{where.rsplit('.', 1)[-1]}` at `{where}`", None
    if kind == "missing":
        return f"missing key `{where.rsplit('.', 1)[-1]}` at `{where}`", None
    text = str(problem["msg"]).removeprefix("Value error, ")
    text = text[:1].lower() + text[1:]
    if kind == "date_type":
        shown = problem.get("input")
        got = f"`{shown}`" if isinstance(shown, str | int | float) and len(str(shown)) <= 40 else "this"
        return f"`{where}`: {got} is not a date", "write a date unquoted as YYYY-MM-DD, as in `2011-12-07`"
    return f"`{where}`: {text}", None


def validate_model(
    model: type[M], data: Any, source: Source, report: Report, base: PathKey = (), rule: str | None = None
) -> M | None:
    """`data` as a `model`, or None with every schema error reported at its place in `source`."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        report.schema(source, error, base, rule)
        return None


AnyRule = TypeVar("AnyRule", RuleSpec, LedgerRuleSpec, LegalNoteSpec)


def validate_rule(
    model: type[AnyRule],
    raw: Any,
    source: Source,
    report: Report,
    path: PathKey,
    seen: dict[str, tuple[Source, PathKey]],
) -> AnyRule | None:
    """One rule against its schema, and its id against every id seen so far (one namespace)."""
    rule_id = raw.get("id") if isinstance(raw, dict) else None
    spec = validate_model(model, raw, source, report, path, rule_id if isinstance(rule_id, str) else None)
    if spec is None:
        return None
    if spec.id in seen:
        first_source, first_path = seen[spec.id]
        line = first_source.where(first_path)[0]
        report.at(
            source,
            (*path, "id"),
            f"duplicate rule id `{spec.id}`",
            spec.id,
            f"first defined at {first_source.file}:{line}",
        )
        return None
    seen[spec.id] = (source, (*path, "id"))
    return spec
