"""The one citation type: a pointer into the regulation."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..99 as the regulation writes them: 一, 十, 十一, 二十四."""
    if not 0 < n < 100:
        raise ValueError(f"article and item numbers run from 1 to 99, not `{n}`")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return head + (CHINESE_DIGITS[ones] if ones else "")


def cite_label(article: int, item: int | None = None) -> str:
    label = f"第{chinese_number(article)}条"
    if item is not None:
        label += f"第（{chinese_number(item)}）项"
    return label


class Cite(BaseModel):
    """`{article, item, label}`: which clause a part of a decision rests on."""

    model_config = ConfigDict(frozen=True)

    article: int
    item: int | None = None
    label: str

    # Decisions collect cites in sets on the hot path: hash and compare the two numbers only
    # (the label is derived from them).
    def __hash__(self) -> int:
        return hash((self.article, self.item))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Cite):
            return NotImplemented
        return self.article == other.article and self.item == other.item

    @classmethod
    def of(cls, article: int, item: int | None = None) -> Cite:
        return cls(article=article, item=item, label=cite_label(article, item))
