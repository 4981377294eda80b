"""`make bench`: run the registered benchmarks (bench/registry.py) against a throwaway database.

    python -m bench.run                  # every benchmark
    python -m bench.run report_render    # one (make bench BENCH=report_render)
    python -m bench.run --list           # what there is

The database is found as for `make test` (DATABASE_URL, else the embedded cluster that `make services`
starts) and the benchmarks run in a database of their own, "bench_<name>", created with the migrations
(as pytest-django creates "test_<name>") and dropped at the end. Media files and generated signing keys go
to a scratch directory that is removed too. The exit status is non-zero when a benchmark misses its target
or fails. Not part of `make test`: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "5") or 5),
                        help="measured runs per benchmark (default 5, or BENCH_REPEAT)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--quiet", action="store_true", help="print only the results")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    arguments = _arguments(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("CACHE_KEY_PREFIX", f"bench-{os.getpid()}")
    os.environ.setdefault("CELERY_KEY_PREFIX", f"bench-{os.getpid()}-")
    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # one line per page otherwise
    from bench.benchmarks import reports  # noqa: F401  (registers)
    from bench.registry import BENCHMARKS, Context

    if arguments.list:
        for bench in BENCHMARKS.values():
            print(f"{bench.name:24} {bench.description}")
        return 0
    names = [name for raw in arguments.names for name in raw.replace(",", " ").split()] or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if arguments.repeat < 1:
        print("--repeat must be at least 1", file=sys.stderr)
        return 2
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

    scratch = Path(tempfile.mkdtemp(prefix="bench-", dir=BASE_DIR / "var" if (BASE_DIR / "var").is_dir() else None))
    original_name = settings.DATABASES["default"]["NAME"]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"bench_{original_name}"
    failed = False
    setup_test_environment()
    print(f"Creating the throwaway database bench_{original_name} (migrations)…", flush=True)
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    print(f"  ready in {time.perf_counter() - started:.1f} s", flush=True)
    try:
        with override_settings(MEDIA_ROOT=scratch / "media", VAR_DIR=scratch / "var",
                               PDF_SIGNING_DEPARTMENT_KEYS_DIR="", PDF_SIGNING_KEY_FILE="", PDF_SIGNING_CERT_FILE=""):
            for name in names:
                bench = BENCHMARKS[name]
                print(f"\n== {bench.name}: {bench.description}", flush=True)
                context = Context(repeat=arguments.repeat, scratch=scratch / name, verbose=not arguments.quiet)
                context.scratch.mkdir(parents=True, exist_ok=True)
                try:
                    result = bench.function(context)
                except Exception:
                    traceback.print_exc()
                    print(f"FAIL {name}: raised an exception", flush=True)
                    failed = True
                    continue
                width = max((len(key) for key in result.metrics), default=0)
                for key, value in result.metrics.items():
                    print(f"  {key:{width}}  {value}")
                for message in result.failures:
                    print(f"  FAIL: {message}")
                print(f"{'ok' if result.ok else 'FAIL'} {name}", flush=True)
                failed = failed or not result.ok
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
