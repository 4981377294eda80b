"""The registry of named benchmarks (`make bench BENCH=name`).

A benchmark is a function registered with `@benchmark("name", "what it measures")`. It receives a `Context`
(repeat count, a scratch directory, `timed()` and `summary()` helpers) and returns a `Result`: the
measurements to print and whether its own target was met (a failed target makes `make bench` exit non-zero).
Benchmarks run inside a throwaway database that run.py creates and drops; each gets a clean media directory
and signing keys of its own. Add a module under bench/benchmarks/ and import it in bench/benchmarks/__init__.py.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Result:
    """What a benchmark measured (`metrics`, printed in order) and whether it met its target."""

    metrics: dict[str, object] = field(default_factory=dict)
    ok: bool = True
    failures: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.ok = False
        self.failures.append(message)


@dataclass
class Context:
    repeat: int
    scratch: Path
    verbose: bool = False

    @staticmethod
    def timed(function: Callable[[], object]) -> tuple[float, object]:
        """Seconds (wall clock, perf_counter) that one call of `function` took, and its return value."""
        started = time.perf_counter()
        value = function()
        return time.perf_counter() - started, value

    @staticmethod
    def summary(seconds: list[float]) -> dict[str, str]:
        """Median, minimum and maximum of a list of timings, formatted in seconds."""
        return {"runs": str(len(seconds)), "median_s": f"{statistics.median(seconds):.2f}",
                "min_s": f"{min(seconds):.2f}", "max_s": f"{max(seconds):.2f}"}

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"    {message}", flush=True)


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    function: Callable[[Context], Result]


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str, description: str):
    """Register the decorated function as the benchmark `name`."""

    def register(function: Callable[[Context], Result]) -> Callable[[Context], Result]:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = Benchmark(name=name, description=description, function=function)
        return function

    return register
