"""The examples of `docs/cli.md` are run, so that they cannot go stale.

A fenced block marked `console` holds commands (`$ salesops-rules ...`, run from the
repository's root) each followed by what it prints, standard output then standard error.
A line `...` stands for any number of lines. After a change that moves the figures,
`SALESOPS_REGEN_DOCS=1 python -m pytest tests/test_cli_docs.py` writes the new output
into the document (keeping as many lines around each `...` as were there); read the diff.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from salesops_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cli.md"
BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.DOTALL | re.MULTILINE)
ANY = "..."
REGEN = os.environ.get("SALESOPS_REGEN_DOCS") == "1"


@dataclass
class Example:
    command: str
    expected: list[str]
    line: int  # of the command in docs/cli.md

    def __str__(self) -> str:
        return f"cli.md:{self.line}: {self.command}"


def examples(text: str) -> list[Example]:
    found: list[Example] = []
    for block in BLOCK.finditer(text):
        first = text.count("\n", 0, block.start(1)) + 1
        for offset, line in enumerate(block.group(1).splitlines()):
            if line.startswith("$ "):
                found.append(Example(line[2:], [], first + offset))
            elif found and first <= found[-1].line:
                found[-1].expected.append(line)
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    if ANY not in expected:
        return expected == actual
    cut = expected.index(ANY)
    head, tail = expected[:cut], expected[cut + 1 :]
    if actual[: len(head)] != head or len(actual) < len(head) + len(tail) - tail.count(ANY):
        return False
    rest = actual[len(head) :]
    # The rest of the pattern must match some suffix of what is left.
    return any(matches(tail, rest[i:]) for i in range(len(rest) + 1))


def run(command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    argv = shlex.split(command)
    assert argv[0] == "salesops-rules", f"only salesops-rules commands are run: {command}"
    monkeypatch.chdir(ROOT)
    capsys.readouterr()
    with contextlib.suppress(SystemExit):  # --help exits
        main(argv[1:])
    out, err = capsys.readouterr()
    return (out + err).splitlines()


DOC_TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = examples(DOC_TEXT)


def test_the_document_has_examples_to_check() -> None:
    assert len(EXAMPLES) >= 6
    assert all(e.expected for e in EXAMPLES), [str(e) for e in EXAMPLES if not e.expected]


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_each_example_prints_what_the_document_says(
    example: Example, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    actual = run(example.command, capsys, monkeypatch)
    if REGEN and not matches(example.expected, actual):
        _rewrite(example, actual)
        pytest.skip(f"rewrote {example}")
    assert matches(example.expected, actual), "\n".join(
        [f"{example} prints:", *actual, "", "the document says:", *example.expected]
    )


def _rewrite(example: Example, actual: list[str]) -> None:
    if ANY in example.expected:
        cut = example.expected.index(ANY)
        keep_tail = len(example.expected) - cut - 1
        shown = [*actual[:cut], ANY, *(actual[len(actual) - keep_tail :] if keep_tail else [])]
    else:
        shown = actual
    lines = DOC.read_text(encoding="utf-8").split("\n")
    start = example.line  # the line after the command (0-based index of the next line)
    assert lines[start - 1] == f"$ {example.command}", "the document changed under the rewrite"
    end = start + len(example.expected)
    lines[start:end] = shown
    DOC.write_text("\n".join(lines), encoding="utf-8")


def test_the_matcher_reads_ellipses() -> None:
    assert matches(["a", ANY, "z"], ["a", "b", "c", "z"])
    assert matches(["a", ANY, "z"], ["a", "z"])
    assert not matches(["a", ANY, "z"], ["a", "b"])
    assert not matches(["a", "b"], ["a", "b", "c"])
    assert examples("```console\n$ salesops-rules x\none\n```\n") == [Example("salesops-rules x", ["one"], 2)]
