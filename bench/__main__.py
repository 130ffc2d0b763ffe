"""Run every benchmark pinned to one core and write bench/results.md (and results.json) with machine info.

Usage: ``.venv/bin/python -m bench [NAME ...]`` from the repository root. Benchmarks are the modules
``bench/bench_<name>.py``; each has ``run() -> dict | list[dict]`` returning rows with ``name``, ``median_s``,
``max_s``, ``runs``, ``target``, ``met`` (and optionally ``note``).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path

from bench import machine

HERE = Path(__file__).resolve().parent


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> int:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    info = machine.describe()
    wanted = set(sys.argv[1:])
    results = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        rows = importlib.import_module(f"bench.{path.stem}").run()
        results.extend(rows if isinstance(rows, list) else [rows])
    # Running some benchmarks keeps the other rows of earlier runs (each row says when it was measured).
    for row in results:
        row["measured"] = info["date"]
    previous = HERE / "results.json"
    if wanted and previous.exists():
        fresh = {r["name"] for r in results}
        kept = [r for r in json.loads(previous.read_text(encoding="utf-8")).get("results", [])
                if r["name"] not in fresh]
        results = kept + results
    lines = ["# Benchmark results", "", "Written by `.venv/bin/python -m bench`. One core (the process is pinned), unless a row's note says otherwise.", ""]
    lines += ["## Machine", ""] + [f"- {k}: {v}" for k, v in info.items()] + [""]
    lines += ["## Results", "", "| benchmark | median | max | runs | target | met | note | measured |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['name']} | {_fmt(r['median_s'])} | {_fmt(r['max_s'])} | {r['runs']} "
                     f"| {r['target']} | {'yes' if r['met'] else 'NO'} | {r.get('note', '')} | {r.get('measured', '')} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "results.json").write_text(json.dumps({"machine": info, "results": results}, indent=2), encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
