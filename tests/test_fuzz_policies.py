"""Hostile policies by mutation: the bundled pack's YAML and expressions, bent at random.

Property (issue 12): a mutated policy either loads, and then every kind of event gets a
decision or an EventError and lint gives findings, or it is refused with a PolicyError.
No other exception, ever. The mutations: names swapped for other names, YAML tags,
anchors and aliases inserted, odd numbers (exponents, 5000 digits, other bases),
control and bidirectional characters, YAML structure characters, truncation, and
expressions replaced by ones drawn from a grammar of the policy language with the wrong
functions, arities, divisors and literals.

CI runs a few dozen examples (about 30 s on a quiet machine). A longer run, not in CI:

    SALESOPS_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz_policies.py -p no:cacheprovider
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import random
import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundled_events import EVENT_MODELS
from salesops_rules import EventError, PolicyError, load_policy
from salesops_rules.core.expressions import FUNCTIONS, EvaluationError, ExpressionError, compile_expression
from salesops_rules.core.scope import VALUE_TYPES, Type, event_scope
from salesops_rules.tools.lint import lint_compiled

ROOT = Path(__file__).resolve().parent.parent
POLICY_DIR = ROOT / "policy"
EXAMPLES = int(os.environ.get("SALESOPS_FUZZ_EXAMPLES", "0"))
SUPPRESS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


def _event_mix() -> Any:
    path = ROOT / "benchmarks" / "event_mix.py"
    spec = importlib.util.spec_from_file_location("benchmarks_event_mix_fuzz", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_MIX = _event_mix()
EVENTS = [generate(random.Random(12), 1) for generate in _MIX.EVERY_GENERATOR.values()]
FILES = sorted(p.name for p in POLICY_DIR.glob("*.yaml"))
TEXTS = {name: (POLICY_DIR / name).read_text(encoding="utf-8") for name in FILES}
POLICY = load_policy(POLICY_DIR)
VALUES = {n: VALUE_TYPES[v.type] for n, v in POLICY.compiled.values.items()}
SCOPES = {kind: event_scope(model, VALUES) for kind, model in EVENT_MODELS.items()}
NAMES = sorted({name for scope in SCOPES.values() for name in scope} | set(FUNCTIONS) | {"amonut", "_ns"})
WORD = re.compile(r"\b[a-z_][a-z_.]*[a-z_]\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")

ODD_NUMBERS = ["1e999", "1.0e-9999999", "9" * 5000, "0x10", ".nan", "-0", "010", "1:30", "-.inf", "1_0.0_1"]
SNIPPETS = [
    *["!evil ", "!!python/name:os.system ", "!!binary ", "!!str ", "! ", "!!python/object/apply:os.system "],
    *["&a ", "*a", "&a [*a, *a]", "<<: ", "*missing"],
    *ODD_NUMBERS,
    *["\x00", "\x07", "\u202e", "\ufeff", "\x85", "\u2028", "\t", "\r", "\x1b[31m"],
    *["[", "{", "]", "}", "- ", ": ", "\n", "'", '"', "---\n", "#", "? ", "|\n", ">\n", "%YAML 1.1\n"],
    *["2011-13-45", "0000-00-00", "9999-12-31T23:59:59-12:00", "true", "null", "~"],
]


# ---- expressions: a grammar of the policy language, with its mistakes ----


def expressions(names: list[str]) -> st.SearchStrategy[str]:
    literal = st.one_of(
        st.sampled_from(["0", "1", "0.30", "5000", "10000.01", "-1", "'stock'", "'x'", "True", "None"]),
        st.sampled_from([*ODD_NUMBERS[:4], "1" * 31, "0.000000000000000000000000001"]),
    )
    leaf = st.one_of(st.sampled_from(names), literal)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        call = st.builds(
            lambda f, args: f"{f}({', '.join(args)})",
            st.sampled_from(sorted(FUNCTIONS)),
            st.lists(inner, max_size=3),
        )
        binary = st.builds(
            lambda a, op, b: f"({a} {op} {b})",
            inner,
            st.sampled_from(["+", "-", "*", "/", "==", "!=", "<", ">=", "and", "or", "in", "is", "is not"]),
            inner,
        )
        return st.one_of(
            call,
            binary,
            st.builds(lambda a: f"not {a}", inner),
            st.builds(lambda a, b, c: f"({a} if {b} else {c})", inner, inner, inner),
            st.builds(lambda items: f"[{', '.join(items)}]", st.lists(literal, max_size=3)),
        )

    return st.recursive(leaf, extend, max_leaves=8)


def values_of(typ: Type, rng: random.Random) -> Any:
    choices: dict[str, list[Any]] = {
        "number": [Decimal(0), Decimal("0.30"), Decimal("5000"), Decimal("-1"), Decimal("99999999999.99")],
        "bool": [True, False],
        "str": list(typ.enum or ("E-01", "")),
        "date": [dt.date(2011, 12, 7), dt.date(1, 1, 1), dt.date(9999, 12, 31)],
        "datetime": [dt.datetime(2011, 12, 7, 17, 30, tzinfo=dt.UTC), dt.datetime(2011, 12, 7, 9, 0)],
        "list": [(), tuple(typ.enum or ())[:2]],
    }
    options = choices.get(typ.kind, [None])
    return rng.choice([*options, None] if typ.nullable else options)


@settings(max_examples=EXAMPLES or 300, deadline=None, suppress_health_check=SUPPRESS)
@given(kind=st.sampled_from(sorted(SCOPES)), data=st.data(), seed=st.integers(0, 2**16))
def test_a_drawn_expression_compiles_or_is_refused_and_then_evaluates_or_is_named(
    kind: str, data: st.DataObject, seed: int
) -> None:
    scope = SCOPES[kind]
    source = data.draw(expressions([*sorted(scope), "amonut", "_ns", "approvals.role"]))
    try:
        expression = compile_expression(source, scope)
    except ExpressionError as error:
        assert error.message and "\n" not in error.message
        return
    rng = random.Random(seed)
    ns = {name: values_of(scope[name], rng) for name in expression.names}
    outcomes = []
    for run in (expression.fn, expression.interpret):
        try:
            outcomes.append(("value", run(ns)))
        except EvaluationError as error:
            assert str(error).startswith(f"`{expression.source}`: ") and "<class" not in str(error)
            outcomes.append(("error", None))
    assert outcomes[0] == outcomes[1], (source, ns, outcomes)
    for atom in expression.atoms:  # what explain runs: a value or a named failure
        for _, operand in atom.operands:
            with contextlib.suppress(EvaluationError):
                operand(ns)


# ---- files: the pack's YAML, bent ----


def _insert(text: str, at: int, snippet: str) -> str:
    return text[:at] + snippet + text[at:]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(FILES))
    text = TEXTS[name]
    kinds = ["swap", "insert", "number", "truncate", "expression"]
    for how in draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=2)):
        if how == "swap":
            words = sorted(set(WORD.findall(text)))
            if not words:  # truncated to nothing by the step before
                continue
            old = draw(st.sampled_from(words))
            new = draw(st.sampled_from(NAMES + words))
            matches = [m.start() for m in re.finditer(rf"\b{re.escape(old)}\b", text)]
            at = draw(st.sampled_from(matches))
            text = text[:at] + new + text[at + len(old) :]
        elif how == "insert":
            text = _insert(text, draw(st.integers(0, len(text))), draw(st.sampled_from(SNIPPETS)))
        elif how == "number":
            found = [m.span() for m in NUMBER.finditer(text)]
            if found:
                start, end = draw(st.sampled_from(found))
                text = text[:start] + draw(st.sampled_from(ODD_NUMBERS)) + text[end:]
        elif how == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        else:
            quoted = [m.span(1) for m in re.finditer(r'(?:when|unless): "([^"\n]*)"', text)]
            if quoted:
                start, end = draw(st.sampled_from(quoted))
                drawn = draw(
                    expressions([*NAMES[:40], "amount", "deposit_ratio", "event_date", "prepared_by"])
                )
                text = text[:start] + drawn.replace('"', "'") + text[end:]
    return name, text


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "policy"
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    return root


@settings(max_examples=EXAMPLES or 60, deadline=None, suppress_health_check=SUPPRESS)
@given(case=mutated())
def test_a_mutated_pack_loads_or_is_refused_and_never_fails_otherwise(
    folder: Path, case: tuple[str, str]
) -> None:
    name, text = case
    (folder / name).write_text(text, encoding="utf-8")
    try:
        _loads_or_is_refused(folder)
    finally:  # each example bends the bundled pack, not the one before it
        (folder / name).write_text(TEXTS[name], encoding="utf-8")


def _loads_or_is_refused(folder: Path) -> None:
    try:
        policy = load_policy(folder)
    except PolicyError as error:
        assert error.findings and all(f.message and "\n" not in f.message for f in error.findings)
        return
    assert isinstance(lint_compiled(policy.compiled), list)
    for event in EVENTS:
        try:
            decision = policy.evaluate(event)
        except EventError:
            continue
        assert "<class" not in decision.model_dump_json()
