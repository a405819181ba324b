"""Objects that an audit needs again only at its end, kept on disk meanwhile: memory stays flat.

The events judged again at the ledger's end and the findings of the rules across events grow
with the ledger; the main process writes them to an anonymous temporary file as they come
and reads them back once, in the order written.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from typing import Any


class Spill:
    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by `close`, as long as the audit)
        self.count = 0

    def add(self, item: Any) -> None:
        # One pickle per item, no shared memo: a Pickler kept open would hold every item written.
        self._file.write(pickle.dumps(item, pickle.HIGHEST_PROTOCOL))
        self.count += 1

    def __iter__(self) -> Iterator[Any]:
        """Every item written so far, in order (our own file: unpickling it is safe)."""
        file = self._file
        file.flush()
        file.seek(0)
        for _ in range(self.count):
            yield pickle.load(file)  # noqa: S301
        file.seek(0, 2)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
