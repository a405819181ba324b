"""The format of a pack's `labels.yaml`: the words of the contract's names in both languages."""

from __future__ import annotations

from pydantic import Field

from .spec import Bilingual, Spec


class LabelsFile(Spec):
    """Kinds, field paths, closed values (by field), codes, approval actions and functions."""

    kinds: dict[str, Bilingual] = Field(default_factory=dict)
    fields: dict[str, Bilingual] = Field(default_factory=dict)
    enums: dict[str, dict[str, Bilingual]] = Field(default_factory=dict)
    codes: dict[str, Bilingual] = Field(default_factory=dict)
    actions: dict[str, Bilingual] = Field(default_factory=dict)
    functions: dict[str, Bilingual] = Field(default_factory=dict)
