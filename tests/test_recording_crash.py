"""SIGKILL at every step boundary and in the middle of captures, then resume: nothing reported done is lost or
redone, no half-written step remains, and no orphan biometric blob is left behind.

One session is driven through a chain of processes: each run is killed at the next kill point, the database and
blob store are checked, and the next run resumes it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from ektp_station.blobstore import BlobStore
from ektp_station.db.engine import Database
from ektp_station.db.models import Artefact, RecordingSession, RecordingStep
from tests.recording_helpers import SAMPLE, WOMAN_1999

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
CAPTURE_ORDINALS = {6, 7, 8, 9, 10, 11}  # 4.2 photo … 4.6 Kasi approval
PACE = 0.6


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ektp_station.cli.main", *args]


def _kill_points() -> list[tuple[str, int]]:
    points = []
    for ordinal in range(1, 13):
        if ordinal in CAPTURE_ORDINALS:
            points.append(("mid", ordinal))
        points.append(("after", ordinal))
    return points


def _run_until(args: list[str], env: dict, point: tuple[str, int]) -> tuple[list[dict], bool]:
    """Start the recorder, SIGKILL it at ``point``; returns the events read and whether it was killed."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, cwd=ROOT)
    events: list[dict] = []
    killed = False
    kind, ordinal = point
    try:
        for line in proc.stdout:
            event = json.loads(line)
            events.append(event)
            if event.get("ordinal") != ordinal:
                continue
            if kind == "after" and event["event"] == "step_done":
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            if kind == "mid" and event["event"] == "step_started":
                time.sleep(PACE * 0.3)  # inside the step: the capture is under way
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
        stderr = proc.stderr.read()
        proc.stderr.close()
    if not killed:
        assert proc.returncode == 0, stderr
    else:
        assert proc.returncode == -signal.SIGKILL
    return events, killed


def _snapshot(db: Database, session_id: str) -> dict[int, tuple]:
    with db.transaction() as s:
        steps = s.scalars(select(RecordingStep).where(RecordingStep.session_id == session_id)).all()
        arts = s.scalars(select(Artefact).where(Artefact.session_id == session_id)).all()
        return {
            st.ordinal: (st.id, st.started_at, st.ended_at,
                         tuple(sorted((a.id, a.blob_id or "") for a in arts if a.step_ordinal == st.ordinal)))
            for st in steps
        }


def test_sigkill_at_every_boundary_and_mid_capture_then_resume(database_url, tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    data_dir = Path(env["EKTP_DATA_DIR"])
    config = tmp_path / "station.toml"
    # Simulated capture latency so that a kill "in the middle of a capture" lands inside the device call.
    config.write_text('[devices.fingerprint]\ndriver = "sim"\nurl = "sim://slap?latency=0.1"\n'
                      '[devices.camera]\ndriver = "sim"\nurl = "sim://camera?latency=0.1"\n')
    env["EKTP_STATION_CONFIG"] = str(config)
    subprocess.run(_cli("residents", "import", str(SAMPLE), "--json"), env=env, check=True, capture_output=True,
                   cwd=ROOT)
    db = Database(database_url)
    blobs = BlobStore(data_dir / "blobs", data_dir / "keys" / "blob.key")

    reported: dict[int, tuple] = {}
    session_id = None
    first = True
    for point in _kill_points():
        if first:
            args = _cli("record", "--simulate", "--nik", WOMAN_1999, "--pace", str(PACE), "--events")
        else:
            args = _cli("record", "--simulate", "--resume", session_id, "--pace", str(PACE), "--events")
        events, killed = _run_until(args, env, point)
        assert killed, f"process finished before kill point {point}"
        if first:
            session_id = events[0]["session_id"]
            first = False
        else:
            assert events[0] == {"event": "session", "session_id": session_id, "resumed": True}
        done_now = {e["ordinal"] for e in events if e["event"] == "step_done"}
        snap = _snapshot(db, session_id)
        # Everything ever reported done is still there, byte for byte the same rows (not redone).
        for ordinal, row in reported.items():
            assert snap[ordinal] == row, f"step {ordinal} changed after kill at {point}"
        for ordinal in done_now:
            assert ordinal in snap, f"step {ordinal} reported done but lost after kill at {point}"
        # Committed steps are 1..n with no gap, and the session points at n+1: nothing half-written.
        assert sorted(snap) == list(range(1, len(snap) + 1))
        with db.transaction() as s:
            session = s.get(RecordingSession, session_id)
            assert session.next_ordinal == len(snap) + 1
            assert session.status == "IN_PROGRESS"
        reported.update({o: snap[o] for o in done_now})
        # Committed blobs decrypt.
        for _sid, _start, _end, arts in snap.values():
            for _aid, blob_id in arts:
                if blob_id:
                    assert blobs.get(blob_id).data

    # Final resume without a kill finishes the recording.
    final = subprocess.run(_cli("record", "--simulate", "--resume", session_id, "--json"), env=env,
                           capture_output=True, text=True, cwd=ROOT)
    assert final.returncode == 0, final.stderr
    result = json.loads(final.stdout)
    assert result["status"] == "BIO_CAPTURED" and result["resumed"] is True
    assert [s["ordinal"] for s in result["steps"]] == list(range(1, 14))
    snap = _snapshot(db, session_id)
    for ordinal, row in reported.items():
        assert snap[ordinal] == row
    with db.transaction() as s:
        committed = set(s.scalars(select(Artefact.blob_id).where(Artefact.session_id == session_id,
                                                                 Artefact.blob_id.is_not(None))))
        assert s.get(RecordingSession, session_id).resumed_count == len(_kill_points())
    # Blobs of captures that never committed were dropped on resume: the store holds exactly the committed ones.
    assert set(blobs.ids(session_id)) == committed
    db.dispose()
