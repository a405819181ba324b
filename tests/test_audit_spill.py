"""`audit/spill.py`: what the audit's main process keeps on disk until the ledger's end."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from salesops_rules.audit.spill import Spill
from salesops_rules.model.audit import AuditFinding

_ITEMS = st.lists(
    st.one_of(
        st.integers(),
        st.text(),
        st.tuples(st.integers(), st.binary(), st.tuples(st.text())),
        st.lists(st.tuples(st.integers(), st.text())),
    )
)


@settings(deadline=None, max_examples=50)
@given(_ITEMS)
def test_items_come_back_in_the_order_written(items: list[object]) -> None:
    with Spill() as spill:
        for item in items:
            spill.add(item)
        assert list(spill) == items
        assert list(spill) == items  # read again: the same


def test_items_added_after_a_reading_follow_the_others() -> None:
    finding = AuditFinding(
        3, 3, "E-1", "contract", "2011-12-01", "2011-12", "E-05",
        "violation", "c", 7, None, "第七条", "m", "", "",
    )  # fmt: skip
    with Spill() as spill:
        assert list(spill) == []
        spill.add(finding)
        assert list(spill) == [finding]
        spill.add([("a", 1)])
        assert list(spill) == [finding, [("a", 1)]]
        assert spill.count == 2
