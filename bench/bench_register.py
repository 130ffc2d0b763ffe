"""Register at scale: one million register entries; the weekly report in at most 200 ms and a lookup by number in
at most 5 ms, on SQLite and on PostgreSQL.

Run: ``.venv/bin/python -m bench register`` (writes bench/results.md). Size: ``EKTP_BENCH_REGISTER_ENTRIES``
(default 1000000). PostgreSQL: ``EKTP_BENCH_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); the bench works in a fresh schema of that database and drops
it afterwards; without a server the PostgreSQL rows are reported as not run.

The data is made inside the database (SQLite recursive CTE, PostgreSQL ``generate_series``) in a schema migrated
by the station's own migrations: N applications spread evenly over ten years (2017–2026, about 1,900 a week), the
ten services in turn, states in realistic proportions (2% returned, 2% cancelled, 3% under review, 1% awaiting
signature, 1% ready, 91% done); every catalogue step the state implies as a timed step run (about 6.5 per entry,
durations 0.5–1.5× the standard); a letter for every entry from "awaiting signature" on; three events per entry.
Not generated: number allocations, site visits, SKM answers (the measured operations do not read them).

Measured, after one warm-up each:
- the weekly report of all ten services for a week in the tenth year (``reports.weekly``, in its own transaction,
  as ``register report`` and ``GET /api/register/reports/weekly`` run it);
- ``RegisterService.show`` by register number and by letter number (resolve, steps, events, letter, JSON view),
  for 200 random entries.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, text

REPORT_TARGET_S = 0.200
LOOKUP_TARGET_S = 0.005
BASE = datetime(2017, 1, 2, tzinfo=timezone.utc)  # a Monday
SPAN_SECONDS = 10 * 365 * 86400
LOOKUPS = 200
REPORT_RUNS = 15
PG_URL = os.environ.get("EKTP_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

#: Progress phase of each kind: 0 intake/check, 1 register, 2 signature, 3 hand-over and after.
PHASES = {"submit": 0, "check": 0, "register": 1, "register_review": 2, "review": 2, "sign": 2, "copies": 2,
          "handover": 3, "archive": 3, "monitor": 3, "report": 3}


def entries() -> int:
    return int(os.environ.get("EKTP_BENCH_REGISTER_ENTRIES", "1000000"))


def _steps_rows(data) -> list[dict]:
    rows = []
    for code, service in data.services.items():
        cumulative = 0.0
        for step, kind in zip(service.steps, service.kinds):
            effective = step.standard_minutes if step.standard_minutes is not None else 1440.0
            cumulative += effective
            rows.append({"service": code, "ordinal": step.ordinal, "label": step.label, "kind": kind,
                         "actor": step.actor, "std": step.standard_minutes, "eff": effective, "cum": cumulative,
                         "until_end": step.until_event_end, "phase": PHASES[kind]})
    return rows


def _case(column: str, mapping: dict, default: str | None = None) -> str:
    parts = " ".join(f"WHEN {key!r} THEN {value!r}" if isinstance(key, str) else f"WHEN {key} THEN {value!r}"
                     for key, value in mapping.items())
    return f"CASE {column} {parts}" + (f" ELSE {default!r}" if default else "") + " END"


STATE_BY_PERCENT = ("CASE WHEN p < 2 THEN 'BERKAS_KURANG' WHEN p < 4 THEN 'DIBATALKAN' WHEN p < 7 THEN 'DIPERIKSA' "
                    "WHEN p < 8 THEN 'MENUNGGU_TTD' WHEN p < 9 THEN 'SIAP_DIAMBIL' ELSE 'DIARSIPKAN' END")
PHASE_OF_STATE = ("CASE a.state WHEN 'BERKAS_KURANG' THEN 0 WHEN 'DIBATALKAN' THEN 0 WHEN 'DIPERIKSA' THEN 1 "
                  "WHEN 'MENUNGGU_TTD' THEN 2 WHEN 'SIAP_DIAMBIL' THEN 2 ELSE 3 END")
# MENUNGGU_TTD has its letter issued but the signing step still open: phase 1 for the steps, a letter anyway.
PHASE_OF_STATE_STEPS = PHASE_OF_STATE.replace("WHEN 'MENUNGGU_TTD' THEN 2", "WHEN 'MENUNGGU_TTD' THEN 1")
OUTCOME = ("CASE WHEN s.kind = 'check' AND a.state = 'BERKAS_KURANG' THEN 'kurang' WHEN s.kind = 'check' "
           "THEN 'lengkap' ELSE 'selesai' END")


def _generate(connection, dialect: str, n: int, data) -> None:
    codes = list(data.services)
    service_case = _case("s", dict(enumerate(codes)))
    classification = {code: data.classification.defaults[code]["2022"] for code in codes}
    step = SPAN_SECONDS / n
    connection.execute(text("CREATE TABLE bench_steps (service VARCHAR(16), ordinal INTEGER, label VARCHAR(8), "
                            "kind VARCHAR(16), actor VARCHAR(80), std FLOAT, eff FLOAT, cum FLOAT, "
                            "until_end BOOLEAN, phase INTEGER)"))
    connection.execute(text("INSERT INTO bench_steps VALUES (:service, :ordinal, :label, :kind, :actor, :std, :eff, "
                            ":cum, :until_end, :phase)"), _steps_rows(data))
    if dialect == "sqlite":
        source = (f"WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {n - 1}), "
                  f"t AS (SELECT i, i % 10 AS s, i % 100 AS p, "
                  f"datetime('{BASE:%Y-%m-%d %H:%M:%S}', '+' || CAST(i * {step} AS INTEGER) || ' seconds') "
                  f"|| '.000000' AS ts FROM g) ")
        year = "CAST(strftime('%Y', ts, '+7 hours') AS INTEGER)"
        ident = "printf('B%09d', i)"
        code = "printf('V%09d', i)"
        nik = "printf('35071115019%05d', i % 100000)"
        number = f"printf('%07d/%s/%d', i / 10 + 1, {service_case}, {year})"
        after = "datetime(a.received_at, '+' || CAST({minutes} * 60 AS INTEGER) || ' seconds') || '.000000'"
        factor = "(0.5 + ((CAST(substr(a.id, 2) AS INTEGER) * 37) % 100) / 100.0)"
        true, false, empty = "1", "0", "'{}'"
    else:
        source = (f"WITH t AS (SELECT i, i % 10 AS s, i % 100 AS p, "
                  f"timestamptz '{BASE.isoformat()}' + (floor(i * {step}) * interval '1 second') AS ts "
                  f"FROM generate_series(0, {n - 1}) AS g(i)) ")
        year = "CAST(extract(year FROM ts AT TIME ZONE 'Asia/Jakarta') AS INTEGER)"
        ident = "'B' || lpad(i::text, 9, '0')"
        code = "'V' || lpad(i::text, 9, '0')"
        nik = "'35071115019' || lpad((i % 100000)::text, 5, '0')"
        number = f"lpad((i / 10 + 1)::text, 7, '0') || '/' || {service_case} || '/' || {year}"
        after = "a.received_at + floor({minutes} * 60) * interval '1 second'"
        factor = "(0.5 + ((CAST(substr(a.id, 2) AS BIGINT) * 37) % 100) / 100.0)"
        true, false, empty = "TRUE", "FALSE", "CAST('{}' AS JSON)"
    connection.execute(text(
        source +
        "INSERT INTO reg_applications (id, service, state, nik, nama, alamat, desa, details, checklist, officer, "
        "received_at, updated_at, register_year, register_seq, register_number, registered_at, verify_code, "
        "returned_count, archive_folder, archive_shelf, archive_box) "
        f"SELECT {ident}, {service_case}, {STATE_BY_PERCENT}, {nik}, 'PEMOHON ' || i, 'DUSUN KRAJAN RT 002 RW 001', "
        f"'Putukrejo', {empty}, {empty}, 'Petugas', ts, ts, "
        f"CASE WHEN p < 2 THEN NULL ELSE {year} END, CASE WHEN p < 2 THEN NULL ELSE i / 10 + 1 END, "
        f"CASE WHEN p < 2 THEN NULL ELSE {number} END, CASE WHEN p < 2 THEN NULL ELSE ts END, {code}, "
        f"CASE WHEN p < 2 THEN 1 ELSE 0 END, NULL, NULL, NULL FROM t"
    ))
    connection.execute(text(
        "INSERT INTO reg_step_runs (application_id, service, ordinal, label, kind, actor, attempt, standard_minutes, "
        "until_event_end, deadline, started_at, ended_at, seconds, overrun, outcome, officer, detail) "
        f"SELECT a.id, a.service, s.ordinal, s.label, s.kind, s.actor, 1, s.std, s.until_end, NULL, "
        f"{after.format(minutes=f'((s.cum - s.eff) * {factor})')}, {after.format(minutes=f'(s.cum * {factor})')}, "
        f"s.eff * {factor} * 60, CASE WHEN s.std IS NOT NULL AND {factor} > 1.0 THEN {true} ELSE {false} END, "
        f"{OUTCOME}, NULL, {empty} FROM reg_applications a JOIN bench_steps s ON s.service = a.service "
        f"AND s.phase <= {PHASE_OF_STATE_STEPS} ORDER BY a.id, s.ordinal"
    ))
    letter_number = ("{cls} || '/' || (CAST(substr(a.id, 2) AS INTEGER) + 1) || '/35.07.11/' || a.register_year"
                     if dialect == "sqlite" else
                     "{cls} || '/' || (CAST(substr(a.id, 2) AS BIGINT) + 1) || '/35.07.11/' || a.register_year")
    cls_case = _case("a.service", classification)
    connection.execute(text(
        "INSERT INTO reg_letters (application_id, service, number, classification, classification_table, scope, "
        "year, sequence, variant, issued_at, revision, content, signed_at, signer_key, signer_title, signer_name, "
        "signer_nip, on_behalf, stand_in_reason, verify_code, void) "
        f"SELECT a.id, a.service, {letter_number.format(cls=cls_case)}, {cls_case}, '2022', 'SURAT_KELUAR', "
        f"a.register_year, CAST(substr(a.id, 2) AS INTEGER) + 1, NULL, a.registered_at, 1, {empty}, "
        f"CASE WHEN a.state = 'MENUNGGU_TTD' THEN NULL ELSE a.registered_at END, 'CAMAT', 'Camat Kalipare', "
        f"'NAMA CAMAT KALIPARE', '-', NULL, NULL, 'L' || substr(a.id, 2), {false} "
        f"FROM reg_applications a WHERE {PHASE_OF_STATE} >= 2 ORDER BY a.id"
    ))
    for action, to_state in (("intake", "'DITERIMA'"),
                             ("check", "CASE WHEN a.state = 'BERKAS_KURANG' THEN 'BERKAS_KURANG' ELSE 'DIPERIKSA' END"),
                             ("last", "a.state")):
        connection.execute(text(
            "INSERT INTO reg_events (application_id, at, action, from_state, to_state, officer, note, data) "
            f"SELECT a.id, a.received_at, '{action}', NULL, {to_state}, 'Petugas', NULL, {empty} "
            "FROM reg_applications a ORDER BY a.id"
        ))
    connection.execute(text("DROP TABLE bench_steps"))


def _measure(url: str, label: str, n: int) -> list[dict]:
    from ektp_station.db.engine import Database
    from ektp_station.register import reports
    from ektp_station.register.config import load_register_data
    from ektp_station.register.service import RegisterService

    data = load_register_data()
    db = Database(url)
    try:
        started = time.perf_counter()
        with db.engine.begin() as connection:
            _generate(connection, db.engine.dialect.name, n, data)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        load_seconds = time.perf_counter() - started

        week = (BASE + timedelta(seconds=SPAN_SECONDS * 0.95)).date()
        times = []
        for run in range(REPORT_RUNS + 1):
            t0 = time.perf_counter()
            with db.transaction() as session:
                report = reports.weekly(session, data, week)
            if run:
                times.append(time.perf_counter() - t0)
        weekly_entries = report["totals"]["received"]
        weekly_steps = sum(step["count"] for block in report["services"] for step in block["steps"])

        service = RegisterService(db, data=data)
        rng = random.Random(20261125)
        picks = [f"B{rng.randrange(n):09d}" for _ in range(LOOKUPS)]
        with db.engine.connect() as connection:
            register_numbers = [row[0] for row in connection.execute(
                text("SELECT register_number FROM reg_applications WHERE id IN :ids AND register_number IS NOT NULL")
                .bindparams(_expanding("ids")), {"ids": picks})]
            letter_numbers = [row[0] for row in connection.execute(
                text("SELECT number FROM reg_letters WHERE application_id IN :ids").bindparams(_expanding("ids")),
                {"ids": picks})]
        rows = [{
            "name": f"Register weekly report, {n:,} entries ({label})",
            "median_s": statistics.median(times),
            "max_s": max(times),
            "runs": len(times),
            "target": f"<= {REPORT_TARGET_S * 1000:.0f} ms",
            "met": statistics.median(times) <= REPORT_TARGET_S,
            "note": f"week {report['period']}: {weekly_entries} entries, {weekly_steps} timed steps; "
                    f"data made in {load_seconds:.0f} s",
        }]
        for kind, numbers in (("register number", register_numbers), ("letter number", letter_numbers)):
            service.show(numbers[0])
            lookup_times = []
            for number in numbers:
                t0 = time.perf_counter()
                view = service.show(number)
                lookup_times.append(time.perf_counter() - t0)
                assert view["register_number"] is not None
            ordered = sorted(lookup_times)
            rows.append({
                "name": f"Register lookup by {kind}, {n:,} entries ({label})",
                "median_s": statistics.median(lookup_times),
                "max_s": max(lookup_times),
                "runs": len(lookup_times),
                "target": f"<= {LOOKUP_TARGET_S * 1000:.0f} ms",
                "met": statistics.median(lookup_times) <= LOOKUP_TARGET_S,
                "note": f"p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:.1f} ms; full `register show` view",
            })
        return rows
    finally:
        db.dispose()


def _expanding(name: str):
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


def _sqlite(n: int) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-register-") as folder:
        os.environ.setdefault("EKTP_DATA_DIR", folder)
        return _measure(f"sqlite:///{folder}/register.db", "SQLite", n)


def _postgres(n: int) -> list[dict]:
    schema = f"bench_reg_{os.getpid()}"
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - no server: report, do not fail the other rows
        reason = str(exc).splitlines()[0]
        return [{"name": f"Register at {n:,} entries (PostgreSQL)", "median_s": None, "max_s": None, "runs": 0,
                 "target": "-", "met": False, "note": f"not run: PostgreSQL unreachable ({reason})"}]
    try:
        sep = "&" if "?" in PG_URL else "?"
        return _measure(f"{PG_URL}{sep}options=-csearch_path%3D{schema}", "PostgreSQL", n)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def run() -> list[dict]:
    n = entries()
    return _sqlite(n) + _postgres(n)


if __name__ == "__main__":  # pragma: no cover - handy for one backend at a time
    for row in run():
        print(row)

