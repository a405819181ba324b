"""The one reading of a number a policy writes, in YAML, in an expression or in a table cell.

A number is plain decimal digits, an optional sign and point, and at most
`MAX_DIGITS` digits: `10000`, `0.30`, `-12.5`. Exponents (`1.0e-9999999`), other
bases (`0x10`), YAML 1.1's octal (`010`) and sexagesimal (`1:30`) forms, `.inf` and
`.nan` are refused, because each either reads as something the editor did not write or
lets a few bytes name a number that takes seconds to add or compare exactly.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_DIGITS = 30  # money is below 10^12 with 2 places; 30 leaves room for any ratio or count

_PLAIN = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)")
_OCTAL = re.compile(r"[-+]?0[0-9_]+")


class LiteralError(ValueError):
    """Why a number literal was refused, with advice."""

    def __init__(self, message: str, help: str) -> None:
        self.message, self.help = message, help
        super().__init__(message)


def read_number(text: str) -> int | Decimal:
    """`text` as an int (no point) or an exact Decimal (a point); LiteralError if refused."""
    written = text.strip()
    shown = written if len(written) <= 40 else written[:37] + "..."
    if not _PLAIN.fullmatch(written):
        lowered = written.lower()
        if re.fullmatch(r"[-+]?[0-9_.]+e[-+]?[0-9_]+", lowered):
            advice = "write the number in full, as in `0.000001`: exponents are not allowed"
        elif lowered.lstrip("+-") in (".inf", "inf", ".nan", "nan"):
            advice = "a policy needs a finite number"
        else:
            advice = "write the number in decimal digits, as in `10000` or `0.30`"
        raise LiteralError(f"`{shown}` is not a plain decimal number", advice)
    digits = len(written) - written.count("_") - written.count(".") - (written[0] in "+-")
    if digits > MAX_DIGITS:
        raise LiteralError(
            f"the number `{shown}` has {digits} digits, more than {MAX_DIGITS}",
            "no amount, ratio or count in a policy needs that many",
        )
    plain = written.replace("_", "")
    if "." in plain:
        return Decimal(plain)
    if _OCTAL.fullmatch(written) and plain.lstrip("+-") != "0" * len(plain.lstrip("+-")):
        raise LiteralError(
            f"`{shown}` starts with 0",
            "YAML reads a leading 0 as octal: write the number without it",
        )
    return int(plain)
