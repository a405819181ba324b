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
import copy
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import simpleeval

from ..model.events import ROLES
from ..model.money import round_money
from .scope import ANY, BOOL, NUMBER, Type

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


# name -> (function, result type, number of arguments or None for any)
FUNCTIONS: dict[str, tuple[Callable[..., Any], Type, int | None]] = {
    "round_money": (round_money, NUMBER, 1),
    "min": (min, NUMBER, None),
    "max": (max, NUMBER, None),
    "abs": (abs, NUMBER, 1),
    "len": (len, NUMBER, 1),
    "date_of": (_date_of, Type("date"), 1),
    "days_between": (_days_between, NUMBER, 2),
    "signed_by": (_signed_by, BOOL, 2),
    "recorded_by": (_recorded_by, BOOL, 3),
}

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
    atoms: tuple[Atom, ...] = field(default=())

    def __call__(self, ns: Namespace) -> Any:
        return self.fn(ns)

    def interpret(self, ns: Namespace) -> Any:
        """Evaluate with simpleeval instead of the compiled code (reference semantics)."""
        return _interpret(self.source, ns)


def compile_expression(source: str, scope: Mapping[str, Type]) -> Expression:
    """Parse, check and compile `source`; raise ExpressionError saying what is wrong."""
    # YAML block scalars keep line breaks; an expression is one line of Python.
    text = source.replace("\n", " ").strip()
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
_SPLIT_HELP = "split it: compute a part as a value of its own in another rule"


def _compile(text: str, scope: Mapping[str, Type]) -> Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(
            f"`{text}` is not a valid expression: {error.msg}",
            "expressions use Python syntax: `amount >= 1000 and product_class == 'stock'`",
        ) from None
    checker = _Checker(text, scope)
    typ = checker.check(tree.body)
    constants: dict[str, Any] = {}
    body = _Rewriter(checker, constants).visit(_copy(tree.body))
    fn = _to_function(body, constants)
    atoms = tuple(_atom(node, checker, text) for node in _atoms_of(tree.body))
    return Expression(text, fn, frozenset(checker.names), typ, atoms)


def _to_function(body: ast.expr, constants: dict[str, Any]) -> Callable[[Namespace], Any]:
    args = ast.arguments(
        posonlyargs=[], args=[ast.arg(arg="_ns")], kwonlyargs=[], kw_defaults=[], defaults=[]
    )
    tree = ast.Expression(body=ast.Lambda(args=args, body=body))
    ast.fix_missing_locations(tree)
    code = compile(tree, "<policy expression>", "eval")
    bound = {"__builtins__": {}, **constants}
    bound.update({name: fn for name, (fn, _, _) in FUNCTIONS.items()})
    fn: Callable[[Namespace], Any] = eval(code, bound)
    return fn


def _atoms_of(node: ast.expr) -> list[ast.expr]:
    """The leaves of the boolean structure: what an auditor reads as "the facts"."""
    if isinstance(node, ast.BoolOp):
        return [leaf for value in node.values for leaf in _atoms_of(value)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _atoms_of(node.operand)
    return [node]


def _atom(node: ast.expr, checker: _Checker, text: str) -> Atom:
    segment = ast.get_source_segment(text, node) or ast.unparse(node)
    operands: list[ast.expr] = []
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
    elif isinstance(node, ast.Name | ast.Attribute | ast.Call):
        operands = [node]
    compiled = []
    for operand in operands:
        if isinstance(operand, ast.Constant):
            continue  # a literal explains itself
        part_constants: dict[str, Any] = {}
        part = _Rewriter(checker, part_constants).visit(_copy(operand))
        label = ast.get_source_segment(text, operand) or ast.unparse(operand)
        compiled.append((label, _to_function(part, part_constants)))
    whole_constants: dict[str, Any] = {}
    whole = _Rewriter(checker, whole_constants).visit(_copy(node))
    return Atom(segment, _to_function(whole, whole_constants), tuple(compiled))


def _copy(node: ast.expr) -> ast.expr:
    # The rewriter works in place; positions must survive so literals keep their text.
    return copy.deepcopy(node)


class _Checker:
    """Whitelist and type check, one node at a time; records the names used."""

    def __init__(self, text: str, scope: Mapping[str, Type]) -> None:
        self.text = text
        self.scope = scope
        self.names: set[str] = set()
        self.literals: dict[tuple[int, int], str] = {}

    def check(self, node: ast.expr) -> Type:
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
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    # ---- leaves ----
    def _Constant(self, node: ast.Constant) -> Type:
        value = node.value
        if value is None:
            return Type("none")
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, int | float):
            # Only plain decimals: `0x10`, `0o7`, `1e3` would not read back as an exact Decimal.
            if not self._src(node).replace("_", "").replace(".", "", 1).isdigit():
                raise ExpressionError(f"`{self._src(node)}` is not a plain decimal number")
            self.literals[(node.lineno, node.col_offset)] = self._src(node)
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
            close = difflib.get_close_matches(name, list(self.scope), n=1)
            help_text = f"did you mean `{close[0]}`?" if close else None
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
        return NUMBER

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
        if node.keywords:
            raise ExpressionError(f"`{node.func.id}` takes no keyword arguments")
        _, result, arity = FUNCTIONS[node.func.id]
        if arity is not None and len(node.args) != arity:
            raise ExpressionError(f"`{node.func.id}` takes {arity} argument(s), not {len(node.args)}")
        for arg in node.args:
            self.check(arg)
        if node.func.id in ("signed_by", "recorded_by"):
            self._signed_by(node)
        if node.func.id == "recorded_by" and self.check(node.args[2]).kind not in ("datetime", "any"):
            raise ExpressionError(
                f"`{self._src(node.args[2])}`: `recorded_by` compares the records with a timestamp",
                "write `recorded_by(approvals, 'general_manager', credit_given_at)`",
            )
        return result

    def _signed_by(self, node: ast.Call) -> None:
        records, role = node.args[:2]
        name = node.func.id  # type: ignore[attr-defined]
        if not (isinstance(records, ast.Name) and records.id == "approvals"):
            example = "approvals, 'general_manager'" + (", credit_given_at" if name == "recorded_by" else "")
            raise ExpressionError(
                f"`{self._src(records)}`: `{name}` reads the event's approval records",
                f"write `{name}({example})`",
            )
        if not (isinstance(role, ast.Constant) and role.value in ROLES):
            close = difflib.get_close_matches(str(getattr(role, "value", "")), ROLES, n=1)
            raise ExpressionError(
                f"`{self._src(role)}` is not a role",
                ("did you mean " + repr(close[0]) + "? " if close else "")
                + "roles: "
                + ", ".join(f"`{r}`" for r in ROLES),
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
                    close = difflib.get_close_matches(value, field_enum, n=1)
                    raise ExpressionError(
                        f"`{self._src(other)}` is never `{value!r}`",
                        ("did you mean " + repr(close[0]) + "? " if close else "")
                        + "its values: "
                        + ", ".join(f"`{v}`" for v in field_enum),
                    )
        del element


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
        return ast.copy_location(
            ast.Subscript(value=ast.Name(id="_ns", ctx=ast.Load()), slice=ast.Constant(name), ctx=ast.Load()),
            node,
        )

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
        functions = {name: fn for name, (fn, _, _) in FUNCTIONS.items()}
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
