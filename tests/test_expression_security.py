"""Sandbox escapes, after simpleeval's test_security.py: every one refused when the policy loads.

The expression compiler (core/expressions.py) turns checked expressions into Python code,
so its whitelist is the only wall between a policy file and the interpreter. Each attempt
below must raise ExpressionError at compile time (never compile, never crash with another
exception); the policy-level tests check that the loader turns that into a PolicyError.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bundled_events import Contract
from salesops_rules import PolicyError, load_policy
from salesops_rules.core.expressions import MAX_LENGTH, ExpressionError, compile_expression
from salesops_rules.core.scope import VALUE_TYPES, Type, event_scope

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"


@pytest.fixture(scope="module")
def scope() -> dict[str, Type]:
    policy = load_policy(POLICY_DIR)
    return event_scope(Contract, {n: VALUE_TYPES[v.type] for n, v in policy.compiled.values.items()})


ESCAPES = {
    # imports and the builtins behind them
    "__import__": "__import__('os').system('id')",
    "__import__ in a branch": "amount if True else __import__('os')",
    "__builtins__": "__builtins__",
    "import statement": "import os",
    "statement after an expression": "amount; import os",
    "unicode-normalised __import__": "__ｉmport__('os')",
    # attribute access and dunders
    "().__class__": "().__class__",
    "subclasses walk": "().__class__.__bases__[0].__subclasses__()",
    "amount.__class__": "amount.__class__",
    "parenthesised attribute": "(amount).__class__",
    "record __dict__": "customer.__dict__",
    "private field": "customer._private",
    "function globals": "round_money.__globals__",
    "builtin __self__": "min.__self__",
    "attribute of a call": "max(amount, 0).__class__",
    "method of a field": "customer.type.upper()",
    "method of a literal": "'a'.join(customer.documents)",
    "format string method": "'{0.__class__}'.format(amount)",
    "attribute of a date": "event_date.__class__",
    "the namespace itself": "_ns",
    "the namespace subscripted": "_ns['amount']",
    # functions not on the whitelist
    "getattr": "getattr(amount, '__class__')",
    "type": "type(amount)",
    "eval": "eval('1')",
    "exec": "exec('1')",
    "compile": "compile('1', '', 'eval')",
    "open": "open('/etc/passwd')",
    "globals": "globals()",
    "locals": "locals()",
    "vars": "vars()",
    "dir": "dir()",
    "breakpoint": "breakpoint()",
    "print": "print(1)",
    "str": "str(amount)",
    "chr": "chr(95)",
    "a whitelisted function with keywords": "min(amount, key=abs)",
    # constructs that build or bind
    "lambda": "lambda: 1",
    "called lambda": "(lambda x: x)(1)",
    "list comprehension": "[x for x in customer.documents]",
    "set comprehension": "{x for x in customer.documents}",
    "dict comprehension": "{k: 1 for k in customer.documents}",
    "generator": "(x for x in customer.documents)",
    "walrus": "(x := 1)",
    "starred in a list": "[*customer.documents]",
    "starred in a call": "max(*customer.documents)",
    "dict display": "{'a': 1}",
    "set display": "{1, 2}",
    "f-string": "f'{amount}'",
    "f-string with a dunder": "f'{amount.__class__}'",
    "await": "await amount",
    "yield": "yield 1",
    # subscripts
    "subscript of a field": "customer.documents[0]",
    "subscript of a literal": "'abc'[0]",
    "subscript of a list": "[1][0]",
    # operators that can exhaust memory or time
    "power": "amount ** 100000",
    "tower of powers": "10 ** 10 ** 10",
    "string repetition": "'a' * 1000000000",
    "shift": "amount << 100000",
    "invert": "~amount",
    "floor division": "amount // 1",
    "modulo": "amount % 2",
    "matrix product": "amount @ amount",
    # literals that are not exact decimals
    "exponent literal": "amount > 1e999999",
    "hex literal": "amount > 0x10",
    "binary literal": "amount > 0b101",
    "octal literal": "amount > 0o7",
    "complex literal": "amount > 1j",
    "bytes literal": "b'abc' == b'abc'",
    "ellipsis": "... is None",
    # very long or deeply nested input
    "long flat expression": " + ".join(["amount"] * 1000) + " > 0",
    "huge literal": "amount > 1" + "0" * MAX_LENGTH,
    "deep parentheses": "(" * 1000 + "amount" + ")" * 1000 + " > 0",
    "deep not": "not " * 400 + "True",
    "deep unary minus": "-" * 600 + "amount > 0",
    "deep addition": " + ".join(["amount"] * 320) + " > 0",
}


@pytest.mark.parametrize("source", list(ESCAPES.values()), ids=list(ESCAPES))
def test_escape_is_refused_at_compile_time(scope: dict[str, Type], source: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source, scope)
    message = caught.value.message
    assert message and not message[0].isupper() and "\n" not in message and not message.endswith(".")


def test_length_and_depth_limits_say_what_is_wrong(scope: dict[str, Type]) -> None:
    long = " + ".join(["amount"] * 1000) + " > 0"
    with pytest.raises(ExpressionError) as caught:
        compile_expression(long, scope)
    assert caught.value.message == f"the expression is {len(long)} characters long, more than {MAX_LENGTH}"
    assert caught.value.help == "split it: compute a part as a value of its own in another rule"
    with pytest.raises(ExpressionError) as caught:
        compile_expression("not " * 400 + "True", scope)
    assert caught.value.message == "the expression is nested too deeply"


def test_attribute_and_function_messages(scope: dict[str, Type]) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression("().__class__", scope)
    assert caught.value.message == "`().__class__`: attribute access is not allowed"
    assert caught.value.help == "a dot may only join the parts of an event field, as in `customer.type`"
    with pytest.raises(ExpressionError) as caught:
        compile_expression("getattr(amount, '__class__')", scope)
    assert caught.value.message == "`getattr` is not an allowed function"
    with pytest.raises(ExpressionError) as caught:
        compile_expression("amount > 0x10", scope)
    assert caught.value.message == "`0x10` is not a plain decimal number"


def test_compiled_code_runs_without_builtins(scope: dict[str, Type]) -> None:
    expression = compile_expression("round_money(amount * 0.3) > 100 and customer.type == 'new'", scope)
    assert expression.fn.__globals__["__builtins__"] == {}  # type: ignore[attr-defined]


def test_allowed_forms_still_compile(scope: dict[str, Type]) -> None:
    # the counterpart: a wall that refuses everything proves nothing
    for source in (
        "amount > 10000 and customer.type == 'new'",
        "product_class in ['stock', 'made_to_order']",
        "max(deposit_amount - deposit_paid, 0)",
        "round_money(amount * 0.30)",
        "amount >= 1_000",
        "not (amount < 5000) or len(customer.documents) > 0",
        "customer.address is not None",
        "0.5 if product_class == 'custom' else 0.3",
        "-amount < 0",
    ):
        compile_expression(source, scope)


def _policy_with(tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, target, ignore=shutil.ignore_patterns("tests"))
    rules = target / "contracts.yaml"
    text = rules.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    rules.write_text(text.replace(old, new), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    "smuggled",
    [
        "when: \"__import__('os').system('id') == 0\"",
        'when: "amount >= 5000 and ().__class__ is None"',
        "when: \"amount >= 5000 or getattr(amount, '__class__') is None\"",
    ],
)
def test_policy_with_an_escape_does_not_load(tmp_path: Path, smuggled: str) -> None:
    folder = _policy_with(tmp_path, 'when: "amount >= 5000"', smuggled)
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    [finding] = caught.value.findings
    assert finding.rule == "contract.customer-report"
    assert finding.file.endswith("contracts.yaml")


def test_table_cell_cannot_smuggle_code(tmp_path: Path) -> None:
    # a cell's text becomes part of the row's condition; it still passes the one compiler
    folder = _policy_with(
        tmp_path,
        'customer.type: new, product_class: stock, amount: "<= 10000"}',
        "customer.type: \"new' or __import__('os') or '\", product_class: stock, amount: \"<= 10000\"}",
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    assert [f.rule for f in caught.value.findings] == ["contract.payment-terms"]
