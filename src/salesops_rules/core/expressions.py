"""The one expression compiler.

A policy expression (`amount > 10000 and customer.type == 'new'`) is parsed once, at
load, by Python's own parser; every node is checked against a whitelist, every name
against the event model, every comparison against the types on both sides. What passes
is rewritten into a Python function of one argument (the namespace of an event) and
compiled: evaluation is then a plain function call, with no parsing and no tree walk.
The whitelist admits no attribute access except dotted event fields, no subscripts, no
lambdas, no comprehensions and no names but those of the scope, so the compiled code can
reach nothing but the namespace it is given.

simpleeval, which interprets the same language node by node, is kept as the reference:
`Expression.interpret` runs it, and the tests check that both agree.
"""

from __future__ import annotations

import ast
import decimal
import functools
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import simpleeval

from ..model.money import round_money
from .literals import LiteralError, read_number
from .scope import ANY, BOOL, NUMBER, Type
from .suggest import closest

Namespace = Mapping[str, Any]


def _days_between(start: Any, end: Any) -> int:
    return int((end - start).days)


def _date_of(stamp: Any) -> Any:
    return stamp.date() if hasattr(stamp, "date") and callable(stamp.date) else stamp


def _signed_by(records: Any, role: str) -> bool:
    """Whether a signed record (not a mere consent) by `role` is among the approval records."""
    return any(r.role == role and r.mode == "signed" for r in records)


def _recorded_by(records: Any, role: str, at: Any) -> bool:
    """Whether `role` signed or consented, in a record made at or before the moment `at`."""
    return any(r.role == role and r.at <= at for r in records)


def _sum_of(records: Any, name: str) -> Any:
    """The total of one number field over a list of records (a collection schedule's amounts)."""
    return sum((getattr(r, name) for r in records), Decimal(0))


@dataclass(frozen=True)
class Function:
    """A whitelisted function and its signature, checked when an expression is compiled.

    `params` gives the kinds each argument may have; with `repeat`, the last one repeats
    and at least `len(params)` arguments are needed. `same` asks every argument to have the
    same kind (`days_between` of a date and a datetime would fail on every event).
    """

    fn: Callable[..., Any]
    params: tuple[tuple[str, ...], ...]
    result: Type
    takes: str  # its arguments in words, for the help line
    repeat: bool = False
    same: bool = False


_NUM, _DATES = ("number",), ("date", "datetime")
FUNCTIONS: dict[str, Function] = {
    "round_money": Function(round_money, (_NUM,), NUMBER, "one number"),
    "min": Function(min, (_NUM, _NUM), NUMBER, "two or more numbers", repeat=True),
    "max": Function(max, (_NUM, _NUM), NUMBER, "two or more numbers", repeat=True),
    "abs": Function(abs, (_NUM,), NUMBER, "one number"),
    "len": Function(len, (("list",),), NUMBER, "one list"),
    "date_of": Function(_date_of, (("datetime",),), Type("date"), "one datetime"),
    "days_between": Function(
        _days_between,
        (_DATES, _DATES),
        NUMBER,
        "two dates or two datetimes",
        same=True,
    ),
    "sum_of": Function(
        _sum_of, (("list",), ("str",)), NUMBER, "a list of records and the name of one of their number fields"
    ),
    "signed_by": Function(_signed_by, (("list",), ("str",)), BOOL, "the approval records and a role name"),
    "recorded_by": Function(
        _recorded_by,
        (("list",), ("str",), ("datetime",)),
        BOOL,
        "the approval records, a role name and a datetime",
    ),
}
_KIND_NAMES = {
    "number": "a number",
    "date": "a date",
    "datetime": "a datetime",
    "list": "a list",
    "str": "a string",
}


class EvaluationError(ValueError):
    """An expression that failed on one event: the evaluator refers the event, naming it.

    A ValueError, so the evaluator's existing `except` refers the event instead of failing;
    the message names the expression and says in words what went wrong, never Python's
    `[<class 'decimal.DivisionByZero'>]`.
    """

    def __init__(self, source: str, error: BaseException) -> None:
        self.source, self.cause = source, _describe(error)
        super().__init__(f"`{source}`: {self.cause}")


def _describe(error: BaseException) -> str:
    if isinstance(error, ZeroDivisionError | decimal.DivisionByZero | decimal.DivisionUndefined):
        return "division by zero"
    if isinstance(error, decimal.Overflow):
        return "the result is too large to compute"
    if isinstance(error, decimal.InvalidOperation):
        return "the numbers are too large to compute exactly"
    if isinstance(error, TypeError | AttributeError) and "NoneType" in str(error):
        return "a field it reads is empty"
    return f"{type(error).__name__}: {error}"


# What an expression's code may raise on one event; each becomes an EvaluationError.
_FAILURES = (ArithmeticError, TypeError, ValueError, AttributeError)

COMPARE_TEXT = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_ORDERED = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)


class ExpressionError(Exception):
    """Why an expression was refused; the loader adds the file, line and rule."""

    def __init__(self, message: str, help: str | None = None) -> None:
        self.message, self.help = message, help
        super().__init__(message)


@dataclass(frozen=True)
class Atom:
    """One comparison (or bare condition) of an expression, kept to explain a decision."""

    text: str
    fn: Callable[[Namespace], Any]
    operands: tuple[tuple[str, Callable[[Namespace], Any]], ...]


@dataclass(frozen=True)
class Expression:
    source: str
    fn: Callable[[Namespace], Any]
    names: frozenset[str]
    type: Type
    scope: Mapping[str, Type] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def atoms(self) -> tuple[Atom, ...]:
        """The atoms with their functions, compiled when first explained.

        Only `explain` reads them, and they are most of an expression's code: compiling
        them at load made a load of 20,000 rules three times as long. Compiled once, then
        kept; two threads explaining at once at worst compile them twice, alike.
        """
        return _explained(self.source, self.scope)

    def __call__(self, ns: Namespace) -> Any:
        return self.fn(ns)

    def interpret(self, ns: Namespace) -> Any:
        """Evaluate with simpleeval instead of the compiled code (reference semantics)."""
        try:
            return _interpret(self.source, ns)
        except _FAILURES as error:
            raise EvaluationError(self.source, error) from None


_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def one_line(source: str) -> str:
    """`source` as the one line of Python it is read as (YAML block scalars keep line breaks).

    Messages quote this form, so that a finding stays on one line.
    """
    return _LINE_BREAK.sub(" ", source).strip()


def compile_expression(source: str, scope: Mapping[str, Type]) -> Expression:
    """Parse, check and compile `source`; raise ExpressionError saying what is wrong."""
    text = one_line(source)
    if not text:
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long, more than {MAX_LENGTH}", _SPLIT_HELP
        )
    try:
        return _compile(text, scope)
    except RecursionError:
        # Parser, checker and compiler all recurse on the tree: deep nesting must be refused, not crash.
        raise ExpressionError("the expression is nested too deeply", _SPLIT_HELP) from None


MAX_LENGTH = 2000  # far above any real rule; longer input is a mistake or an attack
MAX_DEPTH = 64  # nesting of the checked tree; the bundled pack's deepest is under 10
_SPLIT_HELP = "split it: compute a part as a value of its own in another rule"


def _checked(text: str, scope: Mapping[str, Type]) -> tuple[ast.expr, _Checker, Type]:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(
            f"`{text}` is not a valid expression: {error.msg}",
            "expressions use Python syntax: `amount >= 1000 and status == 'open'`",
        ) from None
    checker = _Checker(text, scope)
    return tree.body, checker, checker.check(tree.body)


def _compile(text: str, scope: Mapping[str, Type]) -> Expression:
    body, checker, typ = _checked(text, scope)
    constants: dict[str, Any] = {}
    rewritten = _Rewriter(checker, constants).visit(body)
    (fn,) = _to_functions([(text, rewritten)], constants)
    return Expression(text, fn, frozenset(checker.names), typ, scope)


def _explained(text: str, scope: Mapping[str, Type]) -> tuple[Atom, ...]:
    """The atoms of a compiled expression, each with a function, and one per operand to show."""
    try:
        body, checker, _ = _checked(text, scope)
    except RecursionError:  # compiled once already: cannot happen, but explain must not fail
        return ()
    # What explain shows, read before the tree is rewritten in place: each atom's text, and
    # which of its operands to show (a literal explains itself).
    shown: list[tuple[str, list[tuple[int, str]]]] = []
    for atom in _atoms_of(body):
        operands = _operands(atom)
        labels = [(i, checker.src(o)) for i, o in enumerate(operands) if not isinstance(o, ast.Constant)]
        shown.append((checker.src(atom), labels))
    constants: dict[str, Any] = {}
    rewritten_body = _Rewriter(checker, constants).visit(body)
    # The rewriter keeps the boolean structure, so the atoms of the rewritten tree are the
    # rewritten atoms, in order.
    parts: list[tuple[str, ast.expr]] = []
    atoms: list[tuple[str, int, list[tuple[str, int]]]] = []
    for (segment, labels), rewritten in zip(shown, _atoms_of(rewritten_body), strict=True):
        operands = _operands(rewritten) if labels else []
        labelled = []
        for i, label in labels:
            labelled.append((label, len(parts)))
            parts.append((label, operands[i]))
        atoms.append((segment, len(parts), labelled))
        parts.append((segment, rewritten))
    fns = _to_functions(parts, constants)
    return tuple(
        Atom(segment, fns[i], tuple((label, fns[j]) for label, j in ops)) for segment, i, ops in atoms
    )


def _operands(atom: ast.expr) -> list[ast.expr]:
    if isinstance(atom, ast.Compare):
        return [atom.left, *atom.comparators]
    if isinstance(atom, ast.Name | ast.Attribute | ast.Call | ast.Subscript):
        return [atom]  # a Subscript: a field name, once rewritten
    return []


def _at(node: Any) -> Any:
    """`node` placed at 1:0: built here, it has no place in the policy's text (and
    `ast.fix_missing_locations`, a walk of every node, was a third of a load's time)."""
    node.lineno, node.col_offset, node.end_lineno, node.end_col_offset = 1, 0, 1, 0
    return node


_ARGS = ast.arguments(
    posonlyargs=[], args=[_at(ast.arg(arg="_ns"))], kwonlyargs=[], kw_defaults=[], defaults=[]
)


def _definition(index: int, body: ast.expr) -> ast.FunctionDef:
    """`def _f<index>(_ns): try: return <body> except _failures as e: raise _fail(_s<index>, e)`.

    A `try` costs nothing until something raises (Python 3.11), so `evaluate` is not slowed.
    """
    load = ast.Load()
    fail = _at(
        ast.Call(
            func=_at(ast.Name(id="_fail", ctx=load)),
            args=[_at(ast.Name(id=f"_s{index}", ctx=load)), _at(ast.Name(id="_error", ctx=load))],
            keywords=[],
        )
    )
    handler = _at(
        ast.ExceptHandler(
            type=_at(ast.Name(id="_failures", ctx=load)),
            name="_error",
            body=[_at(ast.Raise(exc=fail, cause=_at(ast.Constant(None))))],
        )
    )
    guarded = _at(ast.Try(body=[_at(ast.Return(value=body))], handlers=[handler], orelse=[], finalbody=[]))
    fields: dict[str, Any] = {"type_params": []} if "type_params" in ast.FunctionDef._fields else {}
    return _at(  # type: ignore[no-any-return]
        ast.FunctionDef(
            name=f"_f{index}", args=_ARGS, body=[guarded], decorator_list=[], returns=None, **fields
        )
    )


def _to_functions(
    parts: list[tuple[str, ast.expr]], constants: dict[str, Any]
) -> list[Callable[[Namespace], Any]]:
    """One function per (source, rewritten tree), from a single compile of one module."""
    module = ast.Module(body=[_definition(i, body) for i, (_, body) in enumerate(parts)], type_ignores=[])
    code = compile(module, "<policy expression>", "exec")
    bound: dict[str, Any] = {"__builtins__": {}, **constants}
    bound.update({name: f.fn for name, f in FUNCTIONS.items()})
    bound.update({"_failures": _FAILURES, "_fail": EvaluationError})
    bound.update({f"_s{i}": source for i, (source, _) in enumerate(parts)})
    exec(code, bound)  # noqa: S102 -- the code is built from a checked tree, see the module docstring
    return [bound[f"_f{i}"] for i in range(len(parts))]


def _atoms_of(node: ast.expr) -> list[ast.expr]:
    """The leaves of the boolean structure: what an auditor reads as "the facts"."""
    if isinstance(node, ast.BoolOp):
        return [leaf for value in node.values for leaf in _atoms_of(value)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _atoms_of(node.operand)
    return [node]


class _Checker:
    """Whitelist and type check, one node at a time; records the names used."""

    def __init__(self, text: str, scope: Mapping[str, Type]) -> None:
        self.text = text
        self.scope = scope
        self.names: set[str] = set()
        self.literals: dict[tuple[int, int], str] = {}
        self.depth = 0
        self.encoded = text.encode("utf-8")

    def check(self, node: ast.expr) -> Type:
        # Bounded here, not by whichever recursion (ours, the compiler's) would overflow first.
        if self.depth >= MAX_DEPTH:
            raise ExpressionError("the expression is nested too deeply", _SPLIT_HELP)
        self.depth += 1
        try:
            return self._check(node)
        finally:
            self.depth -= 1

    def _check(self, node: ast.expr) -> Type:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(
                f"`{self._src(node)}` is not allowed in a policy expression",
                "allowed: field names, numbers, 'strings', True/False/None, comparisons, "
                "and/or/not, + - * /, `x if c else y`, and the functions "
                + ", ".join(f"`{n}`" for n in FUNCTIONS),
            )
        result: Type = method(node)
        return result

    def _src(self, node: ast.AST) -> str:
        # One line (see compile_expression), so a segment is a slice of its UTF-8 bytes.
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if start is None or end is None or getattr(node, "lineno", 1) != 1 or node.end_lineno != 1:  # type: ignore[attr-defined]
            return ast.get_source_segment(self.text, node) or ast.unparse(node)
        return self.encoded[start:end].decode("utf-8")

    src = _src

    # ---- leaves ----
    def _Constant(self, node: ast.Constant) -> Type:
        value = node.value
        if value is None:
            return Type("none")
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, int | float):
            # Only plain decimals: `0x10`, `0o7`, `1e3` would not read back as an exact Decimal.
            written = self._src(node)
            try:
                read_number(written)
            except LiteralError as error:
                raise ExpressionError(error.message, error.help) from None
            if not written[:1].isdigit() and not written.startswith("."):
                raise ExpressionError(f"`{written}` is not a plain decimal number")
            self.literals[(node.lineno, node.col_offset)] = written
            return NUMBER
        if isinstance(value, str):
            return Type("str", (value,))
        raise ExpressionError(f"`{self._src(node)}` is not an allowed literal")

    def _Name(self, node: ast.Name) -> Type:
        return self._field(node.id)

    def _Attribute(self, node: ast.Attribute) -> Type:
        dotted = _dotted(node)
        if dotted is None or any(part.startswith("_") for part in dotted.split(".")):
            raise ExpressionError(
                f"`{self._src(node)}`: attribute access is not allowed",
                "a dot may only join the parts of an event field, as in `customer.type`",
            )
        return self._field(dotted)

    def _field(self, name: str) -> Type:
        if name.startswith("_") or "__" in name:
            raise ExpressionError(
                f"`{name}`: names starting with `_` are not allowed",
                "expressions may name event fields and policy values only",
            )
        if name in FUNCTIONS:
            raise ExpressionError(f"`{name}` is a function: call it, as in `{name}(...)`")
        typ = self.scope.get(name)
        if typ is None:
            # A scope is the event's fields and the policy's values: a few dozen. A manifest
            # declaring thousands would make each unknown name cost a second to suggest for.
            close = closest(name, self.scope) if len(self.scope) <= 1000 else None
            help_text = f"did you mean `{close}`?" if close else None
            raise ExpressionError(f"unknown name `{name}`", help_text)
        if typ.kind == "any":
            fields = sorted(n[len(name) + 1 :] for n in self.scope if n.startswith(name + "."))
            raise ExpressionError(
                f"`{name}` is a record: name one of its fields",
                "its fields: " + ", ".join(f"`{name}.{f}`" for f in fields),
            )
        self.names.add(name)
        return typ

    # ---- structure ----
    def _BoolOp(self, node: ast.BoolOp) -> Type:
        for value in node.values:
            self.check(value)
        return BOOL

    def _UnaryOp(self, node: ast.UnaryOp) -> Type:
        inner = self.check(node.operand)
        if isinstance(node.op, ast.Not):
            return BOOL
        if isinstance(node.op, ast.USub) and inner.kind == "number":
            return NUMBER
        raise ExpressionError(f"`{self._src(node)}`: this operator is not allowed here")

    def _BinOp(self, node: ast.BinOp) -> Type:
        if not isinstance(node.op, _ARITHMETIC):
            raise ExpressionError(
                f"`{self._src(node)}`: only + - * / are allowed", "powers and bit operations are not"
            )
        left, right = self.check(node.left), self.check(node.right)
        dates = {"date", "datetime"}
        if isinstance(node.op, ast.Sub) and left.kind in dates and left.kind == right.kind:
            raise ExpressionError(
                f"`{self._src(node)}`: subtracting dates is not allowed",
                "use `days_between(start, end)`",
            )
        for side, typ in ((node.left, left), (node.right, right)):
            if typ.kind != "number":
                raise ExpressionError(
                    f"`{self._src(node)}`: arithmetic needs numbers, "
                    f"but `{self._src(side)}` is {typ.describe()}"
                )
        if isinstance(node.op, ast.Div):
            self._divisor(node)
        return NUMBER

    def _divisor(self, node: ast.BinOp) -> None:
        """A divisor must be a number written in the expression, and not 0 (docs/readings.md)."""
        divisor = node.right
        if isinstance(divisor, ast.UnaryOp) and isinstance(divisor.op, ast.USub):
            divisor = divisor.operand
        help = "multiply instead: write `paid >= amount * 0.30`, not `paid / amount >= 0.30`"
        if not isinstance(divisor, ast.Constant):
            raise ExpressionError(
                f"`{self._src(node)}`: the divisor `{self._src(node.right)}` may be 0 on some event",
                help,
            )
        if Decimal(self._src(divisor).replace("_", "")) == 0:
            raise ExpressionError(f"`{self._src(node)}` divides by zero", help)

    def _IfExp(self, node: ast.IfExp) -> Type:
        self.check(node.test)
        body, orelse = self.check(node.body), self.check(node.orelse)
        return body if body.kind == orelse.kind else ANY

    def _Tuple(self, node: ast.Tuple) -> Type:
        return self._sequence(node.elts)

    def _List(self, node: ast.List) -> Type:
        return self._sequence(node.elts)

    def _sequence(self, elements: list[ast.expr]) -> Type:
        kinds: set[str] = set()
        strings: list[str] = []
        for element in elements:
            if not isinstance(element, ast.Constant):
                raise ExpressionError(f"`{self._src(element)}`: a list may hold literals only")
            typ = self.check(element)
            kinds.add(typ.kind)
            if typ.kind == "str":
                strings.append(str(element.value))
        if len(kinds) > 1:
            raise ExpressionError("a list must hold values of one type")
        return Type("list", tuple(strings) if strings else None)

    def _Call(self, node: ast.Call) -> Type:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(
                f"`{self._src(node.func)}` is not an allowed function",
                "allowed: " + ", ".join(f"`{n}`" for n in FUNCTIONS),
            )
        name = node.func.id
        function = FUNCTIONS[name]
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise ExpressionError(
                f"`{self._src(node)}`: `{name}` takes plain arguments only",
                f"`{name}` takes {function.takes}",
            )
        self._arity(node, name, function)
        if name in ("signed_by", "recorded_by"):
            self._signed_by(node)  # says more than "argument 1 is a string"
        if name == "sum_of":
            self._sum_of(node)
        kinds = [self.check(arg).kind for arg in node.args]
        for i, (arg, kind) in enumerate(zip(node.args, kinds, strict=True)):
            allowed = function.params[min(i, len(function.params) - 1)]
            if kind != "any" and kind not in allowed:
                raise ExpressionError(
                    f"`{self._src(node)}`: argument {i + 1} of `{name}`, `{self._src(arg)}`, "
                    f"is {Type(kind).describe()}, but it needs "
                    + " or ".join(_KIND_NAMES[k] for k in allowed),
                    f"`{name}` takes {function.takes}",
                )
        known = {k for k in kinds if k != "any"}
        if function.same and len(known) > 1:
            raise ExpressionError(
                f"`{self._src(node)}`: `{name}` needs arguments of one kind, not "
                + " and ".join(_KIND_NAMES[k] for k in kinds),
                f"`{name}` takes {function.takes}; `date_of(t)` is the date of a datetime `t`",
            )
        return function.result

    def _arity(self, node: ast.Call, name: str, function: Function) -> None:
        count, needed = len(node.args), len(function.params)
        if count == needed or (function.repeat and count > needed):
            return
        at_least = "at least " if function.repeat else ""
        plural = "s" if needed != 1 else ""
        raise ExpressionError(
            f"`{self._src(node)}`: `{name}` takes {at_least}{needed} argument{plural}, not {count}",
            f"`{name}` takes {function.takes}",
        )

    def _signed_by(self, node: ast.Call) -> None:
        records, role = node.args[:2]
        name = node.func.id  # type: ignore[attr-defined]
        if not (isinstance(records, ast.Name) and records.id == "approvals"):
            example = "approvals, 'ROLE'" + (", A_TIMESTAMP" if name == "recorded_by" else "")
            raise ExpressionError(
                f"`{self._src(records)}`: `{name}` reads the event's approval records",
                f"write `{name}({example})`",
            )
        records_type = self.scope.get("approvals")
        if records_type is None:
            return  # reported as an unknown name when the arguments are checked
        role_type = records_type.item("role")
        roles = role_type.enum if role_type is not None and role_type.enum else ()
        if not (isinstance(role, ast.Constant) and role.value in roles):
            raise ExpressionError(
                f"`{self._src(role)}` is not a role",
                _among(str(getattr(role, "value", "")), roles, "roles"),
            )

    def _sum_of(self, node: ast.Call) -> None:
        records, name = node.args[:2]
        typ = self.scope.get(records.id) if isinstance(records, ast.Name) else None
        if typ is None or typ.items is None:
            raise ExpressionError(
                f"`{self._src(records)}`: `sum_of` adds up a field of a list of records",
                "write `sum_of(records, 'field')`, `records` a list field whose items are a shape",
            )
        numbers = [n for n, t in typ.items if t.kind == "number"]
        if not (isinstance(name, ast.Constant) and name.value in numbers):
            raise ExpressionError(
                f"`{self._src(name)}` is not a number field of `{self._src(records)}`",
                _among(str(getattr(name, "value", "")), numbers, "its number fields"),
            )

    def _Compare(self, node: ast.Compare) -> Type:
        left_node, left = node.left, self.check(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.check(right_node)
            self._compare(op, left_node, left, right_node, right)
            left_node, left = right_node, right
        return BOOL

    def _compare(self, op: ast.cmpop, ln: ast.expr, lt: Type, rn: ast.expr, rt: Type) -> None:
        text = COMPARE_TEXT[type(op)]
        if isinstance(op, ast.Is | ast.IsNot):
            if rt.kind != "none":
                raise ExpressionError(
                    f"`{self._src(ln)} {text} {self._src(rn)}`: `{text}` is only for `None`",
                    "compare values with `==`",
                )
            return
        if "none" in (lt.kind, rt.kind):
            raise ExpressionError(
                f"`{self._src(ln)} {text} {self._src(rn)}`: compare with None using `is`",
                f"write `{self._src(ln)} is None`",
            )
        if isinstance(op, ast.In | ast.NotIn):
            if rt.kind != "list":
                raise ExpressionError(
                    f"`{self._src(rn)}` is {rt.describe()}, not a list: `{text}` needs a list"
                )
            self._same_strings(ln, lt, rn, rt, element=True)
            return
        if lt.kind == "any" or rt.kind == "any":
            return
        if lt.kind != rt.kind:
            raise ExpressionError(
                f"`{self._src(ln)} {text} {self._src(rn)}` compares {lt.describe()} with {rt.describe()}"
            )
        if isinstance(op, _ORDERED) and lt.kind in ("str", "bool"):
            raise ExpressionError(f"`{self._src(ln)} {text} {self._src(rn)}`: {lt.describe()} has no order")
        self._same_strings(ln, lt, rn, rt, element=False)

    def _same_strings(self, ln: ast.expr, lt: Type, rn: ast.expr, rt: Type, element: bool) -> None:
        """A string literal compared with an enumerated field must be one of its values."""
        pairs = [(ln, lt, rt), (rn, rt, lt)]
        for node, literal_type, field_type in pairs:
            field_enum = field_type.enum
            if not (isinstance(node, ast.Constant | ast.List | ast.Tuple) and literal_type.enum):
                continue
            if field_enum is None or field_type is literal_type:
                continue
            if _is_literal(node) and _is_literal(rn if node is ln else ln):
                continue
            for value in literal_type.enum:
                if value not in field_enum:
                    other = rn if node is ln else ln
                    raise ExpressionError(
                        f"`{self._src(other)}` is never `{value!r}`",
                        _among(value, field_enum, "its values"),
                    )
        del element


def _among(word: str, choices: Collection[str], label: str) -> str:
    """The help of a word that is not one of `choices`: the close one, if any, then them all."""
    close = closest(word, choices)
    return (
        ("did you mean " + repr(close) + "? " if close else "")
        + f"{label}: "
        + ", ".join(f"`{c}`" for c in choices)
    )


def _is_literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant | ast.List | ast.Tuple)


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class _Rewriter(ast.NodeTransformer):
    """Field names become `_ns['customer.type']`; numeric literals become exact Decimals."""

    def __init__(self, checker: _Checker, constants: dict[str, Any]) -> None:
        self.checker = checker
        self.constants = constants

    def _lookup(self, name: str, node: ast.AST) -> ast.expr:
        namespace = ast.copy_location(ast.Name(id="_ns", ctx=ast.Load()), node)
        key = ast.copy_location(ast.Constant(name), node)
        return ast.copy_location(ast.Subscript(value=namespace, slice=key, ctx=ast.Load()), node)

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in FUNCTIONS:
            return node
        return self._lookup(node.id, node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        dotted = _dotted(node)
        assert dotted is not None  # the checker refused every other attribute
        return self._lookup(dotted, node)

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            return node
        text = self.checker.literals.get((node.lineno, node.col_offset), repr(node.value))
        name = f"_k{len(self.constants)}"
        self.constants[name] = Decimal(text)
        return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)


# ---- the reference interpreter ----


class _ReferenceEval(simpleeval.EvalWithCompoundTypes):  # type: ignore[misc]
    """simpleeval over the same namespace: dotted names resolved as one name."""

    def __init__(self, ns: Namespace) -> None:
        functions = {name: f.fn for name, f in FUNCTIONS.items()}
        super().__init__(names=dict(ns), functions=functions)
        self.nodes[ast.Attribute] = self._dotted_name

    def _dotted_name(self, node: ast.Attribute) -> Any:
        dotted = _dotted(node)
        if dotted is None or dotted not in self.names:
            raise simpleeval.NameNotDefined(str(dotted), self.expr)
        return self.names[dotted]

    def _eval_constant(self, node: ast.Constant) -> Any:
        value = super()._eval_constant(node)
        if isinstance(value, float | int) and not isinstance(value, bool):
            source = ast.get_source_segment(self.expr, node) or repr(value)
            return Decimal(source)
        return value


def _interpret(source: str, ns: Namespace) -> Any:
    return _ReferenceEval(ns).eval(source)
