"""Benchmarks: ``.venv/bin/python -m bench`` runs them all and writes bench/results.md with machine info."""

import os

#: The cores this process could use before ``bench/__main__.py`` pinned it to one (for benchmarks of several
#: processes that stand for several machines, such as ten TVs showing the queue display).
ALL_CORES = frozenset(os.sched_getaffinity(0))
