"""Every policy test case under policy/tests/ as its own pytest item (id = the case's name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesops_rules import Policy, load_policy
from salesops_rules.audit.ledger_cases import run_ledger_case
from salesops_rules.tools.cases import Case, CaseFileError, LedgerCase, Suite, load_suite, run_case

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
CASES_DIR = POLICY_DIR / "tests"


def _collect() -> tuple[Suite, str | None]:
    try:
        return load_suite(CASES_DIR), None
    except CaseFileError as error:
        return Suite([], []), error.message


SUITE, LOAD_ERROR = _collect()
CASES: list[Case] = SUITE.cases
LEDGER_CASES: list[LedgerCase] = SUITE.ledger_cases


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


def test_case_files_load() -> None:
    # A broken case file fails here, with every finding, instead of silently running no cases.
    assert LOAD_ERROR is None, LOAD_ERROR
    assert CASES, f"no policy test cases under {CASES_DIR}"
    assert LEDGER_CASES, f"no ledger cases under {CASES_DIR}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_policy_case(policy: Policy, case: Case) -> None:
    result = run_case(policy, case)
    if not result.passed:
        pytest.fail("\n".join(result.mismatches), pytrace=False)


@pytest.mark.parametrize("case", LEDGER_CASES, ids=[case.name for case in LEDGER_CASES])
def test_ledger_case(policy: Policy, case: LedgerCase) -> None:
    result = run_ledger_case(policy, case)
    if not result.passed:
        pytest.fail("\n".join(result.mismatches), pytrace=False)
