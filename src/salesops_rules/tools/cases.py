"""Policy test cases, the `opa test` way: events beside the policy, with what each decision must say.

A case file is YAML (format: `model/cases.py`); `load_cases` reads one file or a folder
of them, refusing unknown keys with file and line like the policy loader does, and
`run_case` judges the case's event and compares the decision with `expect`:

- `verdict`: equal.
- `values`: each name given has that value; money and ratios compare as the strings of
  `decision.model_dump(mode="json")` (`"3600.00"`), booleans as booleans.
- `absent`: none of these names is among the decision's values.
- `approvals`: the whole list, in order; each entry compares the keys it gives.
- `obligations`, `violations`: exactly these codes, in any order; an entry
  `{code, cite}` also fixes the clause it cites.
- `penalties`: the whole list, in any order; each entry compares the keys it gives.
- `rules`: each of these rule ids is among the rules that applied.
- `legal_notes`: exactly these notes of national law (by `id`), in any order; an entry
  may fix its `figures`.
- `values_in_force`: `name: day` for each dated value the decision took, exactly these:
  the first day of the value in force (`{NAME: 2012-07-01}`); `{}` says none.

An event that does not validate fails its case with the EventError message; it does not
stop the run. Each result also records which rules applied and which table rows matched,
for coverage reports.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from ..core.loading import Report, validate_model
from ..core.yamlsource import PathKey, Source, YamlSyntaxError, load
from ..errors import EventError, Finding
from ..model.cases import (
    ApprovalExpect,
    CaseSpec,
    CodeExpect,
    Expect,
    FindingExpect,
    LedgerCaseSpec,
    NoteExpect,
    PenaltyExpect,
)
from ..model.decision import Decision
from ..policy import Policy

FILE_KEYS = ("cases", "ledger_cases", "event_defaults")


class CaseFileError(ValueError):
    """Case files that do not load; ``findings`` lists every problem, in order."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = sorted(findings, key=Finding.sort_key)
        count = len(self.findings)
        head = f"policy test cases do not load: {count} error{'s' if count != 1 else ''}"
        self.message = "\n".join([head, *(f.render() for f in self.findings)])
        super().__init__(self.message)


class _Placed:
    """Where a case stands in its file: the file, and the line of a path inside the case."""

    source: Source
    path: PathKey

    @property
    def file(self) -> str:
        return self.source.file

    def line(self, *path: str | int) -> int:
        """The line of `path` inside this case, or of its nearest ancestor written in the file."""
        return self.source.where((*self.path, *path))[0]


@dataclass(frozen=True)
class Case(_Placed):
    name: str
    cite: str
    event: dict[str, Any]  # with the file's `event_defaults` merged in
    expect: Expect
    source: Source
    path: PathKey  # of the case inside its file
    as_of: dt.datetime | dt.date | None = None


@dataclass(frozen=True)
class LedgerCase(_Placed):
    """Events judged together by the rules across events; run by `audit/ledger_cases.py`."""

    name: str
    cite: str
    events: list[dict[str, Any]]  # as written: `event_defaults` are for single events only
    findings: tuple[FindingExpect, ...]
    source: Source
    path: PathKey
    as_of: dt.datetime | dt.date | None = None


@dataclass(frozen=True)
class Suite:
    cases: list[Case]
    ledger_cases: list[LedgerCase]


@dataclass
class CaseResult:
    case: Case
    passed: bool
    mismatches: list[str]
    decision: Decision | None
    rules: list[str] = field(default_factory=list)  # ids of the rules that applied
    rows: list[tuple[str, int]] = field(default_factory=list)  # (rule id, 1-based row) that matched


# ---- loading ----


def load_cases(path: str | Path) -> list[Case]:
    """The single-event cases of one YAML file, or of every *.yaml under a folder; raises CaseFileError."""
    return load_suite(path).cases


def load_suite(path: str | Path) -> Suite:
    """The cases and ledger cases of one YAML file or a folder; raises CaseFileError for either."""
    root = Path(path)
    if root.is_dir():
        files = sorted(root.rglob("*.yaml"))
    elif root.is_file():
        files = [root]
    else:
        raise CaseFileError([Finding(str(root), 1, 1, None, "no such case file or folder")])
    report = Report()
    cases: list[Case] = []
    ledger_cases: list[LedgerCase] = []
    for file in files:
        singles, ledgers = _load_file(file, report)
        cases += singles
        ledger_cases += ledgers
    if report.findings:
        raise CaseFileError(report.findings)
    return Suite(cases, ledger_cases)


def _load_file(file: Path, report: Report) -> tuple[list[Case], list[LedgerCase]]:
    try:
        source = load(file)
    except YamlSyntaxError as error:
        report.findings.append(Finding(str(file), error.line, error.column, None, error.message, error.help))
        return [], []
    except (OSError, UnicodeDecodeError) as error:
        report.findings.append(Finding(str(file), 1, 1, None, f"cannot read the file: {error}"))
        return [], []
    for line, column, message, help in source.all_problems():
        report.findings.append(Finding(source.file, line, column, None, message, help))
    data = source.data
    lists = ("cases", "ledger_cases")
    if not isinstance(data, dict) or not any(isinstance(data.get(k), list) for k in lists):
        report.at(source, (), "a case file needs a top-level `cases:` or `ledger_cases:` list")
        return [], []
    for key in sorted(set(data) - set(FILE_KEYS)):
        report.at(
            source,
            (key,),
            f"unknown key `{key}` at the top of a case file",
            help="keys: `cases`, `ledger_cases`, `event_defaults`",
        )
    defaults = data.get("event_defaults", {})
    if not isinstance(defaults, dict):
        report.at(source, ("event_defaults",), "`event_defaults` must be a mapping of event fields")
        defaults = {}
    cases: list[Case] = []
    seen: dict[str, int] = {}  # case names, of both lists: `-k` and reports name a case by it
    for i, spec in _specs(CaseSpec, data, "cases", source, report, seen):
        event = _merged(defaults, spec.event)
        cases.append(Case(spec.name, spec.cite, event, spec.expect, source, ("cases", i), spec.as_of))
    ledger_cases: list[LedgerCase] = []
    for i, ledger in _specs(LedgerCaseSpec, data, "ledger_cases", source, report, seen):
        path: PathKey = ("ledger_cases", i)
        found = ledger.expect.findings
        ledger_cases.append(
            LedgerCase(ledger.name, ledger.cite, ledger.events, found, source, path, ledger.as_of)
        )
    return cases, ledger_cases


def _specs(
    model: type[Any], data: dict[str, Any], key: str, source: Source, report: Report, seen: dict[str, int]
) -> Iterable[tuple[int, Any]]:
    """Each entry of the list `key` that validates as `model`, with its index; names unique."""
    entries = data.get(key, [])
    if not isinstance(entries, list):
        report.at(source, (key,), f"`{key}` must be a list of cases")
        return
    for i, raw in enumerate(entries):
        name = raw.get("name") if isinstance(raw, dict) else None
        label = name if isinstance(name, str) else f"case {i + 1}"
        spec = validate_model(model, raw, source, report, (key, i), label)
        if spec is None:
            continue
        if spec.name in seen:
            report.at(
                source,
                (key, i, "name"),
                f"duplicate case name `{spec.name}`",
                spec.name,
                f"first at line {seen[spec.name]}",
            )
            continue
        seen[spec.name] = source.where((key, i, "name"))[0]
        yield i, spec


def _merged(defaults: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """`event` over `defaults`: mappings merge key by key, anything else replaces."""
    result = dict(defaults)
    for key, value in event.items():
        base = result.get(key)
        result[key] = _merged(base, value) if isinstance(base, dict) and isinstance(value, dict) else value
    return result


# ---- running ----


def run_cases(policy: Policy, cases: Iterable[Case]) -> list[CaseResult]:
    return [run_case(policy, case) for case in cases]


def run_case(policy: Policy, case: Case) -> CaseResult:
    """Judge the case's event and compare the decision with what the case expects."""
    problems: list[tuple[PathKey, str]] = []
    if case.cite not in clause_labels(policy):
        problems.append((("cite",), f"cite: `{case.cite}` is not a clause of the catalogue"))
    try:
        decision, trace = policy.trace(case.event, as_of=case.as_of)
    except EventError as error:
        for path, message in error.problems:
            problems.append((("event", *_event_path(path)), f"invalid event: {path}: {message}"))
        return CaseResult(case, False, _located(case, problems), None)
    actual = decision.to_json()
    expect = case.expect
    checks = (
        ("verdict", _verdict),
        ("values", _values),
        ("absent", _absent),
        ("approvals", _approvals),
        ("obligations", _codes),
        ("violations", _codes),
        ("penalties", _penalties),
        ("rules", _rules),
        ("legal_notes", _notes),
        ("values_in_force", _in_force),
    )
    for key, check in checks:
        expected = getattr(expect, key)
        if expected is None:
            continue
        for sub, message in check(key, expected, actual, policy):
            problems.append((("expect", key, *sub), message))
    rows = [(node.rule, node.row) for node in trace if node.status == "applied" and node.row is not None]
    return CaseResult(case, not problems, _located(case, problems), decision, list(decision.rules), rows)


def _located(case: Case, problems: list[tuple[PathKey, str]]) -> list[str]:
    return [f"{case.file}:{case.line(*path)}: {case.name}: {message}" for path, message in problems]


def clause_labels(policy: Policy) -> set[str]:
    labels = set()
    catalogue = policy.compiled.catalogue
    for article in catalogue.articles:
        labels.add(catalogue.label(article.article))
        labels.update(catalogue.label(article.article, item.item) for item in article.items)
    return labels


def _event_path(path: str) -> list[str | int]:
    """`$.customer.documents[1]` as the keys of the YAML it came from."""
    return [int(index) if index else name for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path)]


Found = list[tuple[PathKey, str]]


def _verdict(key: str, expected: str, actual: dict[str, Any], policy: Policy) -> Found:
    if actual["verdict"] == expected:
        return []
    return [((), f"verdict: expected {_show(expected)}, got {_show(actual['verdict'])}")]


def _values(key: str, expected: dict[str, Any], actual: dict[str, Any], policy: Policy) -> Found:
    found: Found = []
    got = actual["values"]
    for name, want in expected.items():
        where = f"values.{name}"
        if name not in policy.compiled.values:
            found.append(((name,), f"{where}: `{name}` is not a value the policy declares"))
        elif name not in got:
            found.append(((name,), f"{where}: expected {_show(want)}, got no value"))
        elif not _same(want, got[name]):
            found.append(((name,), f"{where}: expected {_show(want)}, got {_show(got[name])}"))
    return found


def _in_force(key: str, expected: dict[str, dt.date], actual: dict[str, Any], policy: Policy) -> Found:
    wanted = {name: day.isoformat() for name, day in expected.items()}
    got = {e["name"]: e["since"] for e in actual["values_in_force"]}
    return [] if got == wanted else [((), f"{key}: expected {_show(wanted)}, got {_show(got)}")]


def _absent(key: str, expected: tuple[str, ...], actual: dict[str, Any], policy: Policy) -> Found:
    found: Found = []
    for i, name in enumerate(expected):
        if name not in policy.compiled.values:
            found.append(((i,), f"absent: `{name}` is not a value the policy declares"))
        elif name in actual["values"]:
            found.append(((i,), f"absent: expected no `{name}`, got {_show(actual['values'][name])}"))
    return found


def _approvals(
    key: str, expected: tuple[ApprovalExpect, ...], actual: dict[str, Any], policy: Policy
) -> Found:
    wanted = [_given(e) for e in expected]
    shown = _entries(actual[key], ["role", "action", "satisfied"], wanted)
    in_order = len(wanted) == len(shown) and all(map(_entry_fits, wanted, shown))
    return [] if in_order else [((), f"{key}: expected {_show(wanted)}, got {_show(shown)}")]


def _codes(key: str, expected: tuple[CodeExpect, ...], actual: dict[str, Any], policy: Policy) -> Found:
    wanted = [_given(e) for e in expected]
    shown = _entries(actual[key], ["code"], wanted)
    if _pairs_up(wanted, shown):
        return []
    # Without cites to compare, a list of codes reads best as just that.
    if all(list(w) == ["code"] for w in wanted):
        wanted, shown = [w["code"] for w in wanted], [g["code"] for g in shown]
    return [((), f"{key}: expected {_show(wanted)}, got {_show(shown)}")]


def _penalties(
    key: str, expected: tuple[PenaltyExpect, ...], actual: dict[str, Any], policy: Policy
) -> Found:
    wanted = [_given(e) for e in expected]
    shown = _entries(actual[key], ["for", "sanction"], wanted)
    return [] if _pairs_up(wanted, shown) else [((), f"{key}: expected {_show(wanted)}, got {_show(shown)}")]


def _notes(key: str, expected: tuple[NoteExpect, ...], actual: dict[str, Any], policy: Policy) -> Found:
    wanted = [_given(e) for e in expected]
    shown = _entries(actual[key], ["id"], wanted)
    return [] if _pairs_up(wanted, shown) else [((), f"{key}: expected {_show(wanted)}, got {_show(shown)}")]


def _rules(key: str, expected: tuple[str, ...], actual: dict[str, Any], policy: Policy) -> Found:
    known = {rule.id for rule in policy.compiled.rules}
    found: Found = []
    for i, rule in enumerate(expected):
        if rule not in known:
            found.append(((i,), f"rules: `{rule}` is not a rule of the policy"))
    missing = [r for r in expected if r in known and r not in actual["rules"]]
    if missing:
        found.append(
            (
                (),
                f"rules: expected {_show(missing)} among the rules that applied, "
                f"got {_show(actual['rules'])}",
            )
        )
    return found


def _given(spec: BaseModel) -> dict[str, Any]:
    """The keys a case wrote in one entry, under their YAML names (`for`, not `for_`)."""
    fields = type(spec).model_fields
    return {
        fields[name].alias or name: getattr(spec, name) for name in fields if name in spec.model_fields_set
    }


def _entries(
    got: list[dict[str, Any]], always: list[str], wanted: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The decision's entries, cut down to the keys shown: `always`, plus any a case compares."""
    keys = list(always)
    for want in wanted:
        keys += [k for k in want if k not in keys]
    return [{k: _field(entry, k) for k in keys} for entry in got]


def _entry_fits(want: dict[str, Any], got: dict[str, Any]) -> bool:
    return all(_same(value, got[k]) for k, value in want.items())


def _pairs_up(wanted: list[dict[str, Any]], shown: list[dict[str, Any]]) -> bool:
    """Whether each wanted entry fits a different entry of the decision, none left over (any order)."""
    if len(wanted) != len(shown):
        return False
    if not wanted:
        return True
    first, rest = wanted[0], wanted[1:]
    return any(
        _entry_fits(first, got) and _pairs_up(rest, shown[:i] + shown[i + 1 :]) for i, got in enumerate(shown)
    )


def _field(entry: dict[str, Any], key: str) -> Any:
    """A field of a decision's entry as a case writes it: a cite by its label."""
    value = entry.get(key)
    if key == "cite" and isinstance(value, dict):
        return value["label"]
    return value


# ---- comparing and showing values as the case file writes them ----


def _plain(value: Any) -> Any:
    """A YAML or pydantic value in the shape of the decision's JSON (Decimal as its string)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump(by_alias=True))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _same(expected: Any, actual: Any) -> bool:
    # JSON text tells `true` from `1` and `"1"` from `1`, which `==` in Python does not.
    return json.dumps(_plain(expected), sort_keys=True) == json.dumps(_plain(actual), sort_keys=True)


def _show(value: Any) -> str:
    """A value in YAML flow style, as it would be written in the case file."""
    value = _plain(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, str):
        return value if _plain_scalar(value) else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def _plain_scalar(text: str) -> bool:
    """Whether `text` reads back from YAML as this same string without quotes."""
    if not text or re.search(r"[,:{}\[\]#&*!|>'\"%@`]|^[\s?-]|\s$", text):
        return False
    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False


def show_value(value: Any) -> str:
    """A value as the case file would write it, for the reports of other case runners."""
    return _show(value)
