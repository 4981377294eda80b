"""Every benchmark module, imported so that its benchmarks register themselves (bench/registry.py)."""

from . import reports  # noqa: F401  (SUP-5: the inspection report)
