"""`salesops-rules coverage`: every article, enforced (by which rules), non-computable (why),
or computable but not yet enforced, read from the compiled policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesops_rules import load_policy
from salesops_rules.cli import main
from salesops_rules.cli.coverage import coverage, rule_cites
from test_penalties_chain import copy_policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--policy", str(POLICY_DIR), "coverage", *args])
    return code, capsys.readouterr().out


def test_it_prints_all_forty_articles_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 42  # 40 articles, a blank line, the summary
    assert [line.split()[0] for line in lines[:40]] == [
        a.label for a in load_policy(POLICY_DIR).compiled.catalogue.articles
    ]
    assert lines[-1].startswith("40 articles: ")


def test_the_lines_say_status_and_detail(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _run(capsys)
    by_label = {line.split()[0]: line for line in out.splitlines()[:40]}
    assert by_label["第一条"].split(None, 2)[1:] == [
        "non-computable",
        "statement of purpose; no event can breach it",
    ]
    assert by_label["第三十六条"].split(None, 2)[1:] == [
        "enforced",
        "rules: archive.never-taken-out, archive.general-manager-approval, archive.access-without-approval",
    ]
    assert (
        "engine: a case the rules do not settle is referred to the general manager" in by_label["第三十九条"]
    )
    assert "penalty table: serious_disorder," in by_label["第三十八条"]


def test_json_agrees_with_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--json")
    assert code == 0
    data = json.loads(out)
    rows = coverage(load_policy(POLICY_DIR).compiled)
    assert [(a["label"], a["status"], a["rules"]) for a in data["articles"]] == [
        (r.label, r.status, r.rules) for r in rows
    ]
    counts = {
        s: sum(1 for a in data["articles"] if a["status"] == s)
        for s in ("enforced", "non_computable", "not_enforced")
    }
    assert data["summary"] == (
        f"40 articles: {counts['enforced']} enforced, {counts['non_computable']} non-computable, "
        f"{counts['not_enforced']} computable but not yet enforced"
    )


def test_every_computable_article_is_enforced(capsys: pytest.CaptureFixture[str]) -> None:
    # 第十二、十六、二十条 were the last gaps (sales documents, receivables, handovers).
    _, out = _run(capsys)
    assert "NOT YET ENFORCED" not in out
    assert (
        out.splitlines()[-1]
        == "40 articles: 29 enforced, 11 non-computable, 0 computable but not yet enforced"
    )
    by_label = {line.split()[0]: line for line in out.splitlines()[:40]}
    # 第十、十八、三十四、三十五条 across a ledger (issue 10); 第十三条 has a true reason.
    assert by_label["第十条"].split(None, 2)[1:] == ["enforced", "rules: quotation.until-outcome"]
    assert "rules: hygiene.weekly" in by_label["第十八条"]
    assert "planned" not in by_label["第十三条"]
    assert "定期 (periodically) sets no period" in by_label["第十三条"]
    assert by_label["第十二条"].split(None, 2)[1:] == [
        "enforced",
        "rules: sales-document.customer-request, sales-document.signatures",
    ]
    assert (
        "rules: handover.complete, handover.supervised, handover.supervisor-leaving" in by_label["第二十条"]
    )
    assert "receivable.settled-without-decision" in by_label["第十六条"]


def test_no_article_is_called_enforced_without_something_enforcing_it() -> None:
    policy = load_policy(POLICY_DIR).compiled
    rows = coverage(policy)
    cited = {a for rule in policy.rules for a in rule_cites(rule)}
    for row in rows:
        article = policy.catalogue.article(row.article)
        assert article is not None
        if not article.computable:
            assert row.status == "non_computable" and row.reason == article.reason
        elif row.status == "enforced":
            assert row.rules or row.penalties or row.engine
        else:
            assert row.status == "not_enforced"
            assert row.article not in cited and not row.penalties and not row.engine
    # Every single-event rule shows up under the article it cites.
    listed = {rule for row in rows for rule in row.rules}
    assert {rule.id for rule in policy.rules} <= listed


def test_an_article_without_rules_is_reported_as_not_enforced(tmp_path: Path) -> None:
    folder = copy_policy(tmp_path)
    (folder / "shipments.yaml").unlink()
    (row,) = [r for r in coverage(load_policy(folder).compiled) if r.article == 17]
    assert (row.status, row.rules, row.detail()) == (
        "not_enforced",
        [],
        "computable, but no rule checks it yet",
    )
