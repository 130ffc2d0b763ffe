"""``ektp-station record``, ``record list``, ``report weekly`` and ``biometrics purge`` as a user runs them."""

from __future__ import annotations

import json
import logging

import pytest

from tests.recording_helpers import MAN_1999, SAMPLE, WOMAN_1999


@pytest.fixture
def populated(run_cli, database_url):
    code, _, err = run_cli("residents", "import", str(SAMPLE), "--json")
    assert code == 0, err
    return database_url


def test_record_simulate_json_timeline(run_cli, populated):
    code, out, err = run_cli("record", "--simulate", "--nik", WOMAN_1999, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"session_id", "status", "resumed", "steps"}
    assert data["status"] == "BIO_CAPTURED" and data["resumed"] is False
    assert len(data["steps"]) == 13
    for step in data["steps"]:
        assert {"label", "standard_minutes", "started_at", "ended_at", "seconds", "outcome"} <= set(step)


def test_record_text_timeline_is_readable(run_cli, populated):
    code, out, err = run_cli("record", "--simulate", "--nik", MAN_1999)
    assert code == 0, err
    assert "Memverifikasi Biodata penduduk" in out
    assert "status BIO_CAPTURED" in out
    assert "0.5 mnt" in out


def test_record_list_masks_nik_and_shows_current_step(run_cli, populated):
    run_cli("record", "--simulate", "--nik", WOMAN_1999, "--json")
    code, out, _ = run_cli("record", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 1
    assert rows[0]["status"] == "BIO_CAPTURED" and rows[0]["current_step"] is None
    assert WOMAN_1999 not in out and rows[0]["nik"].startswith("3507 11")
    code, out, _ = run_cli("record", "list")
    assert "BIO_CAPTURED" in out and WOMAN_1999 not in out


def test_not_registered_nik_is_rejected_with_exit_1(run_cli, populated):
    code, out, err = run_cli("record", "--simulate", "--nik", "3507114101850007", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["status"] == "REJECTED" and "tidak terdaftar" in data["reason"]


@pytest.mark.parametrize("args, message", [
    (("record", "--simulate", "--nik", "12345"), "16 digit"),
    (("record", "--simulate", "--resume", "f" * 32), "tidak ditemukan"),
    (("record", "--simulate", "--nik", WOMAN_1999, "--exception", "finger:X:y:permanen"), "Jari tidak dikenal"),
])
def test_user_errors_are_one_line_and_nonzero(run_cli, populated, args, message):
    code, out, err = run_cli(*args)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = run_cli("record", "list", "--json")
    assert json.loads(out) == []  # nothing half-written


def test_broken_station_config_is_one_line(run_cli, populated, tmp_path):
    bad = tmp_path / "station.toml"
    bad.write_text("[devices.fingerprint]\ndriver = 'sim'\nurl = \n")
    code, _, err = run_cli("record", "--simulate", "--nik", WOMAN_1999, "--config", str(bad))
    assert code == 2 and "TOML tidak valid" in err and len(err.strip().splitlines()) == 1
    bad.write_text("[devices.fingerprint]\ndriver = 'tidakada'\nurl = 'x'\n")
    code, _, err = run_cli("record", "--simulate", "--nik", WOMAN_1999, "--config", str(bad))
    assert code == 3 and "tidak terpasang" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run_cli("record", "list", "--json")
    assert json.loads(out) == []  # devices open before a session is created


def test_database_down_is_one_line(run_cli, data_dir, monkeypatch):
    monkeypatch.setenv("EKTP_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/test")
    code, _, err = run_cli("record", "--simulate", "--nik", WOMAN_1999)
    assert code == 2
    assert "Basis data tidak dapat dihubungi" in err and len(err.strip().splitlines()) == 1


def test_weekly_report_counts_recordings_per_desa_and_step_times(run_cli, populated):
    run_cli("record", "--simulate", "--nik", WOMAN_1999, "--json")
    run_cli("record", "--simulate", "--nik", MAN_1999, "--json")
    run_cli("record", "--simulate", "--nik", "3507114101850007", "--json")
    code, out, err = run_cli("report", "weekly", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["totals"]["BIO_CAPTURED"] == 2 and data["totals"]["REJECTED"] == 1
    desa = {row["desa"]: row for row in data["per_desa"]}
    assert sum(r["BIO_CAPTURED"] for r in desa.values()) == 2
    assert "(belum terverifikasi)" in desa
    steps = {s["ordinal"]: s for s in data["steps"]}
    assert steps[8]["count"] == 2 and steps[8]["standard_minutes"] == 4
    assert steps[5]["count"] == 3  # 4.1 ran for the rejected one too
    assert steps[8]["mean_minutes"] is not None and steps[13]["standard_minutes"] is None
    code, out, _ = run_cli("report", "weekly")
    assert "LAPORAN MINGGUAN" in out and "Selesai rekam (BIO_CAPTURED): 2" in out
    code, _, err = run_cli("report", "weekly", "--week", "kemarin")
    assert code == 2 and "Minggu tidak valid" in err


def test_purge_deletes_biometric_blobs_but_keeps_the_timeline(run_cli, populated, tmp_path):
    data_dir = tmp_path / "data"
    code, out, _ = run_cli("record", "--simulate", "--nik", WOMAN_1999, "--json")
    session = json.loads(out)
    assert session["status"] == "BIO_CAPTURED"
    blobs = list((data_dir / "blobs").rglob("*.ekb"))
    assert len(blobs) >= 15
    code, out, _ = run_cli("biometrics", "purge", "--older-than", "30", "--json")
    assert json.loads(out) == {"sessions": 0, "blobs_deleted": 0, "orphans_deleted": 0}
    code, out, _ = run_cli("biometrics", "purge", "--older-than", "0", "--json")
    assert json.loads(out)["blobs_deleted"] == len(blobs)
    assert list((data_dir / "blobs").rglob("*.ekb")) == []
    code, out, _ = run_cli("record", "list", "--json")
    assert json.loads(out)[0]["session_id"] == session["session_id"]


def test_biometric_bytes_never_reach_logs_or_output(run_cli, populated, caplog):
    caplog.set_level(logging.DEBUG)
    code, out, err = run_cli("record", "--simulate", "--nik", WOMAN_1999, "--events")
    assert code == 0
    text = out + err + caplog.text
    for marker in ("\x89PNG", "IHDR", "iVBOR"):  # raw PNG, or PNG in base64
        assert marker not in text
    # No encoded blob either: no long run of base64 or hex characters anywhere.
    import re

    assert not re.search(r"[A-Za-z0-9+/=]{200,}", text)
