"""The one citation type: a pointer into the regulation."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 as the regulation writes them: 一, 十, 十一, 二十四."""
    if not 0 < n < 100:
        raise ValueError(f"article and item numbers run from 1 to 99, not `{n}`")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return head + (CHINESE_DIGITS[ones] if ones else "")


# The one placeholder of a numbering pattern: the number in digits, or in Chinese numerals.
PLACEHOLDER = re.compile(r"\{n(:zh)?\}")


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot number clauses, or None: one `{n}` or `{n:zh}`, no other braces."""
    found = PLACEHOLDER.findall(pattern)
    if len(found) != 1:
        return f"has {len(found)} placeholders, not one"
    if "{" in PLACEHOLDER.sub("", pattern) or "}" in PLACEHOLDER.sub("", pattern):
        return "has a brace that is not its placeholder"
    return None


class Numbering(BaseModel):
    """How a regulation labels its clauses: an article, and an item after its article's label."""

    # Built on first validation, not at import (as the decision's models: see model/decision.py).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    article: str = "第{n:zh}条"
    item: str = "第（{n:zh}）项"

    def label(self, article: int, item: int | None = None) -> str:
        label = _number(self.article, article)
        if item is not None:
            label += _number(self.item, item)
        return label


def _number(pattern: str, n: int) -> str:
    return PLACEHOLDER.sub(lambda m: chinese_number(n) if m.group(1) else str(n), pattern)


# The numbering of a catalogue that declares none (as Chinese regulations number theirs).
DEFAULT_NUMBERING = Numbering.model_construct()  # the defaults: nothing to validate


def cite_label(article: int, item: int | None = None, numbering: Numbering = DEFAULT_NUMBERING) -> str:
    return numbering.label(article, item)


class Cite(BaseModel):
    """`{article, item, label}`: which clause a part of a decision rests on."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    article: int
    item: int | None = None
    label: str

    # Decisions collect cites in sets on the hot path: hash and compare the two numbers only
    # (within a policy the label is derived from them by its catalogue's numbering).
    def __hash__(self) -> int:
        return hash((self.article, self.item))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cite):
            return NotImplemented
        return self.article == other.article and self.item == other.item

    @classmethod
    def of(cls, article: int, item: int | None = None, numbering: Numbering = DEFAULT_NUMBERING) -> Cite:
        return cls(article=article, item=item, label=numbering.label(article, item))
