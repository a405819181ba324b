"""The one loader: a policy folder in, a compiled policy (or every error in it) out.

Loading runs in passes, each collecting findings instead of stopping at the first:
YAML syntax and duplicate keys; the schema of each file and of each rule on its own (so
one broken rule does not hide the others); then the meaning: citations against the
catalogue, expressions against the event models, approval chains as graphs, violation
codes against the penalty table, and the order rules must run in.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Callable, Collection
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from ..errors import Finding, PolicyError
from ..model.catalogue import Catalogue
from ..model.citation import DEFAULT_NUMBERING, Cite, pattern_problem
from ..model.decision import Text, ValueInForce
from ..model.event_spec import EventsFile
from ..model.labels import LabelsFile
from ..model.policy import (
    CODE_PATTERN,
    MEASURES,
    ONE_OF,
    REWARDS,
    AmountsSpec,
    Bilingual,
    CiteSpec,
    Manifest,
    Outcome,
    PenaltiesFile,
    PenaltySpec,
    RolesFile,
    Row,
    RuleSpec,
    StepSpec,
    ViolationSpec,
)
from . import approvals as chains_mod
from . import ledger_rules as ledger_rules_mod
from . import legal_notes as legal_notes_mod
from .approvals import UNCITED
from .compiled import (
    UNDETERMINED_CODE,
    Amounts,
    Authority,
    Cell,
    CompiledLedgerRule,
    CompiledLegalNote,
    CompiledObligation,
    CompiledOutcome,
    CompiledPolicy,
    CompiledRow,
    CompiledRule,
    CompiledTable,
    CompiledViolation,
    DatedValue,
    PenaltyRule,
    PlainSource,
    RowPeriod,
    SanctionForm,
    ValueInfo,
    ValueSource,
)
from .eventkinds import EventKinds, build_event_kinds
from .expressions import Expression, ExpressionError, compile_expression, one_line
from .extract import make_extractor
from .graphs import Graph
from .literals import LiteralError, read_number
from .loading import M, Report, validate_model, validate_rule
from .places import default_policy_dir as default_policy_dir  # its home before issue 13
from .scope import VALUE_TYPES, Type, event_scope
from .suggest import closest
from .yamlsource import PathKey, Source, YamlSyntaxError, load

MANIFEST, CATALOGUE, ROLES_FILE, PENALTIES, LABELS, EVENTS = (
    "policy.yaml",
    "regulation.yaml",
    "roles.yaml",
    "penalties.yaml",
    "labels.yaml",  # words for names (core/labels.py), read by explain and the report
    "events.yaml",  # the event kinds (core/eventkinds.py)
)
SPECIAL_FILES = (MANIFEST, CATALOGUE, ROLES_FILE, PENALTIES, LABELS, EVENTS)
RULE_FILE_KEYS = ("rules", "ledger_rules", "legal_notes")  # what a rule file may hold
COMPARATORS = ("<=", ">=", "<", ">", "==")
DATED_HELP = (
    "a dated value maps the first day of each value to it, oldest first: "
    "`{2011-11-01: 0.50, 2012-07-01: 0.60}`"
)
_DATE_KEY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The approval actions of a pack whose roles.yaml declares none.
DEFAULT_ACTIONS = ("review", "approve", "sign", "supervise", "permit")
CELL_HELP = 'a cell is a value, a list of values, a comparison such as `"<= 10000"`, or `-` for any value'

T = TypeVar("T")  # what a dated mapping holds: a value or a table cell


def load_policy(path: str | Path | None = None) -> CompiledPolicy:
    root = Path(path) if path is not None else default_policy_dir()
    report = Report()
    if not root.is_dir():
        raise PolicyError([Finding(str(root), 1, 1, None, "policy folder does not exist")])
    sources: dict[str, Source] = {}
    for file in sorted(root.glob("*.yaml")):
        display = str(file)
        try:
            source = load(file, display)
        except YamlSyntaxError as error:
            report.findings.append(
                Finding(display, error.line, error.column, None, error.message, error.help)
            )
            continue
        except (OSError, UnicodeDecodeError) as error:
            report.findings.append(Finding(display, 1, 1, None, f"cannot read the file: {error}"))
            continue
        for line, column, message, help in source.all_problems():
            report.findings.append(Finding(display, line, column, None, message, help))
        if not source.refused:  # a refused value would only be reported again, as missing
            sources[file.name] = source
    if EVENTS not in sources and not any(f.file.endswith(EVENTS) for f in report.findings):
        # A pack without its own events judges those of the bundled pack, as with labels.yaml.
        bundled = default_policy_dir() / EVENTS
        if bundled != root / EVENTS and bundled.is_file():
            sources[EVENTS] = load(bundled, str(bundled))
    for required in (MANIFEST, CATALOGUE, ROLES_FILE, PENALTIES, EVENTS):
        if required not in sources and not any(f.file.endswith(required) for f in report.findings):
            report.findings.append(
                Finding(str(root / required), 1, 1, None, f"the policy folder has no `{required}`")
            )
    policy = _Builder(root, sources, report).build()
    if report.findings or policy is None:
        raise PolicyError(report.findings)
    return policy


class _Builder:
    def __init__(self, root: Path, sources: dict[str, Source], report: Report) -> None:
        self.root, self.sources, self.report = root, sources, report
        self.manifest: Manifest | None = None
        self.catalogue: Catalogue | None = None
        self.roles_file: RolesFile | None = None
        self.value_types: dict[str, Type] = {}
        self.chains: dict[str, chains_mod.Chain] = {}
        self.broken_chains: set[str] = set()  # declared, but reported as invalid already
        self.penalties: dict[str, PenaltyRule] = {}
        self.sanctions: dict[str, SanctionForm] = {}
        self.numbering = DEFAULT_NUMBERING  # the catalogue's, once checked
        self.scopes: dict[str, dict[str, Type]] = {}
        self.penalties_loaded = False
        self.ledger_rules: list[CompiledLedgerRule] = []
        self.legal_notes: list[CompiledLegalNote] = []
        self.note_reads: dict[str, set[str]] = {}  # per kind, the fields legal notes read
        self.suggestion_budget = 100_000  # choices compared for "did you mean", about 1 s
        self.events: EventKinds | None = None

    def suggest(self, word: str, choices: Collection[str]) -> list[str]:
        """The closest of `choices` to `word` for a "did you mean", within a budget per load.

        `difflib` compares `word` with every choice: 20,000 rule ids take 0.2 s a call, and
        a hostile file can ask once per rule. Past the budget, findings carry no suggestion.
        """
        if len(choices) > self.suggestion_budget:
            return []
        self.suggestion_budget -= len(choices)
        close = closest(word, choices)
        return [close] if close else []

    def kinds(self) -> Collection[str]:
        return self.events.kinds if self.events is not None else ()

    def _file(self, name: str, model: type[M]) -> M | None:
        source = self.sources.get(name)
        if source is None:
            return None
        return validate_model(model, source.data, source, self.report)

    def build(self) -> CompiledPolicy | None:
        self.manifest = self._file(MANIFEST, Manifest)
        self.catalogue = self._file(CATALOGUE, Catalogue)
        if self.catalogue is not None:
            self._check_numbering(self.catalogue)
        self.roles_file = self._file(ROLES_FILE, RolesFile)
        penalties_file = self._file(PENALTIES, PenaltiesFile)
        # Words are read by explain and the report, later; checked here so that a bad file is
        # refused at load (and by the service's reload gate), not on the first explanation.
        self._file(LABELS, LabelsFile)
        if self.manifest is not None:
            self.value_types = {n: VALUE_TYPES[v.type] for n, v in self.manifest.values.items()}
        self.events = self._events()
        if self.events is None:
            return None  # every rule names kinds and fields: without them, nothing else can be checked
        self.scopes = {
            kind: event_scope(model, self.value_types) for kind, model in self.events.models.items()
        }
        if self.roles_file is not None:
            self._build_roles(self.roles_file)
        if penalties_file is not None:
            self._build_penalties(penalties_file)
            self.penalties_loaded = True
        rules = self._build_rules()
        if self.manifest is None or self.catalogue is None or self.roles_file is None:
            return None
        plans = self._plans(rules)
        models = self.events.models
        extractors = {
            kind: make_extractor(
                models[kind], _names_read(plan) | self.note_reads.get(kind, set()), self.scopes[kind]
            )
            for kind, plan in plans.items()
        }
        values = {
            name: ValueInfo(name, spec.type, Text(zh=spec.zh, en=spec.en))
            for name, spec in self.manifest.values.items()
        }
        roles = {name: Text(zh=r.zh, en=r.en) for name, r in self.roles_file.roles.items()}
        actions = {name: Text(zh=a.zh, en=a.en) for name, a in (self.roles_file.actions or {}).items()}
        return CompiledPolicy(
            name=self.manifest.policy.name,
            version=self.manifest.policy.version,
            root=str(self.root),
            catalogue=self.catalogue,
            values=values,
            roles=roles,
            actions=actions,
            chains=self.chains,
            rules=tuple(rules),
            plans=plans,
            extractors=extractors,
            penalties=self.penalties,
            events=self.events,
            ledger_rules=tuple(self.ledger_rules),
            legal_notes=tuple(self.legal_notes),
            versions=tuple((v.effective_from, v.version) for v in self.manifest.policy.versions),
            in_force=self._in_force(self.manifest),
            authority=self._authority(self.manifest),
            sanctions=self.sanctions,
            reward_codes=frozenset(c for c, p in self.penalties.items() if p.reward),
            notices=self._notices(self.manifest),
        )

    def _events(self) -> EventKinds | None:
        spec = self._file(EVENTS, EventsFile)
        if spec is None:
            return None
        source = self.sources[EVENTS]
        roles = tuple(self.roles_file.roles) if self.roles_file is not None else ()

        def report(path: PathKey, message: str, help: str | None) -> None:
            self.report.at(source, path, message, None, help)

        return build_event_kinds(spec, report, roles)

    def _in_force(self, manifest: Manifest) -> tuple[dt.date, Cite] | None:
        spec = manifest.policy.in_force
        if spec is None:
            return None
        cite = self.cite(spec.cite, self.sources[MANIFEST], ("policy", "in_force", "cite"), None)
        return spec.first_day, cite

    def _authority(self, manifest: Manifest) -> Authority | None:
        spec = manifest.authority
        if spec is None:
            return None
        source = self.sources[MANIFEST]
        roles = self.roles_file.roles if self.roles_file is not None else {}
        if spec.role not in roles:
            close = self.suggest(spec.role, list(roles))
            self.report.at(
                source,
                ("authority", "role"),
                f"authority role `{spec.role}` is not declared in roles.yaml",
                None,
                f"did you mean `{close[0]}`?" if close else "declare it under `roles:` in roles.yaml",
            )
        if re.fullmatch(CODE_PATTERN, spec.code) is None:
            self.report.at(
                source,
                ("authority", "code"),
                f"authority code `{spec.code}` is not lower_snake_case",
                None,
                "an obligation code is lowercase letters, digits and `_`, as `refer_to_authority`",
            )
        for lang in ("zh", "en"):
            if not getattr(spec, lang).strip():
                self.report.at(
                    source,
                    ("authority", lang),
                    f"`authority.{lang}` is empty",
                    None,
                    "write the authority as a sentence names it, in Chinese (`zh`) and in English (`en`)",
                )
        cite = self.cite(spec.cite, source, ("authority", "cite"), None)
        return Authority(spec.role, cite, spec.code, Text(zh=spec.zh, en=spec.en))

    def _notices(self, manifest: Manifest) -> tuple[Finding, ...]:
        if manifest.authority is not None:
            return ()
        source = self.sources[MANIFEST]
        line, column = source.where(())
        return (
            Finding(
                source.file,
                line,
                column,
                None,
                "no `authority`: the cases the rules leave open stay undetermined (obligation "
                f"`{UNDETERMINED_CODE}`), referred to no one",
                "declare who decides them: `authority: {role, cite, code, zh, en}` (docs/policy-format.md)",
                "warning",
            ),
        )

    # ---- citations ----
    def _check_numbering(self, catalogue: Catalogue) -> None:
        """The numbering's patterns, and each article's label against them; a bad pattern
        leaves the default numbering in place, so that the other findings still read."""
        source = self.sources[CATALOGUE]
        numbering = catalogue.regulation.numbering
        bad = False
        for key in ("article", "item"):
            pattern = getattr(numbering, key)
            problem = pattern_problem(pattern)
            if problem is not None:
                bad = True
                self.report.at(
                    source,
                    ("regulation", "numbering", key),
                    f"numbering pattern `{pattern}` {problem}",
                    None,
                    "write `{n}` (digits) or `{n:zh}` (Chinese numerals) once, as in "
                    '`article: "{n:zh}、"` and `item: "{n}."`',
                )
        if bad:
            self.numbering = DEFAULT_NUMBERING
            return
        self.numbering = numbering
        for i, article in enumerate(catalogue.articles):
            try:
                wanted = numbering.label(article.article)
            except ValueError as error:  # Chinese numerals past 99
                self.report.at(source, ("articles", i, "article"), str(error), None, "number it with `{n}`")
                continue
            if article.label != wanted:
                self.report.at(
                    source,
                    ("articles", i, "label"),
                    f"article {article.article} is labelled `{article.label}`, "
                    f"but the numbering gives `{wanted}`",
                    None,
                    f"write `label: {wanted}`, or change `regulation.numbering.article` "
                    f"(`{numbering.article}`)",
                )

    def cite(self, spec: CiteSpec, source: Source, path: PathKey, rule: str | None) -> Cite:
        if self.catalogue is not None:
            article = self.catalogue.article(spec.article)
            if article is None:
                self.report.at(
                    source,
                    path,
                    f"article `{spec.article}` is not in the catalogue",
                    rule,
                    f"the regulation has articles 1 to {max(a.article for a in self.catalogue.articles)}",
                )
            elif spec.item is not None and article.item_of(spec.item) is None:
                self.report.at(
                    source,
                    path,
                    f"{article.label} has no item `{spec.item}`",
                    rule,
                    f"its items run from 1 to {len(article.items)}"
                    if article.items
                    else "this article has no enumerated items",
                )
            elif not article.computable:
                self.report.at(
                    source,
                    path,
                    f"{article.label} is marked `computable: false` in the catalogue",
                    rule,
                    f"the catalogue says: {article.reason}",
                )
            elif spec.item is not None and (item := article.item_of(spec.item)) and item.computable is False:
                label = self.catalogue.label(spec.article, spec.item)
                self.report.at(
                    source,
                    path,
                    f"{label} is marked `computable: false` in the catalogue",
                    rule,
                    f"the catalogue says: {item.reason}",
                )
        try:
            return Cite.of(spec.article, spec.item, self.numbering)
        except ValueError as error:  # beyond what a label can name: reported above when a catalogue loaded
            if self.catalogue is None:
                self.report.at(source, path, str(error), rule)
            return Cite.of(1)  # a placeholder: the findings stop the load

    # ---- roles and chains ----
    def _build_roles(self, spec: RolesFile) -> None:
        source = self.sources[ROLES_FILE]
        graphs = []
        for name, chain in spec.chains.items():
            built = self.chain(chain.steps, source, ("chains", name, "steps"), None, name, None)
            if built is not None:
                self.chains[name] = built[0]
                graphs.append((name, built[1]))
            else:
                self.broken_chains.add(name)
        # Cycles are listed up to a bound (`approvals.MAX_CYCLES`): over roles a hostile file
        # invents and orders every way, more than could ever be listed.
        for problem in chains_mod.precedence_conflicts(graphs):
            self.report.at(source, ("chains",), problem)

    def chain(
        self,
        steps: tuple[StepSpec, ...],
        source: Source,
        path: PathKey,
        rule: str | None,
        name: str,
        default: Cite | None,
    ) -> tuple[chains_mod.Chain, Graph[int]] | None:
        """A chain's steps checked and built. A step without `cite` takes `default`, the clause of
        the rule it is written in; in a named chain (no rule, `default` None) it is left
        `UNCITED` and takes the clause of each rule that uses the chain (`with_cite`)."""
        known = self.roles_file.roles if self.roles_file is not None else {}
        declared = self.roles_file.actions if self.roles_file is not None else None
        actions = tuple(declared) if declared is not None else DEFAULT_ACTIONS
        ok = True
        for i, step in enumerate(steps):
            if step.action not in actions:
                close = self.suggest(step.action, actions)
                self.report.at(
                    source,
                    (*path, i, "action"),
                    f"unknown approval action `{step.action}`",
                    rule,
                    f"did you mean `{close[0]}`?"
                    if close
                    else "actions: "
                    + ", ".join(f"`{a}`" for a in actions)
                    + (" (declared under `actions:` in roles.yaml)" if declared is not None else ""),
                )
                ok = False
            for role in step.roles:
                if role in known:
                    continue
                close = self.suggest(role, list(known))
                self.report.at(
                    source,
                    (*path, i, "role"),
                    f"unknown role `{role}` in an approval chain",
                    rule,
                    f"did you mean `{close[0]}`?" if close else "declare it under `roles:` in roles.yaml",
                )
                ok = False
            if step.by_preparer and step.action != "sign":
                self.report.at(
                    source,
                    (*path, i, "by_preparer"),
                    f"`by_preparer` is for a `sign` step, not `{step.action}`",
                    rule,
                    "the preparer signs what they prepared; nobody reviews, approves, permits "
                    "or supervises their own event",
                )
                ok = False
        try:
            graph = chains_mod.build_graph([(s.role, s.after) for s in steps])
        except chains_mod.ChainError as error:
            self.report.at(
                source,
                (*path, error.step) if error.step is not None else path,
                error.message,
                rule,
                error.help,
            )
            return None
        if not ok:
            return None
        specs = []
        for i, s in enumerate(steps):
            cite = self.cite(s.cite, source, (*path, i, "cite"), rule) if s.cite else default or UNCITED
            specs.append((s.roles, s.action, cite, s.accepts_consent, s.by_end_of, s.by_preparer))
        return chains_mod.make_chain(name, graph, specs), graph

    # ---- penalties ----
    def _build_penalties(self, spec: PenaltiesFile) -> None:
        source = self.sources[PENALTIES]
        codes = self.events.violation_codes if self.events is not None else None
        for name, form in spec.sanctions.items():
            if name == ONE_OF:
                self.report.at(
                    source,
                    ("sanctions", name),
                    f"`{ONE_OF}` is not a name for a sanction",
                    None,
                    f"a penalty lists alternatives under `{ONE_OF}:`; name this sanction otherwise",
                )
                continue
            unknown = [(j, m) for j, m in enumerate(form.measures) if m not in MEASURES]
            for j, measure in unknown:
                close = self.suggest(measure, MEASURES)
                self.report.at(
                    source,
                    ("sanctions", name, "measures", j),
                    f"sanction `{name}`: unknown measure `{measure}`",
                    None,
                    f"did you mean `{close[0]}`?"
                    if close
                    else "the measures: " + ", ".join(f"`{m}`" for m in MEASURES),
                )
            if unknown:
                continue
            self.sanctions[name] = SanctionForm(name, frozenset(form.measures), Text(zh=form.zh, en=form.en))
        for i, penalty in enumerate(spec.penalties):
            path: PathKey = ("penalties", i)
            amounts = self._amounts(penalty, penalty, source, path)
            alternatives = tuple(
                self._amounts(choice, penalty, source, (*path, "one_of", j))
                for j, choice in enumerate(penalty.one_of or ())
            )
            if not self._penalty_shape(penalty, source, path) or amounts is None or None in alternatives:
                continue
            parts = alternatives if penalty.one_of is not None else (amounts,)
            measures = frozenset().union(*(self.sanctions[a.sanction].measures for a in parts))  # type: ignore[union-attr]
            reward = measures <= REWARDS
            if codes is not None and penalty.code not in codes and not reward:
                close = self.suggest(penalty.code, codes)
                self.report.at(
                    source,
                    (*path, "code"),
                    f"unknown violation code `{penalty.code}`",
                    None,
                    f"did you mean `{close[0]}`?"
                    if close
                    else "the codes: " + ", ".join(f"`{c}`" for c in codes),
                )
            if penalty.code in self.penalties:
                self.report.at(source, (*path, "code"), f"violation `{penalty.code}` has two penalties")
                continue
            assert amounts is not None
            self.penalties[penalty.code] = PenaltyRule(
                code=penalty.code,
                cite=self.cite(penalty.cite, source, (*path, "cite"), None),
                sanction=amounts.sanction if penalty.one_of is None else ONE_OF,
                months=amounts.months,
                requires_determination=penalty.requires_determination,
                message=_text(penalty.message),
                fine=amounts.fine,
                bonus=amounts.bonus,
                bonus_ratio=amounts.bonus_ratio,
                bonus_of=amounts.bonus_of,
                alternatives=tuple(a for a in alternatives if a is not None),
                measures=measures,
            )

    def _penalty_shape(self, penalty: PenaltySpec, source: Source, path: PathKey) -> bool:
        """A penalty names one sanction, or lists two or more alternatives with their own amounts."""
        problem = None
        if penalty.one_of is None and penalty.sanction is None:
            problem = (
                "a penalty needs `sanction` or `one_of`",
                "name a sanction declared under `sanctions:`",
            )
        elif penalty.one_of is not None and penalty.sanction is not None:
            problem = (
                "a penalty has either `sanction` or `one_of`, not both",
                "list the sanction as one of the alternatives",
            )
        elif penalty.one_of is not None and len(penalty.one_of) < 2:
            problem = (
                f"`one_of` lists {len(penalty.one_of)} alternative(s), not at least two",
                "a single sanction is written `sanction: NAME`",
            )
        elif penalty.one_of is not None and any(
            (penalty.deduction_months, penalty.fine_yuan, penalty.bonus_yuan, penalty.bonus_ratio)
        ):
            problem = (
                "with `one_of`, the amounts go with each alternative",
                "move them into the alternative",
            )
        if problem is None:
            return True
        self.report.at(source, path, problem[0], None, problem[1])
        return False

    def _amounts(
        self, spec: AmountsSpec, penalty: PenaltySpec, source: Source, path: PathKey
    ) -> Amounts | None:
        """A sanction and its amounts, checked against the measures the sanction declares."""
        if spec.sanction is None:
            if spec is penalty:  # with `one_of`: the alternatives name theirs
                return Amounts(ONE_OF)
            self.report.at(
                source, path, "an alternative needs its `sanction`", None, "as in `{sanction: fine}`"
            )
            return None
        form = self.sanctions.get(spec.sanction)
        if form is None:
            close = self.suggest(spec.sanction, list(self.sanctions))
            self.report.at(
                source,
                (*path, "sanction"),
                f"sanction `{spec.sanction}` is not declared under `sanctions:`",
                None,
                f"did you mean `{close[0]}`?"
                if close
                else "declare it in penalties.yaml: `sanctions: {NAME: {measures: [...], zh: ..., en: ...}}`",
            )
            return None
        ok = True
        given = {
            "deduction": ("deduction_months", spec.deduction_months),
            "fine": ("fine_yuan", spec.fine_yuan),
            "bonus": ("bonus_yuan` or `bonus_ratio", spec.bonus_yuan or spec.bonus_ratio),
        }
        listed = ", ".join(f"`{m}`" for m in sorted(form.measures))
        for measure, (key, value) in given.items():
            if value is not None and measure not in form.measures:
                self.report.at(
                    source,
                    (*path, key.split("`")[0]),
                    f"`{key}` is given, but sanction `{form.name}` has no `{measure}`",
                    None,
                    f"its measures: {listed}",
                )
                ok = False
            elif (
                value is None
                and measure in form.measures
                and (measure == "deduction" or not penalty.requires_determination)
            ):
                self.report.at(
                    source,
                    path,
                    f"sanction `{form.name}` has a `{measure}`: the penalty needs `{key}`",
                    None,
                    "as in `deduction_months: [1, 3]`"
                    if measure == "deduction"
                    else f"or `requires_determination: true` when a person sets the amount ({measure})",
                )
                ok = False
        for key in ("deduction_months", "fine_yuan", "bonus_yuan"):
            bounds = getattr(spec, key)
            if bounds is not None and (bounds[0] < 0 or bounds[1] < bounds[0]):
                self.report.at(
                    source,
                    (*path, key),
                    f"`{key}` must be [min, max] with 0 <= min <= max, not [{bounds[0]}, {bounds[1]}]",
                    None,
                    "write the smaller bound first; [x, x] for exactly x",
                )
                ok = False
        if spec.bonus_yuan is not None and spec.bonus_ratio is not None:
            self.report.at(
                source,
                (*path, "bonus_ratio"),
                "a bonus is `bonus_yuan` or `bonus_ratio`, not both",
                None,
                "a fixed sum, or a share of a value",
            )
            ok = False
        ratio = spec.bonus_ratio
        if ratio is not None and self.manifest is not None:
            declared = self.manifest.values.get(ratio.of)
            if declared is None or declared.type != "money":
                money = [n for n, v in self.manifest.values.items() if v.type == "money"]
                close = self.suggest(ratio.of, money)
                self.report.at(
                    source,
                    (*path, "bonus_ratio", "of"),
                    f"`bonus_ratio.of` names `{ratio.of}`, which is not a money value of policy.yaml",
                    None,
                    f"did you mean `{close[0]}`?"
                    if close
                    else "declare it under `values:` with `type: money`",
                )
                ok = False
        if not ok:
            return None
        return Amounts(
            sanction=form.name,
            months=spec.deduction_months,
            fine=spec.fine_yuan,
            bonus=spec.bonus_yuan,
            bonus_ratio=ratio.ratio if ratio is not None else None,
            bonus_of=ratio.of if ratio is not None else None,
        )

    # ---- rules ----
    def _build_rules(self) -> list[CompiledRule]:
        compiled: list[CompiledRule] = []
        seen: dict[str, tuple[Source, PathKey]] = {}
        specs: list[tuple[RuleSpec, Source, PathKey]] = []
        ledger_files: list[Source] = []
        note_files: list[Source] = []
        for name, source in self.sources.items():
            if name in SPECIAL_FILES:
                continue
            data = source.data
            if not isinstance(data, dict) or not set(RULE_FILE_KEYS) & set(data):
                self.report.at(
                    source,
                    (),
                    "a rule file needs a top-level `rules:` list",
                    help="every *.yaml beside policy.yaml other than "
                    + ", ".join(SPECIAL_FILES[1:])
                    + " is a rule file",
                )
                continue
            extra = sorted(set(data) - set(RULE_FILE_KEYS))
            for key in extra:
                self.report.at(source, (key,), f"unknown key `{key}` at the top of a rule file")
            if "ledger_rules" in data:
                ledger_files.append(source)
            if "legal_notes" in data:
                note_files.append(source)
            if "rules" not in data:
                continue
            if not isinstance(data["rules"], list):
                self.report.at(source, ("rules",), "`rules` must be a list")
                continue
            for i, raw in enumerate(data["rules"]):
                spec = validate_rule(RuleSpec, raw, source, self.report, ("rules", i), seen)
                if spec is None:
                    continue
                specs.append((spec, source, ("rules", i)))
        for spec, source, path in specs:
            rule = _RuleCompiler(self, spec, source, path).compile()
            if rule is not None:
                compiled.append(rule)
        ids = {r.id: r for r in compiled}
        for spec, source, path in specs:
            for j, target in enumerate(spec.exception_to):
                if target not in seen:
                    close = self.suggest(target, list(seen))
                    self.report.at(
                        source,
                        (*path, "exception_to", j),
                        f"`exception_to` names unknown rule `{target}`",
                        spec.id,
                        f"did you mean `{close[0]}`?" if close else None,
                    )
                elif (
                    target in ids and spec.id in ids and not set(ids[target].kinds) & set(ids[spec.id].kinds)
                ):
                    self.report.at(
                        source,
                        (*path, "exception_to", j),
                        f"rule `{target}` judges other kinds of event: this rule cannot be its exception",
                        spec.id,
                    )
        for source in ledger_files:
            self.ledger_rules += ledger_rules_mod.compile_file(self, source, seen, compiled)
        for source in note_files:
            notes, reads = legal_notes_mod.compile_file(self, source, seen)
            self.legal_notes += notes
            for kind, names in reads.items():
                self.note_reads.setdefault(kind, set()).update(names)
        return compiled

    def _plans(self, rules: list[CompiledRule]) -> dict[str, tuple[CompiledRule, ...]]:
        """Per kind, the rules in the order they must run: a rule after every rule setting what it reads.

        Linear in the rules and the names they set and read: a rule points at a node per
        value it sets, that node at every rule reading the value, instead of setters at
        readers pairwise (k setters and m readers of one value: k + m edges, not k * m).
        """
        plans: dict[str, tuple[CompiledRule, ...]] = {}
        assert self.events is not None
        by_kind: dict[str, list[CompiledRule]] = {kind: [] for kind in self.events.kinds}
        for rule in rules:
            for kind in rule.kinds:
                by_kind[kind].append(rule)
        for kind, of_kind in by_kind.items():
            # Rules sort by their place in the files; a value runs as soon as it can (-1),
            # so a rule becomes ready exactly when the rules setting what it reads are done.
            order: dict[tuple[str, str], int] = {("rule", r.id): i for i, r in enumerate(of_kind)}
            graph: Graph[tuple[str, str]] = Graph()
            graph.add_nodes_from(order)
            for rule in of_kind:
                for name in rule.sets:
                    graph.add_edge(("rule", rule.id), ("value", name))
                    order[("value", name)] = -1
            for user in of_kind:
                # An expression naming `approvals` reads the event's records (`signed_by`), not
                # the decision's chain; only `approvals_satisfied` waits for the chain.
                needs = set(user.uses) - {"approvals"}
                if "approvals_satisfied" in needs:
                    needs.add("approvals")
                own = user.sets & needs
                if own:
                    self._at_rule(
                        user,
                        f"rule `{user.id}` reads a value it sets itself: "
                        + ", ".join(f"`{n}`" for n in sorted(own)),
                        "compute the dependent value in a rule of its own",
                    )
                for name in needs - own:
                    if ("value", name) in order:
                        graph.add_edge(("value", name), ("rule", user.id))
                for name in own:  # other rules setting it still come first
                    for setter in graph.predecessors(("value", name)):
                        if setter != ("rule", user.id):
                            graph.add_edge(setter, ("rule", user.id))
            if not graph.is_acyclic():
                import networkx as nx  # to name the cycle, as ever

                found = nx.find_cycle(graph.networkx_copy())
                cycle = [node[1] for node, _ in found if node[0] == "rule"]
                first = next(r for r in of_kind if r.id == cycle[0])
                self._at_rule(
                    first,
                    "rules depend on each other's values in a cycle: " + " -> ".join([*cycle, cycle[0]]),
                )
                continue
            ordered = graph.lexicographic_order(key=lambda node: (order[node], node[1]))
            by_id = {r.id: r for r in of_kind}
            plans[kind] = tuple(by_id[node[1]] for node in ordered if node[0] == "rule")
        return plans

    def _at_rule(self, rule: CompiledRule, message: str, help: str | None = None) -> None:
        self.report.findings.append(Finding(rule.file, rule.line, 1, rule.id, message, help))


def _text(spec: Bilingual) -> Text:
    return Text(zh=spec.zh, en=spec.en)


def _names_read(plan: tuple[CompiledRule, ...]) -> set[str]:
    return {name for rule in plan for name in rule.uses}


class _RuleCompiler:
    """Turns one valid RuleSpec into a CompiledRule, reporting what does not make sense."""

    def __init__(self, builder: _Builder, spec: RuleSpec, source: Source, path: PathKey) -> None:
        self.b, self.spec, self.source, self.path = builder, spec, source, path
        self.ok = True
        self.uses: set[str] = set()
        self.sets: set[str] = set()

    def error(self, path: PathKey, message: str, help: str | None = None) -> None:
        self.ok = False
        self.b.report.at(self.source, (*self.path, *path), message, self.spec.id, help)

    def compile(self) -> CompiledRule | None:
        spec = self.spec
        kinds = self.b.kinds()
        for j, kind in enumerate(spec.kinds):
            if kind not in kinds:
                close = self.b.suggest(kind, list(kinds))
                where: PathKey = ("on",) if isinstance(spec.on, str) else ("on", j)
                self.error(
                    where,
                    f"unknown event kind `{kind}`",
                    f"did you mean `{close[0]}`?"
                    if close
                    else "kinds: " + ", ".join(f"`{k}`" for k in kinds),
                )
        if not self.ok:
            return None
        cite = self.b.cite(spec.cite, self.source, (*self.path, "cite"), spec.id)
        when = self.expression(spec.when, ("when",), "bool") if spec.when else None
        then = self.outcome(spec.then, ("then",), cite) if spec.then else None
        else_ = self.outcome(spec.else_, ("else",), cite) if spec.else_ else None
        table = self.table(cite) if spec.table else None
        if not self.ok:
            return None
        return CompiledRule(
            id=spec.id,
            kinds=spec.kinds,
            cite=cite,
            title=_text(spec.title) if spec.title else None,
            when=when,
            then=then,
            else_=else_,
            table=table,
            exception_to=frozenset(spec.exception_to),
            effective_from=spec.effective_from,
            effective_to=spec.effective_to,
            file=self.source.file,
            line=self.source.where(self.path)[0],
            sets=frozenset(self.sets),
            uses=frozenset(self.uses),
        )

    def expression(self, written: str, path: PathKey, want: str | None) -> Expression | None:
        text = one_line(written)
        compiled: Expression | None = None
        for kind in self.spec.kinds:
            scope = self.b.scopes[kind]
            try:
                compiled = compile_expression(text, scope)
            except ExpressionError as error:
                prefix = f"in `{text}`: " if error.message.find(text) < 0 else ""
                suffix = f" (for `{kind}` events)" if len(self.spec.kinds) > 1 else ""
                self.error(path, prefix + error.message + suffix, error.help)
                return None
        assert compiled is not None
        if want is not None and compiled.type.kind not in (_kind_of(want), "any"):
            self.error(path, f"`{text}` is {compiled.type.describe()}, but {want} is needed here")
            return None
        self.uses.update(compiled.names)
        return compiled

    def outcome(self, spec: Outcome, path: PathKey, cite: Cite) -> CompiledOutcome:
        values: list[tuple[str, ValueSource]] = []
        for name, raw in spec.values.items():
            declared = self.b.manifest.values.get(name) if self.b.manifest else None
            if declared is None:
                known = list(self.b.manifest.values) if self.b.manifest else []
                close = self.b.suggest(name, known)
                self.error(
                    (*path, "values", name),
                    f"value `{name}` is not declared in policy.yaml",
                    f"did you mean `{close[0]}`?" if close else "declare it under `values:`",
                )
                continue
            before = len(self.b.report.findings)
            source = self.value(raw, declared.type, (*path, "values", name))
            if len(self.b.report.findings) == before:
                values.append((name, source))
                self.sets.add(name)
        chain = None
        if spec.approvals is not None:
            chain = self.approvals(spec.approvals, (*path, "approvals"), cite)
            self.sets.add("approvals")
        obligations = []
        for i, ob in enumerate(spec.obligations):
            unless = (
                self.expression(ob.unless, (*path, "obligations", i, "unless"), "bool") if ob.unless else None
            )
            ob_cite = (
                self.b.cite(ob.cite, self.source, (*self.path, *path, "obligations", i, "cite"), self.spec.id)
                if ob.cite
                else cite
            )
            where: PathKey = (*path, "obligations", i)
            deadline = self.deadline(ob.deadline, (*where, "deadline")) if ob.deadline else None
            overdue = (
                self.violations(ob.overdue.violations, (*where, "overdue"), ob_cite) if ob.overdue else ()
            )
            obligations.append(
                CompiledObligation(ob.code, _text(ob.message), ob_cite, unless, deadline, overdue)
            )
        return CompiledOutcome(
            tuple(values),
            chain,
            tuple(obligations),
            self.violations(spec.violations, path, cite),
            _text(spec.note) if spec.note else None,
        )

    def violations(
        self, specs: tuple[ViolationSpec, ...], path: PathKey, cite: Cite
    ) -> tuple[CompiledViolation, ...]:
        found = []
        for i, v in enumerate(specs):
            if self.b.penalties_loaded and v.code not in self.b.penalties:
                close = self.b.suggest(v.code, list(self.b.penalties))
                self.error(
                    (*path, "violations", i, "code"),
                    f"violation `{v.code}` has no penalty in penalties.yaml",
                    f"did you mean `{close[0]}`?"
                    if close
                    else "every violation a rule emits needs its sanction in penalties.yaml",
                )
            v_cite = (
                self.b.cite(v.cite, self.source, (*self.path, *path, "violations", i, "cite"), self.spec.id)
                if v.cite
                else cite
            )
            found.append(CompiledViolation(v.code, _text(v.message), v_cite))
        return tuple(found)

    def deadline(self, text: str, path: PathKey) -> Expression | None:
        """An obligation's deadline: an expression giving a date or a timestamp."""
        compiled = self.expression(text, path, None)
        if compiled is not None and compiled.type.kind not in ("date", "datetime", "any"):
            self.error(
                path,
                f"`{text}` is {compiled.type.describe()}, but a deadline is a date or a timestamp",
                f"a date means by the end of that day: `date_of({self.timestamp_field()})`",
            )
            return None
        return compiled

    def timestamp_field(self) -> str:
        """A timestamp field of the rule's events, for an example in a help line."""
        scope = self.b.scopes[self.spec.kinds[0]]
        return next((n for n, t in scope.items() if t.kind == "datetime" and "." not in n), "FIELD")

    def value(self, raw: Any, declared: str, path: PathKey) -> ValueSource | None:
        if isinstance(raw, dict):
            return self.dated(raw, declared, path)
        return self.plain(raw, declared, path)

    def dated(self, raw: dict[str, Any], declared: str, path: PathKey) -> DatedValue | None:
        """`{2011-11-01: 0.50, 2012-07-01: 0.60}`: each value checked as a plain one, the days ascending."""

        def read(item: Any, where: PathKey) -> tuple[bool, PlainSource]:
            before = len(self.b.report.findings)
            source = self.plain(item, declared, where)
            return len(self.b.report.findings) == before, source

        written = self.by_day(raw, path, "value", read)
        return None if written is None else DatedValue.of(str(path[-1]), self.spec.id, written)

    def by_day(
        self, raw: dict[str, Any], path: PathKey, what: str, read: Callable[[Any, PathKey], tuple[bool, T]]
    ) -> list[tuple[dt.date, T]] | None:
        """A mapping of first days to what `read` makes of each entry, the days ascending;
        None (every problem reported) if a day or an entry is wrong."""
        if not raw:
            self.error(path, f"a dated {what} needs at least one `date: {what}`", DATED_HELP)
            return None
        found: list[tuple[dt.date, T]] = []
        ok = True
        for key, item in raw.items():
            where = (*path, key)
            day = _date_key(key)
            if isinstance(day, str):
                self.error(where, day, DATED_HELP)
                ok = False
                continue
            if found and day <= found[-1][0]:
                self.error(
                    where,
                    f"`{key}` comes after `{found[-1][0].isoformat()}`: a dated {what}'s days must ascend",
                    "list the days oldest first, each once",
                )
                ok = False
                continue
            fine, made = read(item, where)
            if not fine:
                ok = False
                continue
            found.append((day, made))
        return found if ok else None

    def plain(self, raw: Any, declared: str, path: PathKey) -> PlainSource:
        if raw is None:
            return None
        if isinstance(raw, str):
            return self.expression(raw, path, declared)
        literal_ok = (declared == "bool" and isinstance(raw, bool)) or (
            declared in ("money", "ratio", "int")
            and isinstance(raw, int | Decimal)
            and not isinstance(raw, bool)
        )
        if not literal_ok:
            shown = (
                "a list" if isinstance(raw, list) else "a mapping" if isinstance(raw, dict) else f"`{raw}`"
            )
            self.error(
                path,
                f"{shown} is not a {declared}",
                "a string value is read as an expression: quote text as \"'text'\"",
            )
            return None
        if declared == "ratio" and not 0 <= raw <= 1:
            self.error(path, f"ratio `{raw}` is outside 0 to 1", "write 30% as 0.30")
            return None
        value: PlainSource = raw
        return value

    def approvals(
        self, raw: str | tuple[StepSpec, ...], path: PathKey, cite: Cite
    ) -> chains_mod.Chain | None:
        if isinstance(raw, str):
            chain = self.b.chains.get(raw)
            if chain is None and raw in self.b.broken_chains:
                self.ok = False  # its own findings say what is wrong; "unknown" would mislead
            elif chain is None:
                close = self.b.suggest(raw, list(self.b.chains))
                self.error(
                    path,
                    f"unknown approval chain `{raw}`",
                    f"did you mean `{close[0]}`?" if close else "chains are declared in roles.yaml",
                )
            else:
                self.deadlines(chain, path)
                self.preparers(chain, path)
                chain = chains_mod.with_cite(chain, cite)
            return chain
        before = len(self.b.report.findings)
        # Steps written inline without a cite rest on the rule's own clause.
        built = self.b.chain(raw, self.source, (*self.path, *path), self.spec.id, self.spec.id, cite)
        if built is None or len(self.b.report.findings) > before:
            self.ok = False
            return None
        chain = built[0]
        self.deadlines(chain, path)
        self.preparers(chain, path)
        return chain

    def deadlines(self, chain: chains_mod.Chain, path: PathKey) -> None:
        """A step's `by_end_of` must name a date or timestamp every event of the rule's kinds has."""
        for step in chain.steps:
            if step.by_end_of is None:
                continue
            for kind in self.spec.kinds:
                typ = self.b.scopes[kind].get(step.by_end_of)
                if typ is None or typ.kind not in ("date", "datetime") or typ.nullable:
                    self.error(
                        path,
                        f"chain `{chain.name}`: `by_end_of: {step.by_end_of}` is not a date or timestamp "
                        f"that every `{kind}` event has",
                        "name a required date field of the event, or `event_date`",
                    )
                    return

    def preparers(self, chain: chains_mod.Chain, path: PathKey) -> None:
        """A `by_preparer` step needs a preparer (`people.preparer`) in every event of the rule's kinds."""
        if not any(step.by_preparer for step in chain.steps):
            return
        events = self.b.events
        assert events is not None
        for kind in self.spec.kinds:
            field = events.preparer.get(kind)
            typ = self.b.scopes[kind].get(field) if field is not None else None
            if field is None or typ is None or typ.nullable:
                with_preparer = [k for k in events.kinds if k in events.preparer]
                named = events.spec.people.preparer or "people.preparer"
                self.error(
                    path,
                    f"chain `{chain.name}`: its `by_preparer` step needs `{named}`, "
                    f"which `{kind}` events do not have"
                    if named
                    else f"chain `{chain.name}`: its `by_preparer` step needs a preparer, and the pack "
                    "names none (`people.preparer` in events.yaml)",
                    "kinds with a preparer: " + ", ".join(f"`{k}`" for k in with_preparer),
                )
                return

    def table(self, cite: Cite) -> CompiledTable | None:
        spec = self.spec.table
        assert spec is not None
        scope = self.b.scopes[self.spec.kinds[0]]
        for i, name in enumerate(spec.inputs):
            if name not in scope:
                close = self.b.suggest(name, list(scope))
                self.error(
                    ("table", "inputs", i),
                    f"unknown table input `{name}`",
                    f"did you mean `{close[0]}`?" if close else None,
                )
        if not self.ok:
            return None
        rows: list[CompiledRow] = []
        outputs: list[str] = []
        for r, row in enumerate(spec.rows):
            compiled = self.row(r, row, spec.inputs, cite)
            if compiled is None:
                continue
            rows.append(compiled)
            for name in sorted(compiled.then.slots):
                if name not in outputs:
                    outputs.append(name)
        self.uses.update(spec.inputs)
        return CompiledTable(spec.hit, spec.inputs, tuple(outputs), tuple(rows))

    def row(self, r: int, row: Row, inputs: tuple[str, ...], cite: Cite) -> CompiledRow | None:
        path: PathKey = ("table", "rows", r)
        cells: list[Cell] = []
        parts: list[str] = []
        for name in row.when:
            if name not in inputs:
                self.error(
                    (*path, "when", name),
                    f"`{name}` is not an input of this table",
                    "inputs: " + ", ".join(f"`{i}`" for i in inputs),
                )
        dated: dict[str, list[tuple[dt.date, Cell]]] = {}
        for name in inputs:
            raw = row.when.get(name, "-")
            if isinstance(raw, dict):
                found = self.dated_cell(name, raw, (*path, "when", name))
                if found is not None:
                    dated[name] = found
                continue
            cell = _cell(name, raw)
            if isinstance(cell, str):
                self.error((*path, "when", name), cell)
                continue
            cells.append(cell)
            if cell.op != "any":
                parts.append(_cell_source(cell))
        row_cite = (
            self.b.cite(row.cite, self.source, (*self.path, *path, "cite"), self.spec.id)
            if row.cite
            else cite
        )
        then = self.outcome(row.then, (*path, "then"), row_cite)
        if not dated:
            condition = self.expression(" and ".join(parts) or "True", (*path, "when"), "bool")
            return None if condition is None else CompiledRow(r, condition, tuple(cells), then, row_cite)
        if len(dated) + len(cells) < len(inputs):
            return None  # a cell was refused: its finding says why
        periods = self.row_periods(r, inputs, cells, dated, path)
        if periods is None:
            return None
        last = periods[-1]
        assert last.condition is not None  # from the last day on, every dated cell states a condition
        written = tuple((name, _dated_cell_text(days)) for name, days in dated.items())
        return CompiledRow(r, last.condition, last.cells, then, row_cite, periods, written)

    def dated_cell(self, name: str, raw: dict[str, Any], path: PathKey) -> list[tuple[dt.date, Cell]] | None:
        """A condition cell that changes on dates: `{2011-11-01: "<= 10000", 2012-07-01: "<= 20000"}`."""

        def read(item: Any, where: PathKey) -> tuple[bool, Cell]:
            cell = _cell(name, item) if isinstance(item, bool | int | Decimal | str | list) else None
            if isinstance(cell, Cell):
                return True, cell
            self.error(where, cell or f"a dated cell holds cells, not {_shape(item)}", CELL_HELP)
            return False, Cell(name, "any", None)  # never kept: the entry is refused

        return self.by_day(raw, path, "cell", read)

    def row_periods(
        self,
        r: int,
        inputs: tuple[str, ...],
        cells: list[Cell],
        dated: dict[str, list[tuple[dt.date, Cell]]],
        path: PathKey,
    ) -> tuple[RowPeriod, ...] | None:
        """The row's condition on each period its dated cells make, each compiled once."""
        plain = {cell.input: cell for cell in cells}
        days = sorted({day for written in dated.values() for day, _ in written})
        periods: list[RowPeriod] = []
        for start in days:
            now: list[Cell] = []
            entries: list[ValueInForce] = []
            for name in inputs:
                if name in plain:
                    now.append(plain[name])
                    continue
                written = dated[name]
                i = bisect_right([d for d, _ in written], start) - 1
                if i < 0:
                    break  # this cell states nothing yet: the row matches nothing in this period
                now.append(written[i][1])
                until = written[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(written) else None
                entries.append(
                    ValueInForce.assemble(
                        name=name, rule=self.spec.id, since=written[i][0], until=until, row=r + 1
                    )
                )
            if len(now) < len(inputs):
                periods.append(RowPeriod(start, (), None, ()))
                continue
            text = " and ".join(_cell_source(c) for c in now if c.op != "any") or "True"
            condition = self.expression(text, (*path, "when"), "bool")
            if condition is None:
                return None
            periods.append(RowPeriod(start, tuple(now), condition, tuple(entries)))
        return tuple(periods)


def _dated_cell_text(days: list[tuple[dt.date, Cell]]) -> str:
    shown = []
    for day, cell in days:
        text = "-" if cell.op == "any" else _cell_source(cell).removeprefix(f"{cell.input} ")
        shown.append(f"{day.isoformat()}: {text}")
    return "{" + ", ".join(shown) + "}"


def _shape(raw: Any) -> str:
    return "a mapping" if isinstance(raw, dict) else "null" if raw is None else f"`{raw}`"


def _date_key(key: str) -> dt.date | str:
    """A dated value's key as its day, or why it is not one."""
    if not _DATE_KEY.fullmatch(key):
        return f"`{key}` is not a date: a dated value's keys are days written YYYY-MM-DD"
    try:
        return dt.date.fromisoformat(key)
    except ValueError as error:
        return f"`{key}` is not a date on the calendar: {error}"


def _kind_of(declared: str) -> str:
    return "number" if declared in ("money", "ratio", "int") else declared


def _cell(name: str, raw: Any) -> Cell | str:
    if isinstance(raw, list | tuple):
        return Cell(name, "in", tuple(raw))
    if isinstance(raw, str):
        text = raw.strip()
        if text in ("-", "any", ""):
            return Cell(name, "any", None)
        for op in COMPARATORS:
            if text.startswith(op):
                number = text[len(op) :].strip()
                try:
                    return Cell(name, op, Decimal(read_number(number)))
                except LiteralError as error:
                    return f"`{raw}`: {error.message}; write a comparison cell as in `<= 10000`"
        return Cell(name, "==", text)
    return Cell(name, "==", raw)


def _cell_source(cell: Cell) -> str:
    if cell.op == "in":
        return f"{cell.input} in {tuple(cell.value)!r}"
    value = repr(cell.value) if isinstance(cell.value, str) else str(cell.value)
    return f"{cell.input} {cell.op} {value}"
