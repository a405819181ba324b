"""Counting rules across events (`count:`) through the one loader: each mistake a finding with file:line.

Each test copies the counting test pack (`tests/policies/counting`), breaks exactly one
thing in its `counting.yaml`, and checks the whole finding, help line included.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from salesops_rules import PolicyError, load_policy

PACK = Path(__file__).resolve().parent / "policies" / "counting"
FILE = "counting.yaml"
WINDOW_HELP = (
    "  help: `per: month` (calendar periods, with `in_a_row: N`), `within_days: N` or `within_months: N`"
)


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    root = tmp_path / "pack"
    shutil.copytree(PACK, root, ignore=shutil.ignore_patterns("tests"))
    text = (root / FILE).read_text(encoding="utf-8")
    assert text.count(old) == 1
    (root / FILE).write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    return [f.render().replace(f"{root}/", "") for f in caught.value.findings]


def test_the_pack_loads_with_its_plans() -> None:
    rules = {r.id: r for r in load_policy(PACK).compiled.ledger_rules}
    repeat = rules["incident.repeat-within-3-months"].count
    assert repeat is not None
    assert (repeat.counted.kind, repeat.group_by, repeat.within_months, repeat.at_least, repeat.restart) == (
        "incident",
        ("employee.id",),
        3,
        2,
        False,
    )
    hygiene = rules["hygiene.three-months-failed"].count
    assert hygiene is not None and hygiene.counted.when is not None
    assert (hygiene.per, hygiene.in_a_row, hygiene.counted.when.source, hygiene.restart) == (
        "month",
        3,
        "not passed",
        True,
    )
    every = rules["review.every-quarter"]
    assert every.count is not None and (every.count.per, every.count.at_most) == ("quarter", 0)
    found = [(f.category, f.code, f.cite.label) for f in every.found]
    assert found == [("obligation", "no_review", "第三条")]
    assert [f.code for f in every.open] == ["hold_review"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "      within_months: 3",
            "      within_months: 0",
            "counting.yaml:10:7: error [incident.repeat-within-3-months]: `within_months` is `0`: "
            "a window holds at least 1 month\n"
            "  help: `within_months: 1` holds a counted event and those of the month before",
        ),
        (
            "      within_days: 90",
            "      within_days: -1",
            "counting.yaml:23:7: error [incident.three-in-90-days]: `within_days` is `-1`: "
            "a window holds at least 1 day\n"
            "  help: `within_days: 1` holds a counted event and those of the day before",
        ),
        (
            "      in_a_row: 3\n      found_when: {at_least: 1}\n      restart: true\n    found:\n"
            "      obligations:\n        - code: warn_employee",
            "      in_a_row: 0\n      found_when: {at_least: 1}\n      restart: true\n    found:\n"
            "      obligations:\n        - code: warn_employee",
            "counting.yaml:39:7: error [hygiene.three-months-failed]: `in_a_row` is `0`: "
            "a window holds at least 1 period\n"
            "  help: `in_a_row: 1` is one period",
        ),
        (
            "      found_when: {at_least: 3}",
            "      found_when: {at_least: 0}",
            "counting.yaml:24:20: error [incident.three-in-90-days]: `at_least` is `0`: every window holds "
            "at least 0 events, so the rule would always find\n"
            "  help: write `at_least: 1` or more; for a window with no event use `at_most: 0`",
        ),
        (
            "      per: quarter\n      found_when: {at_most: 0}",
            "      per: quarter\n      found_when: {at_most: -1}",
            "counting.yaml:64:20: error [review.every-quarter]: `at_most` is `-1`: "
            "no window holds fewer than 0 events\n"
            "  help: write `at_most: 0` for a period with no counted event",
        ),
        (
            "      found_when: {at_least: 3}",
            "      found_when: {}",
            "counting.yaml:24:7: error [incident.three-in-90-days]: `found_when` needs one of `at_least` "
            "and `at_most`\n"
            "  help: `found_when: {at_least: 2}`",
        ),
        (
            "      found_when: {at_least: 3}",
            "      found_when: {at_least: 3, at_most: 4}",
            "counting.yaml:24:7: error [incident.three-in-90-days]: `found_when` needs one of `at_least` "
            "and `at_most`\n"
            "  help: `found_when: {at_least: 2}`",
        ),
        (
            "      within_days: 90",
            "      within_days: 90\n      per: month",
            "counting.yaml:20:5: error [incident.three-in-90-days]: a counting rule has one window, "
            "this one has `per` and `within_days`\n" + WINDOW_HELP,
        ),
        (
            "      within_days: 90\n",
            "",
            "counting.yaml:20:5: error [incident.three-in-90-days]: "
            "a counting rule needs a window\n" + WINDOW_HELP,
        ),
        (
            "      within_months: 3\n",
            "      within_months: 3\n      in_a_row: 2\n",
            "counting.yaml:11:7: error [incident.repeat-within-3-months]: "
            "`in_a_row` counts calendar periods: it needs `per`\n"
            "  help: add `per: month` (or week, quarter, year)",
        ),
        (
            "      per: quarter\n      found_when: {at_most: 0}",
            "      within_days: 3\n      found_when: {at_most: 0}",
            "counting.yaml:64:20: error [review.every-quarter]: `at_most` needs calendar periods (`per`): "
            "a sliding window ends on a counted event, so it is never empty\n"
            "  help: count per period, as `per: quarter`",
        ),
        (
            "      kind: hygiene_check",
            "      kind: hygiene_chek",
            "counting.yaml:35:7: error [hygiene.three-months-failed]: unknown event kind `hygiene_chek`\n"
            "  help: did you mean `hygiene_check`?",
        ),
        (
            '      when: "not passed"',
            '      when: "not pased"',
            "counting.yaml:36:7: error [hygiene.three-months-failed]: in `not pased`: unknown name `pased`\n"
            "  help: did you mean `passed`?",
        ),
        (
            "      group_by: [employee.id]\n      per: quarter",
            "      group_by: [employee.ids]\n      per: quarter",
            "counting.yaml:51:18: error [review.one-per-employee-per-quarter]: "
            "`internal_review` has no field `employee.ids`\n"
            "  help: did you mean `employee.id`?",
        ),
        (
            "        - code: other_breach\n          message: {zh: 三个月内再次违规",
            "        - code: other_breech\n          message: {zh: 三个月内再次违规",
            "counting.yaml:14:11: error [incident.repeat-within-3-months]: "
            "violation `other_breech` has no penalty in penalties.yaml\n"
            "  help: did you mean `other_breach`?",
        ),
        (
            "      within_months: 3",
            "      within_months: true",
            "counting.yaml:10:7: error [incident.repeat-within-3-months]: "
            "`ledger_rules.0.count.within_months`: input should be a valid integer",
        ),
        (
            "      within_months: 3",
            "      within_month: 3",
            "counting.yaml:10:7: error [incident.repeat-within-3-months]: "
            "unknown key `within_month` at `ledger_rules.0.count.within_month`",
        ),
    ],
)
def test_a_broken_counting_rule_is_one_finding(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert broken(tmp_path, old, new) == [expected]


def test_covers_names_a_period_field_and_needs_per(tmp_path: Path) -> None:
    assert broken(tmp_path / "a", "      covers: period", "      covers: catalogue") == [
        "counting.yaml:101:7: error [filing.no-catalogue-two-months]: `catalogue` of `document_filing` is "
        "a boolean; here a field must be a string or a date or a timestamp"
    ]
    old = "      covers: period\n      per: month\n      in_a_row: 2"
    assert broken(tmp_path / "b", old, "      covers: period\n      within_days: 30") == [
        "counting.yaml:101:7: error [filing.no-catalogue-two-months]: "
        "`covers` names the period an event counts in: it needs `per`\n"
        "  help: a sliding window (`within_days`, `within_months`) counts by the events' dates"
    ]


def test_a_counting_rule_finds_found_not_missing(tmp_path: Path) -> None:
    old = "      restart: true\n    found:\n      obligations:\n        - code: review_offences"
    new = "      restart: true\n    missing:\n      obligations:\n        - code: review_offences"
    assert broken(tmp_path, old, new) == [
        "counting.yaml:20:5: error [incident.three-in-90-days]: "
        "a counting rule needs `found`: what it finds\n"
        "  help: `found: {violations: [...]}`",
        "counting.yaml:26:5: error [incident.three-in-90-days]: a counting rule finds `found` (and `open`), "
        "not `missing`\n"
        "  help: write what the rule finds under `found:`",
    ]


def test_open_needs_at_most(tmp_path: Path) -> None:
    old = "    found:\n      obligations:\n        - code: warn_employee"
    new = "    found:\n      obligations:\n        - code: warn_employee\n"
    new += "          message: {zh: 警告, en: warn}\n"
    new += "    open:\n      obligations:\n        - code: warn_employee"
    assert broken(tmp_path, old, new) == [
        "counting.yaml:46:5: error [hygiene.three-months-failed]: `open` needs `found_when: {at_most: N}`: "
        "a count reached is found, whether its period is over or not\n"
        "  help: remove `open`"
    ]


def test_found_belongs_to_a_counting_rule_and_a_rule_has_one_form(tmp_path: Path) -> None:
    old = "      within_months: 3\n      found_when: {at_least: 2}"
    new = old + "\n    follow_up: {from: {kind: incident}, to: {kind: incident}, "
    new += "match_on: {from: id, to: id}}"
    assert broken(tmp_path, old, new) == [
        "counting.yaml:3:5: error [incident.repeat-within-3-months]: `ledger_rules.0`: "
        "a ledger rule has one of `expect`, `follow_up` or `count`"
    ]
    old = "    count:\n      kind: internal_review\n      per: quarter\n      found_when: {at_most: 0}"
    new = "    expect: {kind: internal_review, per: quarter}"
    assert broken(tmp_path / "b", old, new) == [
        "counting.yaml:59:5: error [review.every-quarter]: `ledger_rules.4`: "
        "`found` belongs to a counting rule (`count`); this rule finds `missing`, `late` or `open`"
    ]
