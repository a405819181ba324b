"""`lint`, `schema`, `test` and `diff`: the commands of policy editors and auditors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.places import default_policy_dir, in_pack
from ..tools import schema as schema_mod
from .common import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    EXIT_OK,
    BadInputError,
    add_policy,
    load_from,
    policy_from,
    policy_path,
)

# The editors' tools are imported by their commands: `check` and `explain` start without them.
if TYPE_CHECKING:
    from ..tools import diff as diff_mod
    from ..tools.rulecoverage import RuleCoverage


def _folder(args: argparse.Namespace) -> Path:
    """The policy folder named on the command, else `--policy`, else the bundled one."""
    return policy_path(args) or default_policy_dir()


# ---- lint ----


def cmd_lint(args: argparse.Namespace) -> int:
    from ..tools import lint as lint_mod

    folder = _folder(args)
    findings = lint_mod.lint_policy(folder)
    errors = sum(f.severity == lint_mod.ERROR for f in findings)
    warnings = len(findings) - errors
    notes = lint_mod.legal_notes(folder) if not errors else []  # national law beside the rules
    if args.json:
        out = {"policy": str(folder), "errors": errors, "warnings": warnings}
        listed = {"findings": [f.to_json() for f in findings], "legal_notes": [n.to_json() for n in notes]}
        print(json.dumps({**out, **listed}, ensure_ascii=False, indent=2))
    else:
        for finding in [*findings, *notes]:
            print(finding.render())
        counted = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
        print(f"lint {folder}: {counted}" + (f"; {_count(len(notes), 'legal note')}" if notes else ""))
    return EXIT_FINDINGS if errors else EXIT_OK


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# ---- schema ----


def cmd_schema(args: argparse.Namespace) -> int:
    if args.file_type == "events":
        return _events_schema(args)
    names = schema_mod.file_names()
    wanted = list(names) if args.out and args.file_type == "all" else [args.file_type]
    documents = {t: schema_mod.combined_schema() if t == "all" else schema_mod.file_schema(t) for t in wanted}
    if args.out is None:
        print(json.dumps(documents[args.file_type], ensure_ascii=False, indent=2))
        return EXIT_OK
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for file_type, document in documents.items():
            target = out / names[file_type]
            target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            print(target)
    except OSError as error:
        raise BadInputError(f"cannot write the schema to `{out}`: {error.strerror}") from None
    return EXIT_OK


def _events_schema(args: argparse.Namespace) -> int:
    """`schema events`: the JSON Schema of each event kind of the pack, or docs/events.md."""
    from ..tools import eventdocs  # the events' reference, only when asked

    policy = policy_from(args)
    events = policy.compiled.events
    if args.markdown:
        print(eventdocs.markdown(policy, eventdocs.examples(policy)), end="")
        return EXIT_OK
    title = f"an event of the policy `{policy.compiled.name}`"
    if args.out is None:
        print(json.dumps(eventdocs.events_schema(events, title), ensure_ascii=False, indent=2))
        return EXIT_OK
    out = Path(args.out)
    documents = {"events.schema.json": eventdocs.events_schema(events, title)}
    documents.update({f"{kind}.schema.json": eventdocs.kind_schema(events, kind) for kind in events.kinds})
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, document in documents.items():
            target = out / name
            target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            print(target)
    except OSError as error:
        raise BadInputError(f"cannot write the schema to `{out}`: {error.strerror}") from None
    return EXIT_OK


# ---- test ----


def cmd_test(args: argparse.Namespace) -> int:
    from ..audit.ledger_cases import run_ledger_cases  # the audit machinery, only when testing
    from ..tools import cases as cases_mod
    from ..tools.rulecoverage import rule_coverage

    folder = _folder(args)
    policy = load_from(folder, f"policy `{folder}`", cached=not args.no_cache)
    where = Path(args.cases) if args.cases else folder / "tests"
    try:
        suite = cases_mod.load_suite(where)
    except cases_mod.CaseFileError as error:
        head, *rest = error.message.splitlines()
        raise BadInputError(head, rest, error.findings) from None
    cases, ledger_cases = suite.cases, suite.ledger_cases
    if args.k is not None:
        # As `pytest -k`, by name; but a plain substring, any case: no expression language.
        cases = [case for case in cases if args.k.casefold() in case.name.casefold()]
        ledger_cases = [case for case in ledger_cases if args.k.casefold() in case.name.casefold()]
        if not cases and not ledger_cases:
            total = len(suite.cases) + len(suite.ledger_cases)
            raise BadInputError(
                f"no case name contains `{args.k}` (of {total} cases in `{where}`)",
                ["  help: `-k` picks the cases whose name contains the text, in any case"],
            )
    results = cases_mod.run_cases(policy, cases)
    ledger_results = run_ledger_cases(policy, ledger_cases)
    failed = [r for r in results if not r.passed]
    ledger_failed = [r for r in ledger_results if not r.passed]
    found = {rule for r in ledger_results for rule in r.rules}
    coverage = rule_coverage(policy.compiled, results, found)
    if args.json:
        report = {
            "cases": len(results),
            "passed": len(results) - len(failed),
            "ledger_cases": len(ledger_results),
            "ledger_passed": len(ledger_results) - len(ledger_failed),
            "failed": [{"case": r.case.name, "file": r.case.file, "mismatches": r.mismatches} for r in failed]
            + [{"case": r.case.name, "file": r.case.file, "mismatches": r.mismatches} for r in ledger_failed],
            "coverage": coverage.to_json(),
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for mismatches in [r.mismatches for r in failed] + [r.mismatches for r in ledger_failed]:
            print(*(f"FAIL {m}" for m in mismatches), sep="\n")
        print(f"{_count(len(results), 'case')}: {len(results) - len(failed)} passed, {len(failed)} failed")
        if suite.ledger_cases:
            ran, passed = len(ledger_results), len(ledger_results) - len(ledger_failed)
            print(f"{_count(ran, 'ledger case')}: {passed} passed, {len(ledger_failed)} failed")
        # With -k the coverage is of the chosen cases only: its lists would name most rules.
        print("\n".join(coverage_lines(coverage, policy.compiled.root, full=args.k is None)))
    return EXIT_FINDINGS if failed or ledger_failed else EXIT_OK


def coverage_lines(coverage: RuleCoverage, root: str, full: bool = True) -> list[str]:
    out = [
        f"rule coverage: {coverage.exercised} of {coverage.rules} rules exercised, "
        f"{coverage.rows_seen} of {coverage.rows} table rows matched"
        + (
            f", {coverage.ledger_exercised} of {coverage.ledger_rules} ledger rules found something"
            if coverage.ledger_rules
            else ""
        )
    ]
    if not full:
        return out
    if coverage.unexercised:
        out.append("rules no case exercised:")
        out += [
            f"  {r.id} ({r.cite.label}) at {in_pack(r.file, root)}:{r.line}" for r in coverage.unexercised
        ]
    if coverage.unseen_rows:
        out.append("table rows no case matched:")
        out += [f"  {u.rule.id} row {u.row} ({u.rule.cite.label})" for u in coverage.unseen_rows]
    if coverage.ledger_unexercised:
        out.append("ledger rules no ledger case made find something:")
        out += [
            f"  {r.id} ({r.cite.label}) at {in_pack(r.file, root)}:{r.line}"
            for r in coverage.ledger_unexercised
        ]
    return out


# ---- diff ----


def cmd_diff(args: argparse.Namespace) -> int:
    from ..tools import diff as diff_mod

    old = load_from(args.old, f"old policy `{args.old}`", cached=not args.no_cache)
    new = load_from(args.new, f"new policy `{args.new}`", cached=not args.no_cache)
    if not Path(args.events).exists():
        raise BadInputError(f"no such events file or folder: `{args.events}`")
    report = diff_mod.diff(old, new, diff_mod.read_corpus(args.events, new.compiled.events))
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(diff_lines(report)))
    if report.bad:
        return EXIT_BAD_INPUT
    return EXIT_FINDINGS if report.changed else EXIT_OK


def diff_lines(report: diff_mod.DiffReport) -> list[str]:
    out = [
        f"old: {report.old}",
        f"new: {report.new}",
        f"{report.events} events judged under both, {len(report.changed)} decisions changed"
        + (f", {len(report.bad)} events unreadable" if report.bad else ""),
    ]
    if report.changed:
        out += ["", "changed fields:"]
        out += [f"  {name}: {count}" for name, count in report.by_field()]
        out += ["", "by rule:"]
    for rule, changes in report.by_rule():
        status = report.rule_status.get(rule)
        out.append(f"  {rule}" + (f" ({status})" if status else "") + f": {_count(len(changes), 'decision')}")
        for change in changes:
            dated = f" ({change.date})" if change.date else ""
            also = [r for r in change.rules if r != rule]
            out.append(
                f"    {change.event_id}{dated} at {change.where}"
                + (f"; also {', '.join(also)}" if also else "")
            )
            for c in change.changes:
                out.append(f"      {c.field}: {c.old} -> {c.new}")
                if c.dated:
                    out.append(f"        dated value in force: {c.dated}")
    if report.bad:
        out += ["", "unreadable events (left out):"]
        out += [f"  {bad.where}: {bad.message}" for bad in report.bad]
    return out


# ---- registration ----


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lint = sub.add_parser(
        "lint",
        help="check a policy folder before any event is seen",
        description="Report every error and warning of a policy folder (exit 1 on errors).",
    )
    add_policy(lint, positional=True, cached=False)
    lint.add_argument("--json", action="store_true", help="print the findings as JSON")
    lint.set_defaults(run=cmd_lint)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of the policy files, or of the pack's events",
        description="JSON Schemas of the policy file format, for an editor's YAML plugin; "
        "`schema events`: the JSON Schema of every event kind of the pack (`--policy DIR`).",
    )
    schema.add_argument(
        "file_type",
        nargs="?",
        default="all",
        choices=[*schema_mod.file_names(), "events"],
        help="one file type, `all` for one schema that fits every file (default), "
        "or `events` for the events of the pack",
    )
    schema.add_argument("--out", metavar="DIR", help="write every schema as a file into DIR")
    schema.add_argument(
        "--markdown", action="store_true", help="with `events`: print the events' reference (docs/events.md)"
    )
    add_policy(schema)
    schema.set_defaults(run=cmd_schema)

    test = sub.add_parser(
        "test",
        help="run the policy's test cases and report rule coverage",
        description="Run the YAML test cases beside a policy (POLICY_DIR/tests) and report which "
        "rules and table rows no case exercised. Exit 1 when a case fails.",
    )
    add_policy(test, positional=True)
    test.add_argument("--cases", metavar="PATH", help="a case file or folder (default: POLICY_DIR/tests)")
    test.add_argument(
        "-k",
        metavar="PATTERN",
        default=None,
        help="run only the cases whose name contains PATTERN (any case)",
    )
    test.add_argument(
        "--json", action="store_true", help="print the results and coverage, or the error, as JSON"
    )
    test.set_defaults(run=cmd_test)

    diff = sub.add_parser(
        "diff",
        help="replay events under two policies and report every decision that changes",
        description="Exit 0: no decision changes; 1: some do; 2: bad input (reported, the rest goes on).",
    )
    diff.add_argument("old", metavar="OLD_POLICY", help="policy folder in force")
    diff.add_argument("new", metavar="NEW_POLICY", help="policy folder proposed")
    diff.add_argument("events", metavar="EVENTS", help="JSON Lines file, or a folder of *.json events")
    diff.add_argument("--json", action="store_true", help="print the report, or the error, as JSON")
    diff.set_defaults(run=cmd_diff)
