"""Settings for the whole suite.

Hypothesis runs without a per-example deadline and without its "too slow" health check:
CI and the development machines run the suite on shared, busy cores, where one example
may take a second for reasons of the machine, not of the code. A test that fails for
that is a flake, so no test here measures time; the tests of speed are the benchmarks.
"""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from salesops_rules.core import cache

settings.register_profile("salesops", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("salesops")


@pytest.fixture(autouse=True, scope="session")
def _private_pack_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The command line's compiled-pack cache (core/cache.py) in a folder of this run, never the user's."""
    saved = os.environ.get(cache.ENV_FOLDER)
    os.environ[cache.ENV_FOLDER] = str(tmp_path_factory.mktemp("pack-cache"))
    yield
    if saved is None:
        del os.environ[cache.ENV_FOLDER]
    else:
        os.environ[cache.ENV_FOLDER] = saved
