"""What every policy file's models share: their base, and a text in both languages.

Apart from `model/policy.py` so that a compiled pack read from the cache (which holds texts
of the declaration of its events) does not import the models of every policy file (issue 13).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Spec(BaseModel):
    """Every policy model rejects unknown keys: a misspelt key is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Bilingual(Spec):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


REWARDS = frozenset({"bonus", "certificate"})  # measures of a sanction that reward rather than punish
