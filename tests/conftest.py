"""Settings for the whole suite.

Hypothesis runs without a per-example deadline and without its "too slow" health check:
CI and the development machines run the suite on shared, busy cores, where one example
may take a second for reasons of the machine, not of the code. A test that fails for
that is a flake, so no test here measures time; the tests of speed are the benchmarks.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("salesops", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("salesops")
