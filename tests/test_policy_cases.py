"""Every policy test case under policy/tests/ as its own pytest item (id = the case's name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesops_rules import Policy, load_policy
from salesops_rules.engine.cases import Case, CaseFileError, load_cases, run_case

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
CASES_DIR = POLICY_DIR / "tests"


def _collect() -> tuple[list[Case], str | None]:
    try:
        return load_cases(CASES_DIR), None
    except CaseFileError as error:
        return [], error.message


CASES, LOAD_ERROR = _collect()


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


def test_case_files_load() -> None:
    # A broken case file fails here, with every finding, instead of silently running no cases.
    assert LOAD_ERROR is None, LOAD_ERROR
    assert CASES, f"no policy test cases under {CASES_DIR}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_policy_case(policy: Policy, case: Case) -> None:
    result = run_case(policy, case)
    if not result.passed:
        pytest.fail("\n".join(result.mismatches), pytrace=False)
