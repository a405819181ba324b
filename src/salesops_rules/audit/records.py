"""What a ledger is read into: raw records, the decoder of their payloads, and the two errors."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol


class LedgerError(Exception):
    """A ledger that cannot be read at all; `message` names the file, `help` says what to do."""

    def __init__(self, message: str, help: str | None = None) -> None:
        self.message, self.help = message, help
        super().__init__(message)


class RecordError(Exception):
    """One record that is not an event; the message says why, without its position."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class RawRecord(NamedTuple):
    """A record as read, not yet decoded; a named tuple, cheap to make and to send to a worker."""

    position: int  # line (JSON Lines) or row (CSV, Excel), counted from 1
    payload: Any


class Decoder(Protocol):
    def __call__(self, payload: Any, /) -> dict[str, Any]: ...
