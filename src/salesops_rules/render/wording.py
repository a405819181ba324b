"""Conditions and values in words, from the pack's labels: `产品类别为定制产品（本事项：常规产品）：否`.

`explain` shows what a rule's condition came to on an event. The condition is an
expression of the policy language; a reader should not have to read it as code, so each
fact is rendered from its syntax tree: names through their field labels, literals through
the labels of the closed field they are compared with, operators as words.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from ..core.labels import Labels
from ..core.trace import Fact

_OPS = {
    "zh": {
        ast.Eq: "为",
        ast.NotEq: "不为",
        ast.Gt: "大于",
        ast.GtE: "不少于",
        ast.Lt: "小于",
        ast.LtE: "不超过",
    },
    "en": {
        ast.Eq: "is",
        ast.NotEq: "is not",
        ast.Gt: "is above",
        ast.GtE: "is at least",
        ast.Lt: "is below",
        ast.LtE: "is at most",
    },
}
_WORDS = {
    "zh": {
        "yes": "是",
        "no": "否",
        "unknown": "无法判断",
        "none": "未填写",
        "undetermined": "无法确定",
        "given": "已填写",
        "and": "且",
        "or": "或",
        "here": "本事项：{v}",
        "not": "并非{x}",
        "one_of": "{x}为{items}之一",
        "holds": "{c}包含{x}",
        "empty": "空",
        "is": "{a}为{b}",
        "sep": "、",
        "list_sep": "，",
    },
    "en": {
        "yes": "yes",
        "no": "no",
        "unknown": "cannot tell",
        "none": "not given",
        "undetermined": "undetermined",
        "given": "given",
        "and": "and",
        "or": "or",
        "here": "here: {v}",
        "not": "not ({x})",
        "one_of": "{x} is one of {items}",
        "holds": "{c} include {x}",
        "empty": "empty",
        "is": "{a} is {b}",
        "sep": ", ",
        "list_sep": "; ",
    },
}
_STEP = re.compile(r"(\w+) \((\w+)\)")


def word(key: str, lang: str) -> str:
    return _WORDS["zh" if lang == "zh" else "en"][key]


def _path(node: ast.expr) -> str | None:
    """`customer.type` for a name or an attribute chain; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _path(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _parse(text: str) -> ast.expr | None:
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None


class Wording:
    """Renders expressions, facts and values of one policy in one language."""

    def __init__(self, labels: Labels, lang: str) -> None:
        self.labels = labels
        self.lang = "zh" if lang == "zh" else "en"

    def w(self, key: str) -> str:
        return word(key, self.lang)

    # ---- expressions ----

    def expression(self, text: str) -> str:
        node = _parse(text)
        return text if node is None else self.node(node)

    def node(self, node: ast.expr, context: str | None = None) -> str:
        zh = self.lang == "zh"
        path = _path(node)
        if path is not None:
            return self.labels.field(path, self.lang)
        if isinstance(node, ast.Constant):
            return self.literal(node.value, context)
        if isinstance(node, ast.List | ast.Tuple):
            return self.w("sep").join(self.node(e, context) for e in node.elts)
        if isinstance(node, ast.BoolOp):
            joint = self.w("and" if isinstance(node.op, ast.And) else "or")
            return f"{'' if zh else ' '}{joint}{'' if zh else ' '}".join(
                self._grouped(v) for v in node.values
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.w("not").format(x=self.node(node.operand))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return f"-{self.node(node.operand)}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            pattern = self.labels.function(node.func.id, self.lang)
            args = [self.node(a) for a in node.args]
            if pattern is not None:
                try:
                    return pattern.format(*args)
                except IndexError:
                    pass
            return f"{node.func.id}({', '.join(args)})"
        if isinstance(node, ast.BinOp):
            ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "×", ast.Div: "÷"}
            op = ops.get(type(node.op), "?")
            return f"{self.node(node.left)} {op} {self.node(node.right)}"
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self._compare(node.left, node.ops[0], node.comparators[0])
        return ast.unparse(node)

    def _grouped(self, node: ast.expr) -> str:
        text = self.node(node)
        return (
            f"（{text}）"
            if isinstance(node, ast.BoolOp) and self.lang == "zh"
            else (f"({text})" if isinstance(node, ast.BoolOp) else text)
        )

    def _compare(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> str:
        zh = self.lang == "zh"
        context = _path(left) or _path(right)
        a, b = self.node(left, context), self.node(right, context)
        if isinstance(op, ast.Is | ast.IsNot) and isinstance(right, ast.Constant) and right.value is None:
            state = self.w("none" if isinstance(op, ast.Is) else "given")
            return f"{a}{state}" if zh else f"{a} is {state}"
        if isinstance(op, ast.In | ast.NotIn):
            if isinstance(right, ast.List | ast.Tuple):
                text = self.w("one_of").format(x=a, items=b)
            else:
                text = self.w("holds").format(c=b, x=a)
            return text if isinstance(op, ast.In) else self.w("not").format(x=text)
        words = _OPS[self.lang].get(type(op))
        if words is None:
            return ast.unparse(ast.Compare(left, [op], [right]))
        return f"{a}{words}{b}" if zh else f"{a} {words} {b}"

    def literal(self, value: object, context: str | None = None) -> str:
        if value is None:
            return self.w("empty")
        if isinstance(value, bool):
            return self.w("yes" if value else "no")
        if isinstance(value, str):
            return self.labels.value(context, value, self.lang)
        return str(value)

    # ---- values as the evaluator shows them ----

    def value(self, shown: str, path: str | None = None) -> str:
        """A value as `_show` wrote it (`true`, `none`, `stock`, `a (review) → b (approve)`) in words."""
        if shown in ("true", "false"):
            return self.w("yes" if shown == "true" else "no")
        if shown in ("none", "undetermined"):
            return self.w(shown)
        if " (" in shown and _STEP.fullmatch(shown.split(" → ")[0]):
            return " → ".join(
                self.labels.step(m.group(1), m.group(2), self.lang) for m in _STEP.finditer(shown)
            )
        if shown.startswith("[") and shown.endswith("]"):
            items = [i.strip() for i in shown[1:-1].split(",") if i.strip()]
            return self.w("sep").join(self.labels.value(path, i, self.lang) for i in items) or self.w("empty")
        return self.labels.value(path, shown, self.lang)

    # ---- facts ----

    def result(self, result: bool | None) -> str:
        return self.w("unknown" if result is None else "yes" if result else "no")

    def fact(self, fact: Fact) -> str:
        """One fact: the condition in words, the event's values, and whether it held."""
        node = _parse(fact.text)
        if fact.result is None and (node is None or _path(node) is not None):
            # A table's inputs: each value as the event has it.
            shown = [
                f"{self._name(label)}{self._colon()}{self.value(v, label)}" for label, v in fact.operands
            ]
            return self.w("list_sep").join(shown) or self.expression(fact.text)
        condition = self.expression(fact.text)
        operands = [(label, v) for label, v in fact.operands if not _literal(_parse(label))]
        values = [
            self.value(v, label)
            if self._plain(node, label)
            else self.w("is").format(a=self._name(label), b=self.value(v, label))
            for label, v in operands
            if label != fact.text
        ]
        if len(values) > 1:
            values = [
                self.w("is").format(a=self._name(label), b=self.value(v, label))
                for label, v in operands
                if label != fact.text
            ]
        here = ""
        if values:
            text = self.w("here").format(v=self.w("list_sep").join(values))
            here = f"（{text}）" if self.lang == "zh" else f" ({text})"
        return f"{condition}{here}{self._colon()}{self.result(fact.result)}"

    def _plain(self, node: ast.expr | None, label: str) -> bool:
        # `status == 'open'` (one field against a literal): its value alone says enough.
        if not isinstance(node, ast.Compare) or len(node.comparators) != 1:
            return False
        sides = [node.left, node.comparators[0]]
        return sum(not isinstance(s, ast.Constant) for s in sides) == 1

    def _name(self, label: str) -> str:
        return self.expression(label)

    def _colon(self) -> str:
        return "：" if self.lang == "zh" else ": "

    def failed(self, when: str, facts: Iterable[Fact]) -> list[str]:
        """The parts of a rule's `when` that did not hold on this event, in words."""
        when = when.strip()
        node = _parse(when)
        if node is None:
            return []
        results = {f.text.strip(): f.result for f in facts}
        parts = node.values if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And) else [node]
        out = []
        for part in parts:
            held = _holds(part, results, when)
            if held is False:
                out.append(self.node(part))
        return out


def _literal(node: ast.expr | None) -> bool:
    """A literal (`'custom'`, `['read', 'copy']`) explains itself: its value is not shown again."""
    if isinstance(node, ast.Constant):
        return True
    return isinstance(node, ast.List | ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts)


def _holds(node: ast.expr, results: dict[str, bool | None], text: str) -> bool | None:
    """Whether `node` held, from the results of its atoms; None when one of them is unknown."""
    if isinstance(node, ast.BoolOp):
        values = [_holds(v, results, text) for v in node.values]
        if isinstance(node.op, ast.And):
            return False if False in values else None if None in values else True
        return True if True in values else None if None in values else False
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _holds(node.operand, results, text)
        return None if inner is None else not inner
    segment = (ast.get_source_segment(text, node) or ast.unparse(node)).strip()
    return results.get(segment)
