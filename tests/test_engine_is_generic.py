"""The engine carries no word of any regulation: `src/` names nothing that a pack declares.

Every pack of the repository is loaded (`policy/`, and each folder under `packs/` that holds
a `policy.yaml`; the small packs under `tests/` are test data, not regulations), and `src/`
is read token by token, code, comments and docstrings alike, for:

- **names** the pack declares: event kinds, roles, violation and obligation codes (of rules,
  ledger rules, penalties and the authority), document codes and the other enum values of
  event fields, the names of its sanctions and of the values its decisions carry;
- **the regulation's title** (`regulation.title` of the catalogue);
- **field names** of its events;
- **article labels**: any label written 第N条 (the numbering of Chinese regulations, whichever
  pack), and each pack's own labels of three characters or more (`四、2.` is too short to
  tell from ordinary text, and its pack's 第-less style is covered by the labels it cites);
- **the text of its clauses**: any run of 8 Chinese characters of an article or an item.

Which names count. A name is a pack's word when it is a compound identifier (it holds `_`:
`general_manager`, `cash_receipt`, `prepared_by`): such a name says what only the pack says.
A plain English word (`id`, `date`, `amount`, `review`, `approve`, `sign`, `fine`) is exempt,
as the engine's vocabulary uses the same words for its own ends (an approval step's actions
are such words, so they are exempt too). The measures of sanctions (`warning`, `deduction`,
`dismissal`, ...) are the engine's vocabulary, not a pack's.

One exemption, named below: `ENGINE_NAMES`, the engine's own names that a pack happens to
use as a field name too.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path
from typing import Any

from salesops_rules import load_policy
from salesops_rules.core.compiled import CompiledOutcome, CompiledPolicy
from salesops_rules.core.scope import fields_of

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "salesops_rules"
PACKS = [ROOT / "policy", *sorted(p.parent for p in (ROOT / "packs").glob("*/policy.yaml"))]

# The engine's own names that a pack also uses as a field name: `last_day` is the audit's last
# judged day and an event's field alike; `signed_by` an expression function and a field.
ENGINE_NAMES = frozenset({"last_day", "signed_by"})

LABEL = re.compile(r"第[一二三四五六七八九十百零]+条")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{8,}")
CLAUSE_GRAM = 8


def _outcomes(policy: CompiledPolicy) -> list[CompiledOutcome]:
    found: list[CompiledOutcome] = []
    for rule in policy.rules:
        found += [o for o in (rule.then, rule.else_) if o is not None]
        if rule.table is not None:
            found += [row.then for row in rule.table.rows]
    return found


def event_models(policy: CompiledPolicy) -> dict[str, Any]:
    """The pack's event models (events.yaml, built at load)."""
    return dict(policy.events.models)


def pack_words(policy: CompiledPolicy) -> dict[str, str]:
    """The pack's names and field names that hold `_`, each with what it is."""
    words: dict[str, str] = {}

    def add(word: str, what: str) -> None:
        if "_" in word:
            words.setdefault(word, what)

    for kind in policy.plans:
        add(kind, "event kind")
    for role in policy.roles:
        add(role, "role")
    for code in policy.penalties:
        add(code, "code")
    for name in policy.sanctions:
        add(name, "sanction")
    for name in policy.values:
        add(name, "value")
    for outcome in _outcomes(policy):
        for ob in outcome.obligations:
            add(ob.code, "obligation code")
            for v in ob.overdue:
                add(v.code, "violation code")
        for v in outcome.violations:
            add(v.code, "violation code")
    for ledger in policy.ledger_rules:
        for finding in (*ledger.missing, *ledger.late, *ledger.open):
            add(finding.code, "code of a rule across events")
    if policy.authority is not None:
        add(policy.authority.code, "the authority's code")
    for model in event_models(policy).values():
        for path, typ in fields_of(model).items():
            for part in path.split("."):
                add(part, "field")
            for value in typ.enum or ():
                add(str(value), "document code or enum value")
    return words


def clause_grams(policy: CompiledPolicy) -> set[str]:
    texts = [a.zh for a in policy.catalogue.articles]
    texts += [i.zh for a in policy.catalogue.articles for i in a.items]
    grams = set()
    for text in texts:
        for run in re.findall(r"[\u4e00-\u9fff]+", text):
            grams.update(run[i : i + CLAUSE_GRAM] for i in range(len(run) - CLAUSE_GRAM + 1))
    return grams


def offences(policy: CompiledPolicy) -> list[str]:
    words = pack_words(policy)
    labels = {a.label for a in policy.catalogue.articles if len(a.label) >= 3}
    labels.add(policy.catalogue.regulation.title)
    grams = clause_grams(policy)
    found = []
    for file in sorted(SRC.rglob("*.py")):
        where = file.relative_to(SRC).as_posix()
        source = file.read_text(encoding="utf-8")
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            text, line = token.string, token.start[0]
            if token.type == tokenize.NAME:
                if text in words and text not in ENGINE_NAMES:
                    found.append(f"{where}:{line}: {words[text]} `{text}`")
                continue
            if token.type not in (tokenize.STRING, tokenize.COMMENT):
                continue
            for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text):
                if name in words and name not in ENGINE_NAMES:
                    found.append(f"{where}:{line}: {words[name]} `{name}`")
            for label in {*LABEL.findall(text), *(lb for lb in labels if lb in text)}:
                found.append(f"{where}:{line}: article label `{label}`")
            for run in CJK_RUN.findall(text):
                for i in range(len(run) - CLAUSE_GRAM + 1):
                    if run[i : i + CLAUSE_GRAM] in grams:
                        found.append(f"{where}:{line}: text of a clause `{run[i : i + CLAUSE_GRAM]}`")
                        break
    return found


def test_every_pack_loads() -> None:
    assert PACKS[0].name == "policy"
    for pack in PACKS:
        assert load_policy(pack).compiled.rules


def test_src_names_no_word_of_any_pack() -> None:
    found = [f"{pack.name}: {line}" for pack in PACKS for line in offences(load_policy(pack).compiled)]
    assert found == []


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    # The scan itself, on the bundled pack's words: a kind, a role, a label and clause text.
    policy = load_policy(PACKS[0]).compiled
    words = pack_words(policy)
    assert {"cash_receipt", "general_manager", "contract_limit_exceeded", "prepared_by"} <= set(words)
    assert "amount" not in words and "review" not in words  # plain words are exempt
    assert "本规定由总经理负" in clause_grams(policy)
