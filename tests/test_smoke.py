from salesops_rules import load_policy


def test_bundled_policy_loads_and_decides() -> None:
    policy = load_policy()
    decision = policy.evaluate(
        {
            "kind": "contract",
            "id": "C-1",
            "date": "2011-12-01",
            "customer": {"id": "K", "type": "new", "legal_form": "company"},
            "product_class": "stock",
            "amount": "12000",
            "prepared_by": "E1",
        }
    )
    assert decision.values["deposit_amount"] == decision.values["deposit_ratio"] * 12000
    assert decision.verdict == "pending"
