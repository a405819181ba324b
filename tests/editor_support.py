"""Helpers of the editor-tool tests: small policy folders assembled from layers.

A test policy is the small base `policies/mini` (or the shipped policy) with one folder of
files laid over it, so that each broken policy under `policies/lint/` holds only what is
broken about it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

TESTS = Path(__file__).resolve().parent
POLICIES = TESTS / "policies"
MINI = POLICIES / "mini"
SHIPPED = TESTS.parent / "policy"
DEPOSIT_60 = POLICIES / "deposit-60"


def contract(date: str, product_class: str = "custom", customer: str = "new", **extra: Any) -> dict[str, Any]:
    """A contract event of 12000 prepared by E-1, dated `date`: the tests of dated packs vary the rest."""
    return {
        "kind": "contract",
        "id": f"C-{date}-{product_class}",
        "date": date,
        "customer": {"id": "K-1", "type": customer, "legal_form": "company"},
        "product_class": product_class,
        "amount": "12000",
        "prepared_by": "E-1",
        **extra,
    }


# A contract the mini pack (policies/mini) judges: a new company customer, stock, 12000.
MINI_CONTRACT: dict[str, Any] = {
    "kind": "contract",
    "id": "C-1",
    "date": "2011-12-01",
    "customer": {"id": "K", "type": "new", "legal_form": "company"},
    "product_class": "stock",
    "amount": "12000",
    "prepared_by": "E1",
}


def assemble(target: Path, *layers: Path) -> Path:
    """Copy each layer's YAML files into `target` in turn, a later file replacing an earlier one."""
    target.mkdir(parents=True, exist_ok=True)
    for layer in layers:
        for file in sorted(layer.glob("*.yaml")):
            shutil.copy(file, target / file.name)
    return target


def lint_case(tmp_path: Path, name: str) -> Path:
    return assemble(tmp_path / name, MINI, POLICIES / "lint" / name)


def deposit_60(target: Path) -> Path:
    """The shipped policy as amended from 2012-07-01: custom goods need a 60% deposit.

    The amendment is a rule file of its own; the manifest keeps whatever values the shipped
    one declares and gains the two editions of `versions.yml`.
    """
    assemble(target, SHIPPED, DEPOSIT_60)
    manifest = yaml.safe_load((SHIPPED / "policy.yaml").read_text(encoding="utf-8"))
    editions = yaml.safe_load((DEPOSIT_60 / "versions.yml").read_text(encoding="utf-8"))
    manifest["policy"].update(editions)
    (target / "policy.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    return target


def cases_demo(target: Path) -> Path:
    """A three-rule policy with its test cases in `tests/`, one of which fails."""
    assemble(target, MINI, POLICIES / "cases-demo")
    shutil.copytree(POLICIES / "cases-demo" / "tests", target / "tests")
    return target


CUSTOM_DEPOSIT = "deposit_ratio: 0.50, payment_on_delivery"
DATED_DEPOSIT = "deposit_ratio: {2011-11-01: 0.50, 2012-07-01: 0.60}, payment_on_delivery"


def deposit_dated(target: Path, dated: str = DATED_DEPOSIT) -> Path:
    """The shipped policy with the deposit on custom goods a dated value: 50%, 60% from 2012-07-01.

    The change `deposit_60` writes as an amendment rule, written instead in the cells of the
    table of 第二十四条 (both custom rows), with the same two editions in policy.yaml.
    """
    deposit_60(target)
    (target / "deposit-2012.yaml").unlink()
    contracts = (SHIPPED / "contracts.yaml").read_text(encoding="utf-8")
    assert contracts.count(CUSTOM_DEPOSIT) == 2, "the shipped table of 第二十四条 changed"
    (target / "contracts.yaml").write_text(contracts.replace(CUSTOM_DEPOSIT, dated), encoding="utf-8")
    return target
