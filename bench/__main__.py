"""Run every benchmark pinned to one core and write bench/results.md (and results.json) with machine info.

Usage: ``.venv/bin/python -m bench`` from the repository root.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench import machine, recording

HERE = Path(__file__).resolve().parent


def main() -> int:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    info = machine.describe()
    results = [recording.run()]
    lines = ["# Benchmark results", "", "Written by `.venv/bin/python -m bench`. One core (the process is pinned).", ""]
    lines += ["## Machine", ""] + [f"- {k}: {v}" for k, v in info.items()] + [""]
    lines += ["## Results", "", "| benchmark | median | max | runs | target | met |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['name']} | {r['median_s'] * 1000:.0f} ms | {r['max_s'] * 1000:.0f} ms | {r['runs']} "
                     f"| {r['target']} | {'yes' if r['met'] else 'NO'} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "results.json").write_text(json.dumps({"machine": info, "results": results}, indent=2), encoding="utf-8")
    print("\n".join(lines))
    return 0 if all(r["met"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
