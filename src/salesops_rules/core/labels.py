"""The words a reader sees for the names of the contract, from the pack's `labels.yaml`.

Event kinds, field paths, the values of closed fields, obligation codes, approval actions
and expression functions each have a Chinese and an English label there; violation codes
take theirs from penalties.yaml, decision values from policy.yaml, roles from roles.yaml.
`explain` and the audit report render names only through this module, so that a reader of
`--lang zh` never meets an identifier, and one of `--lang en` never meets a snake_case name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Finding, PolicyError
from .compiled import UNDETERMINED_CODE, CompiledPolicy
from .places import default_policy_dir

if TYPE_CHECKING:
    from ..model.event_spec import FieldSpec
    from ..model.labels import LabelsFile

FILE = "labels.yaml"
# A snake_case name or a dotted path, in backticks or bare, as engine messages quote them.
_NAME = re.compile(r"`?\b([a-z]+(?:_[a-z]+)+(?:\.[a-z_]+)*|[a-z]+\.[a-z]+(?:_[a-z]+)*)\b`?")
Pair = dict[str, str]  # {"zh": ..., "en": ...}


@dataclass(frozen=True)
class Labels:
    policy: CompiledPolicy
    kinds: dict[str, Pair]
    fields: dict[str, Pair]
    enums: dict[str, dict[str, Pair]]
    codes: dict[str, Pair]
    actions: dict[str, Pair]
    functions: dict[str, Pair]

    def kind(self, name: str, lang: str) -> str:
        return _pick(self.kinds.get(name), lang, name)

    def field(self, path: str, lang: str) -> str:
        """A field path, a decision value or a role as words; the name itself when it has none."""
        pair = self.fields.get(path)
        if pair is not None:
            return _pick(pair, lang, path)
        info = self.policy.values.get(path)
        if info is not None:
            return info.label.zh if lang == "zh" else info.label.en
        role = self.policy.roles.get(path)
        if role is not None:
            return role.zh if lang == "zh" else role.en
        return path

    def value(self, path: str | None, value: str, lang: str) -> str:
        """A value of a closed field as words (a value of an enum field, in the pack's words)."""
        for key in (path, path.rsplit(".", 1)[-1] if path else None):
            if key is not None and value in self.enums.get(key, {}):
                return _pick(self.enums[key][value], lang, value)
        for values in self.enums.values():  # a bare literal: the one closed list that holds it
            if value in values:
                return _pick(values[value], lang, value)
        if value in self.policy.penalties:  # an incident's `violation` names a breach
            return self.code(value, lang)
        return value

    def code(self, code: str, lang: str) -> str:
        """A violation, obligation or approval code (`role.action` for an approval step) as words."""
        penalty = self.policy.penalties.get(code)
        if penalty is not None:
            return penalty.message.zh if lang == "zh" else penalty.message.en
        if code in self.codes:
            return _pick(self.codes[code], lang, code)
        if code == UNDETERMINED_CODE:  # the engine's own, in a pack that names no authority
            return "结论未定（无人受权决定）" if lang == "zh" else "undetermined (no one is named to decide)"
        role, dot, action = code.partition(".")
        if dot:
            return self.step(role, action, lang)
        return code

    def step(self, role: str, action: str, lang: str) -> str:
        """An approval step in the pack's words: a role's words followed by the action's."""
        who = self.field(role, lang)
        what = self.action(action, lang)
        return f"{who}{what}" if lang == "zh" else f"the {who}'s {what}"

    def names_in(self, text: str, lang: str) -> str:
        """A message of the engine with the field and value names it quotes put in words."""

        def named(match: re.Match[str]) -> str:
            name = match.group(1)
            label = self.field(name, lang)
            if label == name:
                label = self.code(name, lang)
            return match.group(0) if label == name else label

        return _NAME.sub(named, text)

    def action(self, action: str, lang: str) -> str:
        return _pick(self.actions.get(action), lang, action)

    def function(self, name: str, lang: str) -> str | None:
        pair = self.functions.get(name)
        return None if pair is None else _pick(pair, lang, name)


def _pick(pair: Pair | None, lang: str, fallback: str) -> str:
    if pair is None:
        return fallback
    return pair.get("zh" if lang == "zh" else "en", fallback)


_CACHE: dict[str, Labels] = {}


def _pairs(table: Mapping[str, Any]) -> dict[str, Pair]:
    return {name: {"zh": words.zh, "en": words.en} for name, words in table.items()}


def _read(path: Path) -> LabelsFile:
    """The labels file, read by the one YAML loader and checked against its format.

    A file that does not fit is a PolicyError naming the file and line of each problem.
    """
    from pydantic import ValidationError

    from ..model.labels import LabelsFile
    from .yamlsource import YamlSyntaxError, load

    try:
        source = load(path, str(path))
    except YamlSyntaxError as error:
        finding = Finding(str(path), error.line, error.column, None, error.message, error.help)
        raise PolicyError([finding]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError([Finding(str(path), 1, 1, None, f"cannot read the file: {error}")]) from None
    problems = [
        Finding(str(path), line, column, None, message, help)
        for line, column, message, help in source.all_problems()
    ]
    if source.refused:  # a refused value would only be reported again, as missing
        raise PolicyError(problems)
    try:
        labels = LabelsFile.model_validate(source.data or {})
    except ValidationError as error:
        for e in error.errors():
            line, column = source.where(tuple(e["loc"]))
            where = ".".join(map(str, e["loc"]))
            problems.append(Finding(str(path), line, column, None, f"`{where}`: {e['msg'].lower()}"))
        raise PolicyError(problems) from None
    if problems:
        raise PolicyError(problems)
    return labels


Words = dict[str, Pair]


def event_words(policy: CompiledPolicy) -> tuple[Words, Words, dict[str, Words]]:
    """The words events.yaml gives: of each kind, of each field path, of each closed field's values."""
    events = policy.events
    spec = events.spec
    # From the declaration, not `events.kinds`: a cached pack makes a kind's model only when used.
    kinds = {name: {"zh": kind.zh, "en": kind.en} for name, kind in spec.kinds.items()}
    fields: dict[str, Pair] = {}
    enums: dict[str, dict[str, Pair]] = {}
    roles = {name: {"zh": words.zh, "en": words.en} for name, words in policy.roles.items()}

    def walk(prefix: str, declared: dict[str, FieldSpec], depth: int) -> None:
        for name, field in declared.items():
            path = prefix + name
            fields.setdefault(path, {"zh": field.zh, "en": field.en})
            type_name = field.of if field.type == "list" else field.type
            values = field.values or (spec.enums[type_name].values if type_name in spec.enums else None)
            if values:
                enums.setdefault(name, _pairs(values))
            elif type_name == "role":
                enums.setdefault(name, roles)
            if type_name in spec.shapes and field.type != "list" and depth < _DEPTH:
                walk(path + ".", spec.shapes[type_name].fields, depth + 1)

    for declared in events.declared.values():
        walk("", declared, 0)
    record = spec.shapes.get(spec.approval_record or "")
    if record is not None and "role" in record.fields:  # a record's role, read by its last name
        walk("", {"role": record.fields["role"]}, _DEPTH)
    return kinds, fields, enums


_DEPTH = 8  # shapes within shapes worded at most this deep


def labels_of(policy: CompiledPolicy) -> Labels:
    """The labels of `policy`'s pack (read once per pack), or the bundled ones when it has none."""
    cached = _CACHE.get(policy.root)
    if cached is not None and cached.policy is policy:
        return cached
    known_here = _KNOWN.get(policy.root)
    words = known_here[1] if known_here is not None and known_here[0] is policy else None
    if words is None:
        path = Path(policy.root) / FILE
        if not path.is_file():
            path = default_policy_dir() / FILE
        words = file_words(_read(path)) if path.is_file() else _NO_WORDS
    kinds, fields, enums = event_words(policy)
    # labels.yaml words the other names, and may say a declared field otherwise where it
    # reads better in its place (`permission.at`: 许可时间, not the approval record's 签字时间).
    enums.update(words["enums"])
    labels = Labels(
        policy,
        kinds={**kinds, **words["kinds"]},
        fields={**fields, **words["fields"]},
        enums=enums,
        codes=dict(words["codes"]),
        actions={
            **{name: {"zh": t.zh, "en": t.en} for name, t in policy.actions.items()},
            **words["actions"],
        },
        functions=dict(words["functions"]),
    )
    _CACHE[policy.root] = labels
    return labels


# The words of a labels file, as plain dicts: {"kinds": {name: pair}, ..., "enums": {field: {value: pair}}}.
FileWords = Mapping[str, Any]
_NO_WORDS: FileWords = {key: {} for key in ("kinds", "fields", "enums", "codes", "actions", "functions")}


def file_words(data: LabelsFile) -> FileWords:
    return {
        "kinds": _pairs(data.kinds),
        "fields": _pairs(data.fields),
        "enums": {name: _pairs(values) for name, values in data.enums.items()},
        "codes": _pairs(data.codes),
        "actions": _pairs(data.actions),
        "functions": _pairs(data.functions),
    }


def pack_words(root: str) -> FileWords | None:
    """The words of the pack's own labels.yaml, for the compiled-pack cache to keep (core/cache.py);
    None when the pack has none or it does not read (`labels_of` then reads it, and says why)."""
    path = Path(root) / FILE
    if not path.is_file():
        return None
    try:
        return file_words(_read(path))
    except PolicyError:
        return None


def known(policy: CompiledPolicy, words: FileWords) -> None:
    """The words of the labels.yaml of `policy`'s pack, as the cached pack holds them: read
    from the cache, a pack's `explain` needs no YAML read (issue 13). The cache's key covers
    the file (it is one of the pack's), so they are the file's words as the pack was read;
    they serve that compiled pack only (another, loaded after an edit, reads the file)."""
    _KNOWN[policy.root] = (policy, words)


_KNOWN: dict[str, tuple[CompiledPolicy, FileWords]] = {}
