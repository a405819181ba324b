"""What the web page shows of a pack, article by article: text, what enforces it, its test cases.

Everything is read from the compiled policy and the library functions behind the commands
(`tools/article_coverage.py` for `coverage`, `tools/cases.py` and
`tools/rulecoverage.py` for `test`); nothing here decides what enforces an article. The
view is built once per loaded policy (its hash), not per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.compiled import CompiledLedgerRule, CompiledPolicy, CompiledRow, CompiledRule
from ..core.places import in_pack as relative
from ..model.catalogue import Article
from ..policy import Policy
from ..tools import cases as cases_mod
from ..tools.article_coverage import ArticleCoverage, coverage, rule_cites, summary
from ..tools.rulecoverage import RuleCoverage, rule_coverage


@dataclass(frozen=True)
class CaseView:
    number: int  # 1-based position among the pack's cases: `/ui/try?case=N`
    case: cases_mod.Case
    result: cases_mod.CaseResult
    where: str  # file:line, relative to the pack


@dataclass
class ArticleView:
    article: Article
    coverage: ArticleCoverage
    rules: list[tuple[CompiledRule, list[CompiledRow]]] = field(default_factory=list)
    ledger_rules: list[CompiledLedgerRule] = field(default_factory=list)
    cases: list[CaseView] = field(default_factory=list)


@dataclass
class PackView:
    compiled: CompiledPolicy
    articles: list[ArticleView]
    summary: str
    cases: list[CaseView]
    cases_error: str | None  # why the pack's test cases could not be read, if they could not
    rule_coverage: RuleCoverage | None

    def case(self, number: int) -> CaseView | None:
        return self.cases[number - 1] if 0 < number <= len(self.cases) else None


def build_view(policy: Policy) -> PackView:
    compiled = policy.compiled
    articles = {
        row.article: ArticleView(compiled.catalogue.article(row.article), row)  # type: ignore[arg-type]
        for row in coverage(compiled)
    }
    for rule in compiled.rules:
        for number in sorted(rule_cites(rule)):
            if number in articles:
                rows = [r for r in rule.table.rows if r.cite.article == number] if rule.table else []
                articles[number].rules.append((rule, rows))
    for ledger in compiled.ledger_rules:
        numbers = {ledger.cite.article} | {
            f.cite.article for f in (*ledger.missing, *ledger.late, *ledger.open, *ledger.found)
        }
        for number in sorted(numbers):
            if number in articles:
                articles[number].ledger_rules.append(ledger)
    cases, error, covered = _cases(policy)
    by_label = {view.article.label: view for view in articles.values()}
    longest_first = sorted(by_label, key=len, reverse=True)
    for case in cases:
        # A case cites an article or one of its items: an item's label begins with its article's.
        label = next((lb for lb in longest_first if case.case.cite.startswith(lb)), None)
        if label is not None:
            by_label[label].cases.append(case)
    shown = list(articles.values())
    return PackView(compiled, shown, summary([a.coverage for a in shown]), cases, error, covered)


def _cases(policy: Policy) -> tuple[list[CaseView], str | None, RuleCoverage | None]:
    root = Path(policy.compiled.root)
    folder = root / "tests"
    if not folder.is_dir():
        return [], None, None
    try:
        cases = cases_mod.load_cases(folder)
    except cases_mod.CaseFileError as error:
        return [], error.message.splitlines()[0], None
    results = cases_mod.run_cases(policy, cases)
    views = [
        CaseView(i, case, result, f"{relative(case.file, str(root))}:{case.line()}")
        for i, (case, result) in enumerate(zip(cases, results, strict=True), 1)
    ]
    return views, None, rule_coverage(policy.compiled, results)
