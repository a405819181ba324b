"""Every way penalties.yaml's sanctions can be wrong, and a catalogue's numbering: refused at
load, each finding at its file and line, with a help line."""

import shutil
from pathlib import Path

import pytest

from salesops_rules import PolicyError, load_policy

MINI = Path(__file__).parent / "policies" / "mini"

SANCTIONS = """sanctions:
  warning_and_deduction: {measures: [warning, deduction], zh: 警告并扣发月薪, en: warning and a deduction of}
  dismissal: {measures: [dismissal], zh: 解聘, en: dismissal}
  fine: {measures: [fine], zh: 罚款, en: a fine of}
  demotion: {measures: [demotion], zh: 降级, en: demotion}
  bonus: {measures: [bonus], zh: 奖金, en: a bonus of}
"""

ENTRY = """penalties:
  - code: contract_limit_exceeded
    cite: {article: 37, item: 1}
    message: {zh: 超出限额, en: above the limit}
"""


def _refused(tmp_path: Path, penalty: str, sanctions: str = SANCTIONS) -> list[tuple[str, str, str | None]]:
    """Each finding in penalties.yaml: the line it points at, its message and its help."""
    folder = tmp_path / "pack"
    shutil.copytree(MINI, folder)
    (folder / "penalties.yaml").write_text(sanctions + ENTRY + penalty, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    text = (folder / "penalties.yaml").read_text(encoding="utf-8").splitlines()
    return [
        (text[f.line - 1].strip(), f.message, f.help)
        for f in caught.value.findings
        if f.file.endswith("penalties.yaml")
    ]


@pytest.mark.parametrize(
    ("penalty", "line", "message", "help"),
    [
        (
            "    sanction: fines\n    fine_yuan: [50, 200]\n",
            "sanction: fines",
            "sanction `fines` is not declared under `sanctions:`",
            "did you mean `fine`?",
        ),
        (
            "    sanction: fine\n    fine_yuan: [200, 50]\n",
            "fine_yuan: [200, 50]",
            "`fine_yuan` must be [min, max] with 0 <= min <= max, not [200, 50]",
            "write the smaller bound first; [x, x] for exactly x",
        ),
        (
            "    sanction: warning_and_deduction\n    deduction_months: [3, 1]\n",
            "deduction_months: [3, 1]",
            "`deduction_months` must be [min, max] with 0 <= min <= max, not [3, 1]",
            "write the smaller bound first; [x, x] for exactly x",
        ),
        (
            "    sanction: fine\n",
            "- code: contract_limit_exceeded",
            "sanction `fine` has a `fine`: the penalty needs `fine_yuan`",
            "or `requires_determination: true` when a person sets the amount (fine)",
        ),
        (
            "    sanction: warning_and_deduction\n",
            "- code: contract_limit_exceeded",
            "sanction `warning_and_deduction` has a `deduction`: the penalty needs `deduction_months`",
            "as in `deduction_months: [1, 3]`",
        ),
        (
            "    sanction: demotion\n    fine_yuan: [50, 200]\n",
            "fine_yuan: [50, 200]",
            "`fine_yuan` is given, but sanction `demotion` has no `fine`",
            "its measures: `demotion`",
        ),
        (
            "    one_of: []\n",
            "- code: contract_limit_exceeded",
            "`one_of` lists 0 alternative(s), not at least two",
            "a single sanction is written `sanction: NAME`",
        ),
        (
            "    one_of:\n      - {sanction: demotion}\n",
            "- code: contract_limit_exceeded",
            "`one_of` lists 1 alternative(s), not at least two",
            "a single sanction is written `sanction: NAME`",
        ),
        (
            "    sanction: demotion\n    one_of:\n"
            "      - {sanction: demotion}\n      - {sanction: dismissal}\n",
            "- code: contract_limit_exceeded",
            "a penalty has either `sanction` or `one_of`, not both",
            "list the sanction as one of the alternatives",
        ),
        (
            "    one_of:\n      - {sanction: demotion}\n      - {fine_yuan: [1, 2]}\n",
            "- {fine_yuan: [1, 2]}",
            "an alternative needs its `sanction`",
            "as in `{sanction: fine}`",
        ),
        (
            "    requires_determination: true\n",
            "- code: contract_limit_exceeded",
            "a penalty needs `sanction` or `one_of`",
            "name a sanction declared under `sanctions:`",
        ),
        (
            "    sanction: bonus\n    bonus_ratio: {ratio: 0.02, of: deposit_amount}\n",
            "bonus_ratio: {ratio: 0.02, of: deposit_amount}",
            "`bonus_ratio.of` names `deposit_amount`, which is not a money value of policy.yaml",
            "declare it under `values:` with `type: money`",
        ),
        (
            "    sanction: bonus\n    bonus_yuan: [1, 2]\n    bonus_ratio: {ratio: 0.02, of: x}\n",
            "bonus_ratio: {ratio: 0.02, of: x}",
            "a bonus is `bonus_yuan` or `bonus_ratio`, not both",
            "a fixed sum, or a share of a value",
        ),
    ],
)
def test_a_bad_penalty_is_refused_at_its_line(
    tmp_path: Path, penalty: str, line: str, message: str, help: str
) -> None:
    assert (line, message, help) in _refused(tmp_path, penalty)


def test_an_unknown_measure_is_refused(tmp_path: Path) -> None:
    sanctions = SANCTIONS + "  pillory: {measures: [stocks], zh: 枷, en: the stocks}\n"
    sanctions += "  reprimand: {measures: [warnings], zh: 警告, en: a warning}\n"
    assert _refused(tmp_path, "    sanction: demotion\n", sanctions) == [
        (
            "pillory: {measures: [stocks], zh: 枷, en: the stocks}",
            "sanction `pillory`: unknown measure `stocks`",
            "the measures: `warning`, `deduction`, `fine`, `bonus`, `certificate`, `demotion`, `transfer`, "
            "`dismissal`, `other`",
        ),
        (
            "reprimand: {measures: [warnings], zh: 警告, en: a warning}",
            "sanction `reprimand`: unknown measure `warnings`",
            "did you mean `warning`?",
        ),
    ]


def test_one_of_is_not_a_sanction_name(tmp_path: Path) -> None:
    sanctions = SANCTIONS + "  one_of: {measures: [warning], zh: 警告, en: a warning}\n"
    [(shown, message, help)] = _refused(tmp_path, "    sanction: demotion\n", sanctions)
    assert (shown.split(":")[0], message) == ("one_of", "`one_of` is not a name for a sanction")
    assert help is not None


def test_a_deduction_of_zero_months_and_a_fine_set_by_a_person_load(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(MINI, folder)
    penalty = "    one_of:\n      - {sanction: warning_and_deduction, deduction_months: [0, 1]}\n"
    penalty += "      - {sanction: fine}\n    requires_determination: true\n"
    (folder / "penalties.yaml").write_text(SANCTIONS + ENTRY + penalty, encoding="utf-8")
    rule = load_policy(folder).compiled.penalties["contract_limit_exceeded"]
    assert [(a.sanction, a.months, a.fine) for a in rule.alternatives] == [
        ("warning_and_deduction", (0, 1), None),
        ("fine", None, None),
    ]


NUMBERING = "  numbering:\n    article: {article}\n    item: {item}\n"


@pytest.mark.parametrize(
    ("article", "item", "key", "message"),
    [
        ('"第条"', '"{n}."', "article", "numbering pattern `第条` has 0 placeholders, not one"),
        ('"{n}{n}"', '"{n}."', "article", "numbering pattern `{n}{n}` has 2 placeholders, not one"),
        ('"第{n:zh}条"', '"{m}."', "item", "numbering pattern `{m}.` has 0 placeholders, not one"),
        (
            '"第{n:zh}条"',
            '"{n}.{"',
            "item",
            "numbering pattern `{n}.{` has a brace that is not its placeholder",
        ),
    ],
)
def test_a_bad_numbering_pattern_is_refused_at_its_line(
    tmp_path: Path, article: str, item: str, key: str, message: str
) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(MINI, folder)
    path = folder / "regulation.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '  version: "2011-11"\n', '  version: "2011-11"\n' + NUMBERING.format(article=article, item=item)
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    [finding] = caught.value.findings
    assert finding.message == message and finding.help is not None
    assert text.splitlines()[finding.line - 1].strip().startswith(f"{key}:")


def test_an_article_label_other_than_the_numbering_gives_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    shutil.copytree(MINI, folder)
    path = folder / "regulation.yaml"
    text = path.read_text(encoding="utf-8").replace(
        '  version: "2011-11"\n', '  version: "2011-11"\n' + NUMBERING.format(article='"{n}"', item='".{n}"')
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    first = caught.value.findings[0]
    assert first.message == "article 21 is labelled `第二十一条`, but the numbering gives `21`"
    assert first.help == "write `label: 21`, or change `regulation.numbering.article` (`{n}`)"
    assert text.splitlines()[first.line - 1].strip() == "label: 第二十一条"
