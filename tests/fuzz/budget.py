"""Hypothesis settings shared by the fuzz tests: deterministic, bounded, no example database
in the repository (each run starts from the seeds)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

#: examples per target; ``HACRM_FUZZ_EXAMPLES`` raises it for a longer local run
EXAMPLES = int(os.environ.get("HACRM_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=EXAMPLES or examples, deadline=None, derandomize=True,
                    database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much])
