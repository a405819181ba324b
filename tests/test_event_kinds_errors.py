"""events.yaml: each way a declaration can be wrong is refused at load, at its line, with help.

And the other way round: a kind, a field, a role or a check the pack adds loads and decides,
with no Python written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from salesops_rules import EventError, PolicyError, load_policy

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"


def pack(tmp_path: Path, old: str, new: str, file: str = "events.yaml") -> Path:
    root = tmp_path / "pack"
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    text = (root / file).read_text(encoding="utf-8")
    assert old in text, old
    (root / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def line_of(root: Path, text: str, file: str = "events.yaml") -> int:
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def refused(root: Path) -> list[tuple[str, int, str, str | None]]:
    with pytest.raises(PolicyError) as caught:
        load_policy(root)
    return [(Path(f.file).name, f.line, f.message, f.help) for f in caught.value.findings]


AMOUNT = "      amount: {type: positive_money, required: true, zh: 金额, en: the amount}\n      deposit_paid"


def test_an_unknown_type_is_refused_with_a_did_you_mean(tmp_path: Path) -> None:
    root = pack(tmp_path, "deposit_paid: {type: money,", "deposit_paid: {type: mony,")
    assert refused(root) == [
        ("events.yaml", line_of(root, "deposit_paid:"), "unknown type `mony`", "did you mean `money`?")
    ]


def test_an_unknown_shape_of_a_list_is_refused(tmp_path: Path) -> None:
    old = "collection_schedule: {type: list, of: instalment,"
    root = pack(tmp_path, old, "collection_schedule: {type: list, of: instalmant,")
    assert refused(root) == [
        (
            "events.yaml",
            line_of(root, "collection_schedule:"),
            "unknown type `instalmant`",
            "did you mean `instalment`?",
        )
    ]


def test_an_unknown_type_far_from_any_lists_the_types(tmp_path: Path) -> None:
    root = pack(tmp_path, "deposit_paid: {type: money,", "deposit_paid: {type: parcel,")
    ((_, _, message, help),) = refused(root)
    assert message == "unknown type `parcel`"
    assert help is not None and help.startswith("types: `str`, `bool`, `int`, `money`,")
    assert "`approval_record`" in help


def test_an_enum_without_values_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "enums:\n", "enums:\n  empty: {zh: 空, en: empty, values: {}}\n")
    assert refused(root) == [
        (
            "events.yaml",
            line_of(root, "  empty: {"),
            "enum `empty` has no values",
            "list its values, each with `zh` and `en`",
        )
    ]


def test_an_inline_enum_without_values_is_refused(tmp_path: Path) -> None:
    root = pack(
        tmp_path,
        "      passed: {type: bool,",
        "      grade: {type: enum, zh: 等级, en: grade}\n      passed: {type: bool,",
    )
    assert refused(root) == [
        (
            "events.yaml",
            line_of(root, "grade: {type: enum"),
            "an `enum` field needs `values`",
            "list its values, each with `zh` and `en`",
        )
    ]


def test_a_check_that_does_not_compile_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "      - that: paid <= amount\n", "      - that: paid <=\n")
    ((file, line, message, help),) = refused(root)
    assert (file, line) == ("events.yaml", line_of(root, "- that: paid <="))
    assert message.startswith("`paid <=` is not a valid expression")
    assert help is not None


def test_a_check_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "      - that: paid <= amount\n", "      - that: paidd <= amount\n")
    assert refused(root) == [
        (
            "events.yaml",
            line_of(root, "- that: paidd <= amount"),
            "in `paidd <= amount`: unknown name `paidd`",
            "did you mean `paid`?",
        )
    ]


def test_a_check_that_is_not_a_condition_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "      - that: paid <= amount\n", "      - that: paid + amount\n")
    ((_, _, message, _),) = refused(root)
    assert message == "`paid + amount` is a number, but a check needs a boolean"


def test_a_message_placeholder_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    old = 'en: "`paid` {paid} is more than the `amount` due {amount}"'
    root = pack(tmp_path, old, 'en: "`paid` {paidd} is more than the `amount` due {amount}"')
    ((_, line, message, help),) = refused(root)
    assert (line, message, help) == (line_of(root, "{paidd}"), "unknown name `paidd`", "did you mean `paid`?")


def test_each_must_name_a_list_of_records(tmp_path: Path) -> None:
    root = pack(tmp_path, "      - each: approvals\n", "      - each: prepared_by\n")
    ((_, line, message, _),) = refused(root)
    assert (line, message) == (
        line_of(root, "- each: prepared_by"),
        "`each: prepared_by` is not a list of records of this kind",
    )


def test_a_duplicate_kind_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "  hygiene_check:\n", "  quotation:\n")
    found = refused(root)
    assert any(m.startswith("duplicate key `quotation` (first at line") for _, _, m, _ in found)


def test_dated_by_must_name_a_required_date_or_timestamp(tmp_path: Path) -> None:
    root = pack(tmp_path, "    dated_by: received_at\n", "    dated_by: recieved_at\n")
    assert refused(root) == [
        (
            "events.yaml",
            line_of(root, "dated_by: recieved_at"),
            "`dated_by: recieved_at` is not a required date or timestamp field of `cash_receipt`",
            "did you mean `received_at`?",
        )
    ]


def test_dated_by_may_not_name_an_optional_field(tmp_path: Path) -> None:
    root = pack(tmp_path, "    dated_by: received_at\n", "    dated_by: handed_to_finance_at\n")
    ((_, _, message, _),) = refused(root)
    assert message == (
        "`dated_by: handed_to_finance_at` is not a required date or timestamp field of `cash_receipt`"
    )


def test_an_option_a_type_does_not_take_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "deposit_paid: {type: money,", "deposit_paid: {type: money, pattern: '^1',")
    assert refused(root) == [
        (
            "events.yaml",
            line_of(root, "deposit_paid:"),
            "`pattern` does not apply to a field of type `money`",
            None,
        )
    ]


def test_a_default_its_type_refuses_is_refused(tmp_path: Path) -> None:
    root = pack(
        tmp_path, "deposit_paid: {type: money, default: 0,", "deposit_paid: {type: money, default: -1,"
    )
    ((_, _, message, _),) = refused(root)
    assert message == "the default `-1` is not a `money`: `-1` is negative"


def test_a_required_field_with_a_default_is_refused(tmp_path: Path) -> None:
    root = pack(
        tmp_path,
        "prepared_by: {type: str, min_length: 1, required: true,",
        "prepared_by: {type: str, min_length: 1, required: true, default: E-1,",
    )
    ((_, _, message, help),) = refused(root)
    assert (message, help) == ("a required field has no default", "drop `default`, or `required: true`")


def test_a_kind_may_not_redeclare_the_fields_of_every_event(tmp_path: Path) -> None:
    root = pack(
        tmp_path,
        "      passed: {type: bool,",
        "      date: {type: str, zh: 日, en: day}\n      passed: {type: bool,",
    )
    ((_, line, message, _),) = refused(root)
    assert (line, message) == (line_of(root, "      date: {type: str"), "`date` is a field of every event")


def test_a_people_field_no_kind_has_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "  preparer: prepared_by\n", "  preparer: prepared\n")
    assert refused(root) == [
        (
            "events.yaml",
            line_of(root, "preparer: prepared"),
            "`prepared` is a field of no kind",
            "name a field path such as `employee.id`",
        )
    ]


def test_an_approval_record_shape_without_what_the_engine_reads_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "approval_record: approval_record ", "approval_record: instalment ")
    ((_, _, message, _),) = refused(root)
    assert message == "shape `instalment` has no `role`, `by`, `at`, `mode`"


def test_an_unknown_enum_of_violation_codes_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "violation_codes: violation_code ", "violation_codes: violation_codez ")
    ((_, _, message, help),) = refused(root)
    assert (message, help) == ("unknown enum `violation_codez`", "did you mean `violation_code`?")


def test_a_penalty_for_an_undeclared_code_is_refused(tmp_path: Path) -> None:
    root = pack(tmp_path, "      other_breach: {", "      other_breaches: {")
    found = refused(root)
    assert (
        "penalties.yaml",
        line_of(root, "code: other_breach", "penalties.yaml"),
        "unknown violation code `other_breach`",
        "did you mean `other_breaches`?",
    ) in found


def test_a_shape_that_holds_itself_is_refused(tmp_path: Path) -> None:
    old = "      amount: {type: positive_money, required: true, zh: 金额, en: the amount}\n\napproval_record"
    new = old.replace(
        "\n\napproval_record", "\n      next: {type: instalment, zh: 下一期, en: the next}\n\napproval_record"
    )
    root = pack(tmp_path, old, new)
    found = refused(root)
    assert any(m == "shape `instalment` contains itself" for _, _, m, _ in found)


def test_a_pack_without_events_yaml_judges_the_bundled_events(tmp_path: Path) -> None:
    root = pack(tmp_path, "enums:", "enums:")
    (root / "events.yaml").unlink()
    assert list(load_policy(root).compiled.events.kinds) == list(load_policy().compiled.events.kinds)


GOODS = """  goods_receipt:
    zh: 入库
    en: goods receipt
    dated_by: received_at
    fields:
      received_at: {type: timestamp, required: true, zh: 入库时间, en: when the goods came in}
      quantity: {type: int, at_least: 1, required: true, zh: 数量, en: the quantity}
      billed: {type: int, at_least: 0, required: true, zh: 开单数量, en: the quantity billed}
      signers: {type: list, of: str, zh: 签字人, en: who signed}
    checks:
      - that: len(signers) <= quantity
        message:
          zh: "签字人数 {len(signers)} 多于数量 {quantity}"
          en: "{len(signers)} signatures for {quantity} items"
  quotation:
"""
GOODS_RULE = """
  - id: goods.quantity-matches-bill
    on: goods_receipt
    cite: {article: 30}
    title: {zh: 入库数量与开单一致, en: the goods received match the bill}
    when: quantity != billed
    then:
      obligations:
        - code: recount_goods
          message: {zh: 数量与开单不符，重新清点, en: the quantity differs from the bill; count again}
"""


def test_a_kind_the_pack_adds_loads_and_decides(tmp_path: Path) -> None:
    root = pack(tmp_path, "  quotation:\n", GOODS)
    with (root / "shipments.yaml").open("a", encoding="utf-8") as file:
        file.write(GOODS_RULE)
    policy = load_policy(root)
    event = {
        "kind": "goods_receipt",
        "id": "R-1",
        "received_at": "2011-12-05T10:00:00",
        "quantity": 5,
        "billed": 4,
    }
    decision = policy.evaluate(event)
    assert [o.code for o in decision.obligations] == ["recount_goods"]
    assert (decision.kind, decision.event_id, decision.verdict) == ("goods_receipt", "R-1", "pending")
    assert policy.evaluate({**event, "billed": 5}).obligations == []
    with pytest.raises(EventError) as caught:
        policy.evaluate({**event, "quantity": 0})
    assert caught.value.problems == [("$.quantity", "input should be greater than or equal to 1")]
    with pytest.raises(EventError) as caught:
        policy.evaluate({**event, "signers": ["a", "b"], "quantity": 1, "billed": 1})
    assert caught.value.problems == [("$", "2 signatures for 1 items")]


def test_an_unknown_kind_is_not_matched_to_one_sharing_a_word(tmp_path: Path) -> None:
    root = pack(tmp_path, "on: shipment", "on: goods_receipt", "shipments.yaml")
    ((file, _, message, help),) = refused(root)
    assert (file, message) == ("shipments.yaml", "unknown event kind `goods_receipt`")
    assert help is not None and "did you mean" not in help


# ---- vocabularies: roles and approval actions are the pack's (roles.yaml) ----


def test_an_unknown_approval_action_is_refused_with_a_did_you_mean(tmp_path: Path) -> None:
    old = "      - {role: general_manager, action: approve, cite: {article: 36}"
    root = pack(tmp_path, old, old.replace("approve", "aprove"), "roles.yaml")
    assert refused(root) == [
        (
            "roles.yaml",
            line_of(root, "action: aprove", "roles.yaml"),
            "unknown approval action `aprove`",
            "did you mean `approve`?",
        )
    ]


def test_an_action_the_pack_does_not_declare_lists_those_it_does(tmp_path: Path) -> None:
    old = "      - {role: general_manager, action: approve, cite: {article: 36}"
    root = pack(tmp_path, old, old.replace("approve", "countersign"), "roles.yaml")
    ((_, _, message, help),) = refused(root)
    assert message == "unknown approval action `countersign`"
    assert help == (
        "actions: `review`, `approve`, `sign`, `supervise`, `permit` "
        "(declared under `actions:` in roles.yaml)"
    )


def test_a_role_and_an_action_the_pack_adds_are_used_like_any_other(tmp_path: Path) -> None:
    root = pack(
        tmp_path,
        "  finance: {zh: 财务, en: finance}\n",
        "  finance: {zh: 财务, en: finance}\n  auditor: {zh: 审计, en: auditor}\n",
        "roles.yaml",
    )
    text = (root / "roles.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  permit: {zh: 许可, en: permission}\n",
        "  permit: {zh: 许可, en: permission}\n  audit: {zh: 审计, en: audit}\n",
    )
    text = text.replace(
        "      - {role: general_manager, action: approve, cite: {article: 36}, by_end_of: event_date}",
        "      - {role: auditor, action: audit, cite: {article: 36}}\n"
        "      - {role: general_manager, action: approve, cite: {article: 36}, by_end_of: event_date}",
    )
    (root / "roles.yaml").write_text(text, encoding="utf-8")
    policy = load_policy(root)
    event = {
        "kind": "archive_access",
        "id": "A-1",
        "date": "2011-12-05",
        "employee": {"id": "E-09", "role": "auditor"},
        "action": "read",
        "approvals": [
            {"role": "auditor", "by": "E-10", "at": "2011-12-05T09:00:00"},
            {"role": "general_manager", "by": "E-01", "at": "2011-12-05T10:00:00"},
        ],
    }
    decision = policy.evaluate(event)
    assert [(a.role, a.action, a.satisfied) for a in decision.approvals] == [
        ("auditor", "audit", True),
        ("general_manager", "approve", True),
    ]
    with pytest.raises(EventError) as caught:
        load_policy().evaluate(event)  # the bundled pack has no auditor
    assert caught.value.problems[0][0] == "$.employee.role"
