"""The one JSON reader of events, for every door: `check`/`explain`, JSON Lines and table cells
in `audit` and `diff`, and the service's request body.

The standard `json` module with three guards (docs/contract.md, "Bounds"):
- a duplicate key is refused, never "the last one wins";
- a number is refused when its text is long or its exponent large, before Python turns it
  into an `int` or a `Decimal` (a 5000-digit integer, `1e9999999`): numbers with a fraction
  or an exponent become `Decimal`, so money stays exact; `NaN` and `Infinity` are refused;
- the text, its nesting and its strings are bounded in size.

Each refusal names where it is: a syntax error its line and column, any other its JSON path
(`$.approvals[0].at`), found by reading the text a second time only when it is refused.
"""

from __future__ import annotations

import codecs
import json
import re
from decimal import Decimal
from typing import Any

MAX_BYTES = 1 << 20  # one event is a few kB; the service takes bodies up to this size too
MAX_DEPTH = 32  # an event nests 3 levels deep (event, list, record)
MAX_STRING = 10_000  # characters in one string: an address or a name, never a document
MAX_DIGITS = 30  # digits of one JSON number
MAX_EXPONENT = 30  # the size of a number's decimal exponent, once its digits are read


class JsonInputError(ValueError):
    """JSON that is not read: `line` and `column` for a syntax error, else the JSON `path`."""

    def __init__(
        self, reason: str, path: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.reason, self.path, self.line, self.column = reason, path, line, column
        if path is not None:
            self.message = f"{path}: {reason}"
        elif line is not None:
            self.message = f"line {line} column {column}: {reason}"
        else:
            self.message = reason
        super().__init__(self.message)


class _Refused:
    """What the second reading puts where the first refused something, to be found with its path."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Duplicated(dict[str, Any]):
    """An object the second reading found a key twice in: `key`."""

    key: str = ""


def shown(text: str, limit: int = 40) -> str:
    """User input in a message, cut short: a message stays one readable line."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def quoted(value: Any) -> str:
    """A value in a message, in backticks as JSON writes it, cut short; a huge integer by its size."""
    if isinstance(value, bool) or value is None:
        return f"`{json.dumps(value)}`"
    if isinstance(value, int) and not -(10**40) < value < 10**40:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    return f"`{shown(str(value))}`"


def _number_problem(text: str) -> str | None:
    if len(text) > MAX_DIGITS + 12:
        return f"`{shown(text)}` is too long a number (at most {MAX_DIGITS} digits)"
    mantissa, _, exponent = text.lower().partition("e")
    digits = sum(c.isdigit() for c in mantissa)
    if digits > MAX_DIGITS:
        return f"`{text}` has more than {MAX_DIGITS} digits"
    if exponent and (len(exponent.lstrip("+-")) > 4 or abs(int(exponent)) > MAX_EXPONENT):
        return f"`{text}` has an exponent beyond ±{MAX_EXPONENT}: not a number an event holds"
    return None


class _RefusedError(ValueError):
    """Raised by the first reading's hooks; the second reading says what and where."""


def _integer(text: str) -> int:
    if _number_problem(text) is not None:
        raise _RefusedError(text)
    return int(text)


def _decimal(text: str) -> Decimal:
    if _number_problem(text) is not None:
        raise _RefusedError(text)
    return Decimal(text)


def _constant(name: str) -> Decimal:
    raise _RefusedError(name)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _RefusedError("duplicate key")
    return result


# The first reading: fast, refuses without saying where.
_FIRST = json.JSONDecoder(
    parse_float=_decimal, parse_int=_integer, parse_constant=_constant, object_pairs_hook=_pairs
)


def _marked_number(text: str, read: Any) -> Any:
    problem = _number_problem(text)
    return _Refused(problem) if problem is not None else read(text)


def _marked_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    marked = _Duplicated(result)
    for key, _ in pairs:
        if key in seen:
            marked.key = key
            break
        seen.add(key)
    return marked


# The second reading: every refusal is left in place, marked, for `_check_shape` to find.
_SECOND = json.JSONDecoder(
    parse_float=lambda text: _marked_number(text, Decimal),
    parse_int=lambda text: _marked_number(text, int),
    parse_constant=lambda name: _Refused(f"`{name}` is not a number JSON allows"),
    object_pairs_hook=_marked_pairs,
)


def loads(text: str, max_bytes: int = MAX_BYTES) -> Any:
    """`text` as JSON within the bounds; raises JsonInputError, and nothing else."""
    if len(text) > max_bytes:  # characters: at least as many bytes in UTF-8
        raise JsonInputError(f"the JSON text is over the limit of {max_bytes} bytes")
    try:
        data = _FIRST.decode(text)
    except json.JSONDecodeError as error:
        raise JsonInputError(error.msg, line=error.lineno, column=error.colno) from None
    except (_RefusedError, RecursionError):
        _refuse_located(text)
        raise  # unreachable: the second reading finds what the first refused
    # Counting is cheap; only text that could break a bound is walked.
    if (
        text.count("[") + text.count("{") > MAX_DEPTH
        or len(text) > MAX_STRING
        or _SURROGATE_ESCAPE.search(text)
    ):
        _check_shape(data)
    return data


def _refuse_located(text: str) -> None:
    try:
        data = _SECOND.decode(text)
    except RecursionError:
        raise JsonInputError(f"nested deeper than {MAX_DEPTH} levels", "$") from None
    except json.JSONDecodeError as error:  # a number refused first, then the text breaks off
        raise JsonInputError(error.msg, line=error.lineno, column=error.colno) from None
    _check_shape(data)
    raise JsonInputError("not read")  # pragma: no cover - the first reading refused for a reason


def _check_shape(data: Any) -> None:
    """Raise JsonInputError for the first bound broken or refusal marked, in document order."""
    stack: list[tuple[Any, str, int]] = [(data, "$", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, _Refused):
            raise JsonInputError(value.reason, path)
        if isinstance(value, str):
            _check_string(value, "a string", path)
            continue
        if isinstance(value, dict | list) and depth > MAX_DEPTH:
            raise JsonInputError(f"nested deeper than {MAX_DEPTH} levels", path)
        if isinstance(value, _Duplicated):
            raise JsonInputError(
                f"duplicate key `{shown(value.key)}`: each key is given once", f"{path}.{shown(value.key)}"
            )
        if isinstance(value, dict):
            for key, item in reversed(value.items()):
                _check_string(key, "a key", path)
                stack.append((item, f"{path}.{shown(key)}", depth + 1))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                stack.append((value[index], f"{path}[{index}]", depth + 1))


def _check_string(text: str, what: str, path: str) -> None:
    if len(text) > MAX_STRING:
        raise JsonInputError(f"{what} of {len(text)} characters, over the limit of {MAX_STRING}", path)
    half = _SURROGATE.search(text)
    if half is not None:
        raise JsonInputError(
            f"{what} holding `\\u{ord(half.group()):04x}`, half of a UTF-16 pair: not text", path
        )


_SURROGATE = re.compile("[\ud800-\udfff]")
# `\ud800` written as an escape: only such text can hold half a pair once read.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def unicode_bom(raw: bytes) -> str | None:
    """The encoding other than UTF-8 that `raw` starts by naming with its byte-order mark, if any."""
    return next((name for bom, name in _UNICODE_BOMS if raw.startswith(bom)), None)


def text_of(raw: bytes) -> str:
    """Bytes as UTF-8 text (a UTF-8 byte-order mark is dropped); raises JsonInputError saying why not."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    encoding = unicode_bom(raw)
    if encoding is not None:
        raise JsonInputError(f"the text is {encoding}, not UTF-8: save it as UTF-8")
    if b"\x00" in raw:  # never in JSON text, escaped as \u0000 in a string
        raise JsonInputError("not UTF-8 JSON text: it holds NUL bytes (UTF-16 without a byte-order mark?)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise JsonInputError(f"not UTF-8 text: byte {error.start + 1} is invalid") from None


def load_bytes(raw: bytes, max_bytes: int = MAX_BYTES) -> Any:
    """JSON from bytes (a file's, a body's): UTF-8 text within the bounds."""
    if len(raw) > max_bytes:
        raise JsonInputError(f"{len(raw)} bytes, over the limit of {max_bytes} bytes for one event")
    return loads(text_of(raw), max_bytes)
