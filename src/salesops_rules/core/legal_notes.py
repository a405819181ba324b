"""Legal notes (`legal_notes:`): where the regulation meets national law, shown beside decisions.

A note cites an article of a law (not a clause of the regulation) with its text, is dated
like a rule (by the event's date), and applies when its `when` holds on the event and the
decision's values. It may compute `figures` (money: the law's view of a company figure,
such as the part of a deposit that is 定金) and a `deduction_cap` (the share of a month's
pay a deduction may take). It never changes a value, a verdict or a sanction: the company's
rule stands, and the note says what the law says beside it. Compiled once at load through
the one expression compiler; the evaluator only runs the notes of the event's kind.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..model.decision import LawCitation, Penalty, Range, Text
from ..model.money import CENT, round_money
from .compiled import CompiledLegalNote
from .expressions import Expression, ExpressionError, compile_expression
from .places import PathKey
from .suggest import closest

if TYPE_CHECKING:  # the load's side: imported by `compile_file`, not by the evaluator's import
    from ..model.policy import LawSpec, LegalNoteSpec
    from .loading import BuildContext
    from .yamlsource import Source


def _law(spec: LawSpec) -> LawCitation:
    return LawCitation(law=spec.law, article=spec.article, text=spec.zh, text_en=spec.en)


class _NoteCompiler:
    def __init__(self, builder: BuildContext, spec: LegalNoteSpec, source: Source, path: PathKey) -> None:
        self.b, self.spec, self.source, self.path = builder, spec, source, path
        self.ok = True
        self.uses: set[str] = set()

    def error(self, path: PathKey, message: str, help: str | None = None) -> None:
        self.ok = False
        self.b.report.at(self.source, (*self.path, *path), message, self.spec.id, help)

    def compile(self) -> CompiledLegalNote | None:
        spec = self.spec
        kinds = spec.kinds
        known = self.b.kinds()
        for j, kind in enumerate(kinds or ()):
            if kind not in known:
                close = closest(kind, known)
                self.error(
                    ("on",) if isinstance(spec.on, str) else ("on", j),
                    f"unknown event kind `{kind}`",
                    f"did you mean `{close}`?" if close else None,
                )
        if (spec.when is not None or spec.figures) and kinds is None:
            self.error(("on",), "a note with `when` or `figures` reads an event: name its kinds in `on`")
        if not self.ok:
            return None
        when = self.expression(spec.when, ("when",), ("bool",)) if spec.when is not None else None
        figures = []
        for name, text in spec.figures.items():
            compiled = self.expression(text, ("figures", name), ("number",))
            if compiled is not None:
                figures.append((name, compiled))
        if not self.ok:
            return None
        return CompiledLegalNote(
            id=spec.id,
            kinds=kinds,
            cite=_law(spec.law),
            also=tuple(_law(a) for a in spec.also),
            effective_from=spec.effective_from,
            effective_to=spec.effective_to,
            when=when,
            figures=tuple(figures),
            deduction_cap=spec.deduction_cap,
            note=Text(zh=spec.note.zh, en=spec.note.en),
            file=self.source.file,
            line=self.source.where(self.path)[0],
        )

    def expression(self, text: str, path: PathKey, want: tuple[str, ...]) -> Expression | None:
        compiled: Expression | None = None
        for kind in self.spec.kinds or ():
            try:
                compiled = compile_expression(text, self.b.scopes[kind])
            except ExpressionError as error:
                prefix = f"in `{text}`: " if text not in error.message else ""
                self.error(path, prefix + error.message, error.help)
                return None
        assert compiled is not None
        if compiled.type.kind not in (*want, "any"):
            self.error(
                path, f"`{text}` is {compiled.type.describe()}, but {' or '.join(want)} is needed here"
            )
            return None
        self.uses.update(compiled.names)
        return compiled


def compile_file(
    builder: BuildContext, source: Source, seen: dict[str, tuple[Source, PathKey]]
) -> tuple[list[CompiledLegalNote], dict[str, set[str]]]:
    """The `legal_notes:` of one file, and per kind the event fields they read."""
    from ..model.policy import LegalNoteSpec
    from .loading import validate_rule

    raw_notes = source.data["legal_notes"]
    if not isinstance(raw_notes, list):
        builder.report.at(source, ("legal_notes",), "`legal_notes` must be a list")
        return [], {}
    notes: list[CompiledLegalNote] = []
    reads: dict[str, set[str]] = {}
    for i, raw in enumerate(raw_notes):
        path: PathKey = ("legal_notes", i)
        spec = validate_rule(LegalNoteSpec, raw, source, builder.report, path, seen)
        if spec is None:
            continue
        compiler = _NoteCompiler(builder, spec, source, path)
        note = compiler.compile()
        if note is not None:
            notes.append(note)
            for kind in note.kinds or ():
                reads.setdefault(kind, set()).update(compiler.uses)
    return notes, reads


# ---- applying them (evaluator) ----


def notes_for(
    notes: tuple[CompiledLegalNote, ...], day: Any, ns: dict[str, Any], deductions: bool
) -> list[tuple[CompiledLegalNote, dict[str, Decimal]]]:
    """The notes that apply to an event, each with its figures."""
    found = []
    for note in notes:
        if (note.deduction_cap is not None and not deductions) or not note.in_force(day):
            continue
        try:
            if note.when is not None and not note.when.fn(ns):
                continue
            figures = {name: _money(expr.fn(ns)) for name, expr in note.figures}
        except (TypeError, ArithmeticError, ValueError, KeyError):
            continue  # a figure the event does not give (an undetermined deposit): no note
        found.append((note, figures))
    return found


def _money(value: Any) -> Decimal:
    exact = Decimal(value)
    if exact != exact.quantize(CENT):
        raise ValueError(f"figure {value} is not a whole number of 分: the note must use round_money")
    return exact.quantize(CENT)


def capped(penalty: Penalty, salary: Decimal, ratio: Decimal) -> Penalty:
    """The penalty with the most a month's pay may lose to it, and the months recovering it takes."""
    if penalty.deduction_amount is None:
        return penalty
    per_month = round_money(salary * ratio)  # the one place a ratio is applied: half-up to 0.01
    if per_month <= 0:
        return penalty
    low, high = Decimal(penalty.deduction_amount.min), Decimal(penalty.deduction_amount.max)
    months = Range(min=math.ceil(low / per_month), max=math.ceil(high / per_month))
    return penalty.model_copy(update={"deduction_cap_per_month": per_month, "months_to_recover": months})
