"""The hostile policies of issue 12, one per failure mode, with the whole error each must give.

Each case writes one file, `zz-hostile.yaml`, into a copy of the shipped policy. `expected`
lists the findings as rendered after the file's path (`line:col: error ...`, a help line
after a newline); the PolicyError must hold exactly these, nothing else. Shared by
`tests/test_hostile_policies.py` and `benchmarks/bench_hostile_policies.py` (which times
each one).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent.parent / "policy"
HOSTILE = "zz-hostile.yaml"  # sorts after every shipped rule file

RULE = """\
rules:
  - id: test.hostile
    on: contract
    cite: {article: 14}
    when: "amount >= 5000"
    then:
      obligations:
        - code: test_duty
          message: {zh: 测试, en: a test duty}
"""

TAG_HELP = "a policy is plain data: write the value itself, and quote it to make it text"
ALIAS_HELP = "write the values out where they are used, or alias fewer and smaller values"
NUMBER_HELP = "write the number in decimal digits, as in `10000` or `0.30`"
EXPONENT_HELP = "write the number in full, as in `0.000001`: exponents are not allowed"
DEPTH = (
    "the YAML is nested more than 32 levels deep\n"
    "  help: a policy nests a few levels: file, rule, outcome, list, item"
)
DIVIDE_HELP = "multiply instead: write `paid >= amount * 0.30`, not `paid / amount >= 0.30`"


@dataclass(frozen=True)
class Hostile:
    name: str
    write: Callable[[Path], None]
    expected: tuple[str, ...]


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


def _bytes(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


def _rule(old: str, new: str) -> Callable[[Path], None]:
    assert RULE.count(old) == 1, old
    return _text(RULE.replace(old, new))


def _when(expression: str) -> Callable[[Path], None]:
    return _rule('when: "amount >= 5000"', f'when: "{expression}"')


def _symlink(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def _expression_error(message: str, help: str) -> tuple[str, ...]:
    return (f"5:5: error [test.hostile]: {message}\n  help: {help}",)


CASES: tuple[Hostile, ...] = (
    # ---- YAML features a policy never needs ----
    Hostile(
        "python-name-tag",
        _rule('when: "amount >= 5000"', "when: !!python/name:os.system ''"),
        (f"5:11: error: explicit YAML tags (`!!python/name:os.system`) are not allowed\n  help: {TAG_HELP}",),
    ),
    Hostile(
        "unknown-tag",
        _rule('when: "amount >= 5000"', "when: !evil amount"),
        (f"5:11: error: explicit YAML tags (`!evil`) are not allowed\n  help: {TAG_HELP}",),
    ),
    Hostile(
        "binary-tag-hides-an-expression",
        _rule('when: "amount >= 5000"', "when: !!binary YW1vdW50ID49IDE="),
        (f"5:11: error: explicit YAML tags (`!!binary`) are not allowed\n  help: {TAG_HELP}",),
    ),
    Hostile(
        "self-alias",
        _text("a: &a [*a]\n"),
        (
            "1:8: error: alias `*a` names no anchor before it, or the value that holds it\n"
            "  help: an alias repeats a value written in full earlier in the file",
        ),
    ),
    Hostile(
        "billion-laughs",
        _text(LAUGHS),
        (f"5:8: error: aliases in this file stand for more than 10,000 values\n  help: {ALIAS_HELP}",),
    ),
    Hostile(
        # Two findings at one place, one naming a rule and one not: sorting them failed.
        "alias-as-a-key",
        _text("rules:\n  - *a: x\n    id: test.hostile\n    cite: {article: 14}\n"),
        (
            "2:5: error: a mapping key must be a plain word",
            "2:5: error [test.hostile]: missing key `on` at `rules.0.on`",
        ),
    ),
    Hostile(
        "merge-key",
        _text("base: {on: contract}\nrules:\n  - <<: {on: contract}\n"),
        (f"3:5: error: merge keys (`<<`) are not allowed\n  help: {ALIAS_HELP}",),
    ),
    # libyaml reads a flow collection ahead and stops at its own bound, the 1000th `[`.
    Hostile("flow-nesting-1000", _text("rules: " + "[" * 1000), (f"1:1007: error: {DEPTH}",)),
    Hostile("flow-nesting-100000", _text("rules: " + "[" * 100_000), (f"1:1007: error: {DEPTH}",)),
    Hostile(
        "block-nesting-40",
        _text("".join(f"{'  ' * i}k{i}:\n" for i in range(40))),
        (f"33:65: error: {DEPTH}",),
    ),
    Hostile(
        "two-documents",
        _text(RULE + "---\nrules: []\n"),
        (
            "10:1: error: a policy file holds one YAML document, but a second one starts here\n"
            "  help: remove the `---` line, or move the second document into a file of its own",
        ),
    ),
    # ---- characters and bytes ----
    Hostile(
        "nul-character",
        _rule("a test duty", "a test\x00duty"),
        (
            "9:39: error: the character U+0000 is not allowed in a policy file\n"
            "  help: remove it, or retype the line",
        ),
    ),
    Hostile(
        "bell-character",
        _rule("a test duty", "a test\x07duty"),
        (
            "9:39: error: the character U+0007 is not allowed in a policy file\n"
            "  help: remove it, or retype the line",
        ),
    ),
    Hostile(
        "escaped-nul-in-quotes",
        _rule("a test duty", '"a test\\x00duty"'),
        (
            "9:33: error: the character U+0000 is not allowed in a policy file\n"
            "  help: remove it, or retype the value",
        ),
    ),
    Hostile(
        "line-breaks-in-quoted-names",
        _text('rules:\n  - id: "a\\nb"\n    on: contract\n    cite: {article: 14}\n    "x\\ny": 1\n'),
        (
            "2:5: error [a\\nb]: `rules.0.id`: string should match pattern '^[a-z0-9][a-z0-9_.-]*$'",
            "5:5: error [a\\nb]: unknown key `x\\ny` at `rules.0.x\\ny`",
        ),
    ),
    Hostile(
        "bidi-override",
        _rule('when: "amount >= 5000"', 'when: "amount >= 5000 \u202e"'),
        (
            "5:27: error: the character U+202E is not allowed in a policy file\n"
            "  help: remove it, or retype the line",
        ),
    ),
    Hostile(
        "not-utf-8",
        _bytes(RULE.encode("utf-8").replace("测试".encode(), b"\xff\xfe")),
        (
            "9:25: error: the file is not UTF-8: byte `0xff` cannot start or continue a character\n"
            "  help: save it as UTF-8",
        ),
    ),
    Hostile(
        "utf-16",
        _bytes(RULE.encode("utf-16")),
        ("1:1: error: the file is UTF-16, not UTF-8\n  help: save it as UTF-8",),
    ),
    # ---- numbers ----
    Hostile(
        "5000-digit-integer",
        _text("rules: []\nlimit: " + "9" * 5000 + "\n"),
        (
            "2:8: error: the number `9999999999999999999999999999999999999...` has 5000 digits, "
            "more than 30\n"
            "  help: no amount, ratio or count in a policy needs that many",
        ),
    ),
    Hostile(
        "tiny-exponent",
        _text("rules: []\ndeposit_ratio: 1.0e-9999999\n"),
        (f"2:16: error: `1.0e-9999999` is not a plain decimal number\n  help: {EXPONENT_HELP}",),
    ),
    Hostile(
        "tinier-exponent",
        _text("rules: []\ndeposit_ratio: 1.0e-99999999\n"),
        (f"2:16: error: `1.0e-99999999` is not a plain decimal number\n  help: {EXPONENT_HELP}",),
    ),
    Hostile(
        "octal-looking",
        _text("rules: []\nlimit: 010\n"),
        (
            "2:8: error: `010` starts with 0\n"
            "  help: YAML reads a leading 0 as octal: write the number without it",
        ),
    ),
    Hostile(
        "sexagesimal",
        _text("rules: []\nlimit: 1:30\n"),
        (f"2:8: error: `1:30` is not a plain decimal number\n  help: {NUMBER_HELP}",),
    ),
    Hostile(
        "infinity",
        _text("rules: []\nlimit: .inf\n"),
        ("2:8: error: `.inf` is not a plain decimal number\n  help: a policy needs a finite number",),
    ),
    # ---- dates and citations ----
    Hostile(
        "date-off-the-calendar",
        _rule("    cite: {article: 14}\n", "    cite: {article: 14}\n    effective_from: 2011-13-45\n"),
        (
            "5:21: error: `2011-13-45` is not a date on the calendar: month must be in 1..12\n"
            "  help: write a date as YYYY-MM-DD, as in `2011-12-07`",
        ),
    ),
    Hostile(
        "date-as-a-number",
        _rule("    cite: {article: 14}\n", "    cite: {article: 14}\n    effective_from: 0\n"),
        (
            "5:5: error [test.hostile]: `rules.0.effective_from`: `0` is not a date\n"
            "  help: write a date unquoted as YYYY-MM-DD, as in `2011-12-07`",
        ),
    ),
    Hostile(
        "article-past-any-label",
        _rule("cite: {article: 14}", "cite: {article: 100000000000000000000000}"),
        (
            "4:5: error [test.hostile]: article `100000000000000000000000` is not in the catalogue\n"
            "  help: the regulation has articles 1 to 40",
        ),
    ),
    Hostile(
        "article-as-a-boolean",
        _rule("cite: {article: 14}", "cite: {article: true}"),
        ("4:12: error [test.hostile]: `rules.0.cite.article`: input should be a valid integer",),
    ),
    Hostile(
        "item-past-any-label",
        _rule("cite: {article: 14}", "cite: {article: 14, item: 99999999999}"),
        (
            "4:5: error [test.hostile]: 第十四条 has no item `99999999999`\n"
            "  help: this article has no enumerated items",
        ),
    ),
    # ---- function signatures and division ----
    Hostile(
        "days-between-numbers",
        _when("days_between(amount, amount) > 0"),
        _expression_error(
            "in `days_between(amount, amount) > 0`: `days_between(amount, amount)`: argument 1 of "
            "`days_between`, `amount`, is a number, but it needs a date or a datetime",
            "`days_between` takes two dates or two datetimes",
        ),
    ),
    Hostile(
        "round-money-of-text",
        _when("round_money(prepared_by) > 0"),
        _expression_error(
            "in `round_money(prepared_by) > 0`: `round_money(prepared_by)`: argument 1 of `round_money`, "
            "`prepared_by`, is a string, but it needs a number",
            "`round_money` takes one number",
        ),
    ),
    Hostile(
        "min-of-nothing",
        _when("min() > 0"),
        _expression_error(
            "in `min() > 0`: `min()`: `min` takes at least 2 arguments, not 0",
            "`min` takes two or more numbers",
        ),
    ),
    Hostile(
        "len-of-a-number",
        _when("len(amount) > 0"),
        _expression_error(
            "in `len(amount) > 0`: `len(amount)`: argument 1 of `len`, `amount`, is a number, "
            "but it needs a list",
            "`len` takes one list",
        ),
    ),
    Hostile(
        "abs-of-text",
        _when("abs(prepared_by) > 0"),
        _expression_error(
            "in `abs(prepared_by) > 0`: `abs(prepared_by)`: argument 1 of `abs`, `prepared_by`, is a string, "
            "but it needs a number",
            "`abs` takes one number",
        ),
    ),
    Hostile(
        "date-of-a-number",
        _when("date_of(amount) == event_date"),
        _expression_error(
            "in `date_of(amount) == event_date`: `date_of(amount)`: argument 1 of `date_of`, `amount`, "
            "is a number, but it needs a datetime",
            "`date_of` takes one datetime",
        ),
    ),
    Hostile(
        "days-between-a-date-and-a-datetime",
        _text(
            RULE.replace("on: contract", "on: shipment").replace(
                "amount >= 5000", "days_between(event_date, shipped_at) > 0"
            )
        ),
        _expression_error(
            "in `days_between(event_date, shipped_at) > 0`: `days_between(event_date, shipped_at)`: "
            "`days_between` needs arguments of one kind, not a date and a datetime",
            "`days_between` takes two dates or two datetimes; `date_of(t)` is the date of a datetime `t`",
        ),
    ),
    Hostile(
        "divide-by-zero",
        _when("amount / 0 > 1"),
        _expression_error("in `amount / 0 > 1`: `amount / 0` divides by zero", DIVIDE_HELP),
    ),
    Hostile(
        "divide-by-a-field",
        _when("amount / deposit_ratio > 1"),
        _expression_error(
            "in `amount / deposit_ratio > 1`: `amount / deposit_ratio`: the divisor `deposit_ratio` "
            "may be 0 on some event",
            DIVIDE_HELP,
        ),
    ),
    Hostile(
        "error-in-a-multi-line-expression-is-one-line",
        _rule('when: "amount >= 5000"', "when: |-\n      amount >= 5000\n      and len(amount) > 0"),
        _expression_error(
            "in `amount >= 5000 and len(amount) > 0`: `len(amount)`: argument 1 of `len`, `amount`, "
            "is a number, but it needs a list",
            "`len` takes one list",
        ),
    ),
    Hostile(
        "exponent-in-an-expression",
        _when("amount > 1e9999999"),
        _expression_error(
            "in `amount > 1e9999999`: `1e9999999` is not a plain decimal number", EXPONENT_HELP
        ),
    ),
    Hostile(
        "exponent-in-a-table-cell",
        _text(
            "rules:\n"
            "  - id: test.hostile\n"
            "    on: contract\n"
            "    cite: {article: 14}\n"
            "    table:\n"
            "      inputs: [amount]\n"
            "      rows:\n"
            '        - when: {amount: "<= 1.0e-9999999"}\n'
            "          then: {obligations: [{code: test_duty, message: {zh: 测试, en: a test duty}}]}\n"
        ),
        (
            "8:18: error [test.hostile]: `<= 1.0e-9999999`: `1.0e-9999999` is not a plain decimal number; "
            "write a comparison cell as in `<= 10000`",
        ),
    ),
    # ---- what is not a regular file ----
    Hostile(
        "symlink-to-dev-zero",
        _symlink("/dev/zero"),
        ("1:1: error: the file is a device, not a regular file\n  help: a policy file is a plain file",),
    ),
    Hostile(
        "fifo",
        _fifo,
        ("1:1: error: the file is a FIFO, not a regular file\n  help: a policy file is a plain file",),
    ),
    Hostile(
        "larger-than-4-mib",
        _text("rules: []\n" + ("# padding\n" * 420_000)),
        ("1:1: error: the file is larger than 4 MiB\n  help: split the rules into several files",),
    ),
)


def make_policy(root: Path, case: Hostile) -> Path:
    """A copy of the shipped policy at `root` with the case's file added; its path."""
    shutil.copytree(POLICY_DIR, root, ignore=shutil.ignore_patterns("tests"))
    path = root / HOSTILE
    case.write(path)
    return path
