"""The clause catalogue: every article of the regulation, its text, and whether rules check it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .citation import DEFAULT_NUMBERING, Numbering


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Item(Closed):
    item: int = Field(ge=1)
    label: str
    zh: str
    en: str
    # An item may say on its own whether rules can check it, where its article holds items
    # of both sorts (a procedure beside a duty no event shows); absent: as its article.
    computable: bool | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _reason_iff_not_computable(self) -> Item:
        if self.computable is False and not self.reason:
            raise ValueError("an item marked `computable: false` needs a `reason`")
        if self.computable is not False and self.reason:
            raise ValueError("`reason` is only for items marked `computable: false`")
        return self


class Article(Closed):
    article: int = Field(ge=1)
    label: str
    chapter: str
    chapter_en: str
    zh: str
    en: str
    computable: bool
    reason: str | None = None
    items: tuple[Item, ...] = ()

    @model_validator(mode="after")
    def _reason_iff_not_computable(self) -> Article:
        if not self.computable and not self.reason:
            raise ValueError("an article marked `computable: false` needs a `reason`")
        if self.computable and self.reason:
            raise ValueError("`reason` is only for articles marked `computable: false`")
        if not self.computable and any(i.computable is not None for i in self.items):
            raise ValueError("the items of an article marked `computable: false` take no `computable`")
        return self

    @property
    def itemised(self) -> bool:
        """Whether its items say on their own whether rules can check them (coverage lists them)."""
        return any(i.computable is not None for i in self.items)

    def item_of(self, number: int) -> Item | None:
        return next((i for i in self.items if i.item == number), None)


class RegulationInfo(Closed):
    title: str
    title_en: str
    issuer: str
    version: str
    # How clauses are labelled (第N条第（M）项, 四、2., 1.1); checked by the loader.
    numbering: Numbering = DEFAULT_NUMBERING


class Catalogue(Closed):
    regulation: RegulationInfo
    articles: tuple[Article, ...]

    def article(self, number: int) -> Article | None:
        return next((a for a in self.articles if a.article == number), None)

    def label(self, article: int, item: int | None = None) -> str:
        """A clause's label by the catalogue's numbering."""
        return self.regulation.numbering.label(article, item)
