"""Several counters in separate processes on one database never call the same ticket and never lose one;
concurrent issuers never get the same number. PostgreSQL: 8 callers over 1000 tickets. SQLite (single-station
mode): two processes issuing and two calling.

The worker is this file run as a script: ``python test_queue_concurrency.py call URL COUNTER [PAUSE]`` calls
until no ticket is left (waiting PAUSE seconds between calls, as an operator does) and prints the numbers it got
as JSON; ``issue URL SERVICE COUNT`` issues tickets. Each worker
connects, prints ``ready`` and waits for ``go`` on stdin, so all of them start together however slowly the
machine starts processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter as Tally
from pathlib import Path

import pytest
from sqlalchemy import func, select

HERE = Path(__file__).resolve()


def _worker(argv: list[str]) -> None:
    mode, url, arg, *rest = argv
    from ektp_station.db.engine import Database
    from ektp_station.queue.service import QueueService

    queue = QueueService(Database(url, migrate=False))
    with queue.db.engine.connect():  # connected before the start
        pass
    got: list[str] = []
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return
    if mode == "call":
        pause = float(rest[0]) if rest else 0.0
        while True:
            result = queue.call_next(arg)
            if result.ticket is None:
                break
            got.append(result.ticket.number)
            time.sleep(pause)
    else:
        got = [queue.issue(arg).number for _ in range(int(rest[0]))]
    queue.db.dispose()
    print(json.dumps(got))


def _run_workers(commands: list[list[str]], timeout: float = 300) -> list[list[str]]:
    procs = [subprocess.Popen([sys.executable, str(HERE), *cmd], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for cmd in commands]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in procs:  # all connected: start together
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    return results


def _issue_many(db, service: str, count: int) -> list[str]:
    from ektp_station.queue.service import QueueService

    queue = QueueService(db)
    return [queue.issue(service).number for _ in range(count)]


def _check_each_called_once(db, issued: list[str], called: list[list[str]]) -> None:
    from ektp_station.queue.models import QueueEvent, QueueTicket

    flat = [n for per_counter in called for n in per_counter]
    duplicates = [n for n, k in Tally(flat).items() if k > 1]
    assert duplicates == [], f"dipanggil dua kali: {duplicates[:10]}"
    assert sorted(flat) == sorted(issued), "ada nomor yang hilang"
    with db.transaction() as s:
        calls = dict(s.execute(select(QueueEvent.number, func.count()).where(QueueEvent.kind == "CALLED")
                               .group_by(QueueEvent.number)).all())
        waiting = s.scalar(select(func.count()).select_from(QueueTicket).where(QueueTicket.status == "WAITING"))
    assert waiting == 0
    assert set(calls) == set(issued) and set(calls.values()) == {1}


on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
on_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.mark.slow
@on_postgresql
def test_eight_counters_on_postgresql_call_1000_tickets_once_each(database_url, db):
    issued = []
    for service in ("EKTP", "KK", "PINDAH", "SKCK"):
        issued += _issue_many(db, service, 250)
    assert len(set(issued)) == 1000
    called = _run_workers([["call", database_url, str(counter)] for counter in range(1, 9)])
    assert sum(1 for per_counter in called if len(per_counter) >= 20) >= 4, "the callers did not overlap"
    _check_each_called_once(db, issued, called)


@pytest.mark.slow
@on_postgresql
def test_four_issuers_on_postgresql_get_distinct_consecutive_numbers(database_url, db):
    got = _run_workers([["issue", database_url, "KK", "60"] for _ in range(4)])
    numbers = [n for per_worker in got for n in per_worker]
    assert sorted(numbers) == [f"K-{i:03d}" for i in range(1, 241)]


@pytest.mark.slow
@on_sqlite
def test_sqlite_single_station_is_safe_with_two_processes(database_url, db):
    got = _run_workers([["issue", database_url, "EKTP", "100"], ["issue", database_url, "EKTP", "100"]])
    issued = [n for per_worker in got for n in per_worker]
    assert sorted(issued) == [f"E-{i:03d}" for i in range(1, 201)]
    # SQLite's write lock is not fair: a process calling in a tight loop would take it back before the other's
    # busy handler wakes. Operators pause between calls; 5 ms is enough for both processes to take turns.
    called = _run_workers([["call", database_url, "1", "0.005"], ["call", database_url, "2", "0.005"]])
    assert all(called), "both processes should have called"
    _check_each_called_once(db, issued, called)


if __name__ == "__main__":
    _worker(sys.argv[1:])
