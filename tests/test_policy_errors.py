"""Policies that do not load: one small broken policy per failure mode.

Each test copies the shipped policy into tmp_path, adds `zz-broken.yaml` (one rule that
loads cleanly as written below) or edits roles.yaml, breaks exactly one thing, and checks
the PolicyError: a ValueError whose findings name the file, line, column, rule id and
message (help on its own line). Positions are computed from the broken text itself.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from salesops_rules import PolicyError, load_policy
from salesops_rules.errors import Finding

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"

RULE = """\
# A rule written for the tests; each test breaks one thing in it.
rules:
  - id: test.large-sale-duty
    on: contract
    cite: {article: 14}
    title: {zh: 大额销售须上报, en: a large sale is reported}
    when: "amount >= 5000 and product_class == 'stock'"
    then:
      obligations:
        - code: test_duty
          message: {zh: 测试, en: a test duty}
"""
BROKEN = "zz-broken.yaml"  # sorts after every shipped rule file


class Broken:
    """A copy of the shipped policy with one thing changed."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "policy"
        shutil.copytree(POLICY_DIR, self.root, ignore=shutil.ignore_patterns("tests"))
        (self.root / BROKEN).write_text(RULE, encoding="utf-8")

    def edit(self, file: str, old: str, new: str) -> Broken:
        path = self.root / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"`{old}` is not once in {file}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return self

    def error(self) -> PolicyError:
        with pytest.raises(PolicyError) as caught:
            load_policy(self.root)
        assert isinstance(caught.value, ValueError)
        return caught.value

    def at(self, file: str, needle: str, key: str | None = None) -> str:
        """`file:line:column` of `key` (default: `needle`) on the first line containing `needle`."""
        lines = (self.root / file).read_text(encoding="utf-8").splitlines()
        number, line = next((i, text) for i, text in enumerate(lines, 1) if needle in text)
        return f"{self.root / file}:{number}:{line.index(key or needle) + 1}"


def only(error: PolicyError) -> Finding:
    assert len(error.findings) == 1, error.message
    return error.findings[0]


def test_the_unbroken_test_rule_loads(tmp_path: Path) -> None:
    policy = load_policy(Broken(tmp_path).root)
    assert "test.large-sale-duty" in {rule.id for rule in policy.compiled.rules}


def test_yaml_syntax_error(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, 'when: "amount >= 5000', "when: @amount >= 5000")
    finding = only(broken.error())
    assert finding.rule is None  # a file that does not parse has no rules to name
    assert finding.render() == (
        f"{broken.at(BROKEN, '@amount')}: error: "
        "invalid YAML: found character '@' that cannot start any token"
    )


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "    then:\n", '    when: "amount > 1"\n    then:\n')
    first = broken.at(BROKEN, "when:").split(":")[1]
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'amount > 1', 'when')}: error: duplicate key `when` (first at line {first})"
    )


def test_unknown_key_in_a_rule(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "    when:", "    wehn:")
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'wehn')}: error [test.large-sale-duty]: unknown key `wehn` at `rules.0.wehn`"
    )


def test_unknown_field_with_did_you_mean(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "amount >= 5000", "amout >= 5000")
    finding = only(broken.error())
    assert (finding.rule, finding.message, finding.help) == (
        "test.large-sale-duty",
        "in `amout >= 5000 and product_class == 'stock'`: unknown name `amout`",
        "did you mean `amount`?",
    )
    assert finding.render() == (
        f"{broken.at(BROKEN, 'amout', 'when')}: error [test.large-sale-duty]: "
        "in `amout >= 5000 and product_class == 'stock'`: unknown name `amout`\n"
        "  help: did you mean `amount`?"
    )


def test_unknown_nested_field_with_did_you_mean(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "amount >= 5000", "customer.typ == 'new'")
    finding = only(broken.error())
    assert finding.message.endswith("unknown name `customer.typ`")
    assert finding.help == "did you mean `customer.type`?"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("().__class__", "`().__class__`: attribute access is not allowed"),
        (
            "amount.__class__ is None",
            "in `amount.__class__ is None`: `amount.__class__`: attribute access is not allowed",
        ),
    ],
    ids=["empty tuple dunder", "field dunder"],
)
def test_attribute_access_and_dunders(tmp_path: Path, expression: str, message: str) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "amount >= 5000 and product_class == 'stock'", expression)
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, expression, 'when')}: error [test.large-sale-duty]: {message}\n"
        "  help: a dot may only join the parts of an event field, as in `customer.type`"
    )


def test_function_not_on_the_whitelist(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "amount >= 5000", "getattr(amount, 'real') >= 5000")
    finding = only(broken.error())
    assert finding.message == (
        "in `getattr(amount, 'real') >= 5000 and product_class == 'stock'`: "
        "`getattr` is not an allowed function"
    )
    assert finding.help is not None and finding.help.startswith("allowed: `round_money`, `min`, `max`")
    assert broken.at(BROKEN, "getattr", "when").endswith(f":{finding.line}:{finding.column}")


def test_string_field_compared_with_a_number(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "product_class == 'stock'", "product_class == 5000")
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'product_class == 5000', 'when')}: error [test.large-sale-duty]: "
        "in `amount >= 5000 and product_class == 5000`: "
        "`product_class == 5000` compares a string with a number"
    )


def test_string_literal_outside_the_enum(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "product_class == 'stock'", "product_class == 'stok'")
    finding = only(broken.error())
    assert finding.message == (
        "in `amount >= 5000 and product_class == 'stok'`: `product_class` is never `'stok'`"
    )
    assert finding.help == "did you mean 'stock'? its values: `stock`, `made_to_order`, `custom`"


def test_duplicate_rule_id(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "id: test.large-sale-duty", "id: contract.customer-report")
    first = broken.at("contracts.yaml", "id: contract.customer-report", "id")
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'id: contract.customer-report', 'id')}: error [contract.customer-report]: "
        "duplicate rule id `contract.customer-report`\n"
        f"  help: first defined at {first.rsplit(':', 1)[0]}"
    )


INLINE_CHAIN = "    then:\n      approvals:\n{steps}      obligations:\n"


def test_inline_approval_chain_with_an_unknown_role(tmp_path: Path) -> None:
    steps = (
        "        - {role: logistics_supervisor, action: review}\n"
        "        - {role: general_manger, action: approve}\n"
    )
    broken = Broken(tmp_path).edit(
        BROKEN, "    then:\n      obligations:\n", INLINE_CHAIN.format(steps=steps)
    )
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'general_manger', 'role')}: error [test.large-sale-duty]: "
        "unknown role `general_manger` in an approval chain\n"
        "  help: did you mean `general_manager`?"
    )


def test_inline_approval_chain_with_a_cycle(tmp_path: Path) -> None:
    steps = (
        "        - {role: logistics_supervisor, action: review, after: [general_manager]}\n"
        "        - {role: general_manager, action: approve}\n"
    )
    broken = Broken(tmp_path).edit(
        BROKEN, "    then:\n      obligations:\n", INLINE_CHAIN.format(steps=steps)
    )
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'approvals:')}: error [test.large-sale-duty]: "
        "the approval order has a cycle: logistics_supervisor -> general_manager -> logistics_supervisor"
    )


NEW_CHAINS = "chains:\n"


def test_named_chain_with_an_unknown_role(tmp_path: Path) -> None:
    chain = "chains:\n  test_chain:\n    steps:\n      - {role: finanse, action: permit}\n"
    broken = Broken(tmp_path).edit("roles.yaml", NEW_CHAINS, chain)
    assert only(broken.error()).render() == (
        f"{broken.at('roles.yaml', 'finanse', 'role')}: error: unknown role `finanse` in an approval chain\n"
        "  help: did you mean `finance`?"
    )


def test_named_chain_with_a_cycle(tmp_path: Path) -> None:
    chain = (
        "chains:\n  test_loop:\n    steps:\n"
        "      - {role: clerk, action: review, after: [finance]}\n"
        "      - {role: finance, action: approve}\n"
    )
    broken = Broken(tmp_path).edit("roles.yaml", NEW_CHAINS, chain)
    steps = broken.at("roles.yaml", "test_loop:")  # the chain's `steps:` is the next line
    path, line, _ = steps.rsplit(":", 2)
    assert only(broken.error()).render() == (
        f"{path}:{int(line) + 1}:5: error: the approval order has a cycle: clerk -> finance -> clerk"
    )


def test_two_chains_ordering_roles_both_ways(tmp_path: Path) -> None:
    chains = (
        "chains:\n"
        "  test_forth:\n    steps:\n"
        "      - {role: clerk, action: review}\n      - {role: finance, action: approve}\n"
        "  test_back:\n    steps:\n"
        "      - {role: finance, action: review}\n      - {role: clerk, action: approve}\n"
    )
    broken = Broken(tmp_path).edit("roles.yaml", NEW_CHAINS, chains)
    finding = only(broken.error())
    assert broken.at("roles.yaml", "chains:").endswith(f":{finding.line}:{finding.column}")
    assert finding.message in (
        "approval chains test_back, test_forth order roles in a cycle: clerk -> finance -> clerk",
        "approval chains test_back, test_forth order roles in a cycle: finance -> clerk -> finance",
    )


def test_citation_outside_the_catalogue(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "cite: {article: 14}", "cite: {article: 41}")
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'article: 41', 'cite')}: error [test.large-sale-duty]: "
        "article `41` is not in the catalogue\n"
        "  help: the regulation has articles 1 to 40"
    )


def test_citation_of_a_missing_item(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(BROKEN, "cite: {article: 14}", "cite: {article: 37, item: 9}")
    finding = only(broken.error())
    assert (finding.message, finding.help) == ("第三十七条 has no item `9`", "its items run from 1 to 7")


def test_violation_code_without_a_penalty(tmp_path: Path) -> None:
    violation = (
        "      violations:\n"
        "        - code: contract_limit_exeeded\n"
        "          message: {zh: 测试, en: a test breach}\n"
    )
    broken = Broken(tmp_path).edit(BROKEN, "    then:\n", "    then:\n" + violation)
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'contract_limit_exeeded', 'code')}: error [test.large-sale-duty]: "
        "violation `contract_limit_exeeded` has no penalty in penalties.yaml\n"
        "  help: did you mean `contract_limit_exceeded`?"
    )


def test_value_not_declared_in_the_manifest(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit(
        BROKEN, "    then:\n", "    then:\n      values: {report_immediatly: true}\n"
    )
    assert only(broken.error()).render() == (
        f"{broken.at(BROKEN, 'report_immediatly')}: error [test.large-sale-duty]: "
        "value `report_immediatly` is not declared in policy.yaml\n"
        "  help: did you mean `report_immediately`?"
    )


def test_every_broken_rule_is_reported_not_just_the_first(tmp_path: Path) -> None:
    more = textwrap.dedent(
        """\
          - id: test.second
            on: contract
            cite: {article: 99}
            then:
              obligations: [{code: test_two, message: {zh: 二, en: two}}]
          - id: test.third
            on: contract
            cite: {article: 14}
            when: "amount.__class__ is None"
            then:
              obligations: [{code: test_three, message: {zh: 三, en: three}}]
          - id: test.fourth
            on: contrct
            cite: {article: 14}
            then:
              obligations: [{code: test_four, message: {zh: 四, en: four}}]
        """
    )
    broken = Broken(tmp_path).edit(BROKEN, "amount >= 5000", "amout >= 5000")
    (broken.root / BROKEN).write_text(
        (broken.root / BROKEN).read_text(encoding="utf-8") + textwrap.indent(more, "  "), encoding="utf-8"
    )
    broken.edit(
        "roles.yaml",
        NEW_CHAINS,
        "chains:\n  test_chain:\n    steps:\n      - {role: finanse, action: permit}\n",
    )
    error = broken.error()
    assert [(f.file.rsplit("/", 1)[-1], f.rule) for f in error.findings] == [
        ("roles.yaml", None),
        (BROKEN, "test.large-sale-duty"),
        (BROKEN, "test.second"),
        (BROKEN, "test.third"),
        (BROKEN, "test.fourth"),
    ]
    assert error.message.splitlines()[0] == "policy does not load: 5 errors"
    assert [f.message for f in error.findings][2:] == [
        "article `99` is not in the catalogue",
        "in `amount.__class__ is None`: `amount.__class__`: attribute access is not allowed",
        "unknown event kind `contrct`",
    ]


def test_unknown_violation_code_without_a_close_one_lists_the_codes(tmp_path: Path) -> None:
    broken = Broken(tmp_path).edit("penalties.yaml", "  - code: private_vehicle_use", "  - code: qqq")
    error = broken.error()
    found = [f for f in error.findings if f.message == "unknown violation code `qqq`"]
    assert len(found) == 1
    assert found[0].help is not None and found[0].help.startswith("the codes: `contract_limit_exceeded`, ")
    assert "`private_vehicle_use`" in found[0].help  # the code the editor meant is among them
