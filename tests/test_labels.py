"""Every name a reader may meet has words in both languages in the pack's labels.yaml.

`explain` and the report render kinds, fields, the values of closed fields, codes, approval
actions and functions through `core/labels.py`; a name without a label would be shown
as it is, in English, to a Chinese reader. These tests walk the event models and the pack,
so a field or code added later without its words fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bundled_events import EVENT_MODELS
from salesops_rules import load_policy
from salesops_rules.core.evaluator import NOT_IN_FORCE
from salesops_rules.core.expressions import FUNCTIONS
from salesops_rules.core.labels import FILE, labels_of
from salesops_rules.core.scope import fields_of

POLICY = load_policy()
LABELS = labels_of(POLICY.compiled)
ROOT = Path(POLICY.compiled.root)
FIELDS = {path: typ for model in EVENT_MODELS.values() for path, typ in fields_of(model).items()}
BUILT_IN = {"approvals_satisfied", "event_date"}  # names the evaluator adds to every event
# The money a legal note gives (`figures:`), shown with the note under these names.
FIGURES = {name for note in POLICY.compiled.legal_notes for name, _ in note.figures}


def _codes() -> set[str]:
    codes = set()
    for file in ROOT.glob("*.yaml"):
        if file.name in ("penalties.yaml", FILE):
            continue
        codes |= set(re.findall(r"\bcode: ([a-z_]+)", file.read_text(encoding="utf-8")))
    return codes | {NOT_IN_FORCE}  # the authority's code is read from policy.yaml above


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_kind_field_and_value_has_words(lang: str) -> None:
    assert [k for k in EVENT_MODELS if LABELS.kind(k, lang) == k and lang == "zh"] == []
    assert [p for p in [*FIELDS, *BUILT_IN, *FIGURES] if LABELS.field(p, lang) == p] == []
    missing = [
        (path, value)
        for path, typ in FIELDS.items()
        for value in typ.enum or ()
        if LABELS.value(path, value, lang) == value and lang == "zh"
    ]
    assert missing == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_code_action_and_function_has_words(lang: str) -> None:
    assert sorted(c for c in _codes() if LABELS.code(c, lang) == c) == []
    actions = {step.action for chain in POLICY.compiled.chains.values() for step in chain.steps}
    assert sorted(a for a in actions if a not in LABELS.actions) == []
    assert sorted(f for f in FUNCTIONS if LABELS.function(f, lang) is None) == []


def test_labels_name_only_what_exists() -> None:
    data = yaml.safe_load((ROOT / FILE).read_text(encoding="utf-8"))
    assert set(data["kinds"]) <= set(EVENT_MODELS)
    assert FIGURES, "the bundled pack's legal notes give figures"
    assert set(data["fields"]) <= set(FIELDS) | BUILT_IN | FIGURES
    assert set(data["functions"]) <= set(FUNCTIONS)
    for table in (data["kinds"], data["fields"], data["codes"], data["actions"], data["functions"]):
        assert all(set(pair) == {"zh", "en"} for pair in table.values())
    assert all(set(pair) == {"zh", "en"} for values in data["enums"].values() for pair in values.values())


def test_a_pack_without_labels_falls_back_to_the_bundled_ones(tmp_path: Path) -> None:
    import shutil

    pack = tmp_path / "pack"
    shutil.copytree(ROOT, pack, ignore=shutil.ignore_patterns(FILE, "tests"))
    labels = labels_of(load_policy(pack).compiled)
    assert labels.kind("contract", "zh") == "合同"
    assert labels.value("product_class", "custom", "zh") == "定制产品"


def test_a_bad_labels_file_is_a_policy_error_naming_it(tmp_path: Path) -> None:
    import shutil

    from salesops_rules.errors import PolicyError

    pack = tmp_path / "pack"
    shutil.copytree(ROOT, pack, ignore=shutil.ignore_patterns("tests"))
    (pack / FILE).write_text("kinds:\n  contract: {zh: 合同}\n", encoding="utf-8")
    # Refused at load, by the loader's own check of the file, not on the first explanation.
    with pytest.raises(PolicyError) as caught:
        load_policy(pack)
    assert caught.value.message == (
        f"policy does not load: 1 error\n{pack / FILE}:2:3: error: missing key `en` at `kinds.contract.en`"
    )
