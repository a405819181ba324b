"""Where chunks are judged: in this process, in a local process pool, or on Dask.

Every executor takes the chunks in ledger order and yields their results in the same
order, with a bounded number in flight, so memory does not grow with the ledger and the
merged result is the same whichever executor ran.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .chunks import Chunk, ChunkResult, Settings, audit_chunk, policy_for

# Chunks in flight per worker: enough to keep every worker busy while the main process
# reads and merges, few enough that memory stays flat.
AHEAD = 2


def run_serial(settings: Settings, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
    for chunk in chunks:
        yield audit_chunk(settings, chunk)


_SETTINGS: Settings | None = None


def _start_worker(settings: Settings) -> None:
    global _SETTINGS
    _SETTINGS = settings
    policy_for(settings.policy_dir)  # load once, before the first chunk arrives
    # The loaded policy lives as long as the worker: keep the collector from walking it again
    # and again while millions of short-lived objects come and go.
    gc.freeze()


def _judge(chunk: Chunk) -> ChunkResult:
    assert _SETTINGS is not None
    return audit_chunk(_SETTINGS, chunk)


def run_pool(settings: Settings, chunks: Iterable[Chunk], workers: int) -> Iterator[ChunkResult]:
    """A local process pool; processes start from a server that has already imported the engine."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["salesops_rules.audit.chunks"])
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=(settings,)
    ) as pool:
        pending: deque[Future[ChunkResult]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(_judge, chunk))
            if len(pending) >= workers * AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _dask_task(chunk: Chunk, settings: Settings) -> ChunkResult:
    return audit_chunk(settings, chunk)


def run_dask(
    settings: Settings, chunks: Iterable[Chunk], address: str | None, workers: int
) -> Iterator[ChunkResult]:
    """The same audit on dask.bag: each window of chunks is a bag with one chunk per partition.

    With `address`, the chunks go to that `distributed` scheduler; its workers need this
    package and the policy folder at the same path. Without, a local cluster of `workers`
    processes is started for the audit and stopped after it.
    """
    # dask and distributed have no type hints; Any says so once, here.
    import dask.bag
    import distributed

    db: Any = dask.bag
    dist: Any = distributed
    cluster: Any = None
    if address is None:
        cluster = dist.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = dist.Client(cluster)
    else:
        client = dist.Client(address)
    try:
        width = max(1, len(client.scheduler_info().get("workers", {}))) * AHEAD
        iterator = iter(chunks)
        while True:
            window = list(itertools.islice(iterator, width))
            if not window:
                break
            bag = db.from_sequence(window, npartitions=len(window))
            results: list[ChunkResult] = bag.map(_dask_task, settings).compute(scheduler=client)
            yield from results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
