"""Lint on policies built to make it slow: it is the service's reload gate, so it must finish.

Issue 12. Twenty rules that each name all the others in `exception_to` hold about 10^17
cycles; lint listed every one (`nx.simple_cycles`). It now reports each knot of rules
once. No timing here: before the change this test did not end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from salesops_rules import load_policy
from salesops_rules.tools.lint import lint_compiled

ROOT = Path(__file__).resolve().parent.parent
COUNT = 20


def test_a_knot_of_exceptions_is_one_finding(tmp_path: Path) -> None:
    root = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", root, ignore=shutil.ignore_patterns("tests"))
    ids = [f"test.knot-{i:02d}" for i in range(COUNT)]
    rules = "".join(
        f"  - id: {rule}\n"
        "    on: contract\n"
        "    cite: {article: 14}\n"
        f'    when: "amount >= {i}"\n'
        f"    exception_to: [{', '.join(other for other in ids if other != rule)}]\n"
        "    then:\n"
        f"      obligations: [{{code: test_{i}, message: {{zh: 测试, en: a knot}}}}]\n"
        for i, rule in enumerate(ids)
    )
    (root / "zz-knot.yaml").write_text("rules:\n" + rules, encoding="utf-8")
    findings = [f for f in lint_compiled(load_policy(root).compiled) if f.check == "exception-cycle"]
    assert [(f.rule, f.line, f.message) for f in findings] == [
        (
            "test.knot-00",
            6,
            "rules are exceptions to each other: "
            + " -> ".join(f"`{rule}`" for rule in [*ids[:10], ids[0]])
            + " (and 10 more)",
        )
    ]


def test_a_table_too_large_to_analyse_is_said_so(tmp_path: Path) -> None:
    root = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", root, ignore=shutil.ignore_patterns("tests"))
    rows = "".join(
        f'        - when: {{amount: "> {i}"}}\n'
        f"          then: {{obligations: [{{code: t{i}, message: {{zh: 测试, en: a row}}}}]}}\n"
        for i in range(201)
    )
    (root / "zz-big.yaml").write_text(
        "rules:\n  - id: test.big\n    on: contract\n    cite: {article: 14}\n"
        "    table:\n      hit: first\n      inputs: [amount]\n      rows:\n" + rows,
        encoding="utf-8",
    )
    findings = [f for f in lint_compiled(load_policy(root).compiled) if f.rule == "test.big"]
    assert [(f.check, f.line, f.message, f.help) for f in findings] == [
        (
            "table-not-analysed",
            8,
            "lint does not check this table for gaps and overlaps: it has 201 rows, more than 200",
            "split it, for instance into one table per value of its first input",
        )
    ]
