"""Conditions in words (`render/wording.py`): the policy language as a reader says it."""

from __future__ import annotations

import pytest

from salesops_rules import load_policy
from salesops_rules.core.labels import labels_of
from salesops_rules.core.trace import Fact
from salesops_rules.render.wording import Wording

LABELS = labels_of(load_policy().compiled)
ZH, EN = Wording(LABELS, "zh"), Wording(LABELS, "en")


@pytest.mark.parametrize(
    ("expression", "zh", "en"),
    [
        ("product_class == 'custom'", "产品类别为定制产品", "the product class is custom product"),
        (
            "action in ['read', 'copy'] and employee.role != 'general_manager'",
            "查阅方式为查阅、复制之一且员工岗位不为总经理",
            "the access is one of read, copy and the employee's role is not general manager",
        ),
        (
            "days_between(received_at, handed_at) > 3",
            "收款时间至上交时间的天数大于3",
            "the days from when it was received to when it was handed over is above 3",
        ),
        (
            "general_manager_away and not signed_by(approvals, 'general_manager')",
            "总经理外出且并非审批记录中有总经理的签字",
            "the general manager is away and not (the approvals hold a signature of the general manager)",
        ),
        (
            "(done is not None and done > due) or (done is None and event_date > due)",
            "（完成日期已填写且完成日期大于到期日）或（完成日期未填写且事件日期大于到期日）",
            "(the day it was done is given and the day it was done is above the due date) or "
            "(the day it was done is not given and the event's date is above the due date)",
        ),
        (
            "'business_licence' in customer.documents",
            "客户资料包含营业执照",
            "the customer's documents include business licence",
        ),
    ],
)
def test_an_expression_in_words(expression: str, zh: str, en: str) -> None:
    assert (ZH.expression(expression), EN.expression(expression)) == (zh, en)


def test_a_fact_shows_the_events_value_and_whether_it_held() -> None:
    fact = Fact("product_class == 'custom'", (("product_class", "stock"),), False)
    assert ZH.fact(fact) == "产品类别为定制产品（本事项：常规产品）：否"
    assert EN.fact(fact) == "the product class is custom product (here: stock product): no"
    both = Fact("amount > deposit_paid", (("amount", "800.00"), ("deposit_paid", "none")), None)
    assert ZH.fact(both) == "金额大于已付定金（本事项：金额为800.00，已付定金为未填写）：无法判断"


def test_a_rule_that_did_not_apply_names_what_did_not_hold() -> None:
    facts = [
        Fact("customer.type == 'existing'", (("customer.type", "new"),), False),
        Fact("amount <= 10000", (("amount", "500.00"),), True),
        Fact("approvals_satisfied", (("approvals_satisfied", "true"),), True),
    ]
    when = "customer.type == 'existing' and amount <= 10000 and not approvals_satisfied"
    assert ZH.failed(when, facts) == ["客户类型为老客户", "并非审批已满足"]
    assert EN.failed(when, facts) == [
        "the customer type is existing customer",
        "not (the approvals are satisfied)",
    ]
