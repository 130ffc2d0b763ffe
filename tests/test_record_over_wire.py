"""A whole e-KTP recording (``ektp-station record --simulate``) with the wire drivers selected in station.toml:
ZFM fingerprint module, ISDV4 signature pad and Alpha LED board, first on ``ektp-sim`` processes (pty and TCP),
then on the in-process ``ektpsim://`` URLs. Only the ``url`` lines differ between the two.

The wire simulators are not told who the applicant is (a real module cannot be): the ZFM simulator plays its
own synthetic person presenting the fingers in the SOP order, so the index-finger verification (SOP 4.6)
compares two impressions of the same simulated finger.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from drivers.interfaces import Finger
from tests.conftest import ROOT, cli_command
from tests.test_ektp_sim_cli import SimProcess

pytestmark = pytest.mark.slow

NIK = "3507115501990001"
#: The simulated signer draws twice as fast as a person (the station's checks still see >= 0.8 s of ink).
PAD = {"pace": "2", "sign_delay": "0.1"}


def _station_toml(path, fingerprint: str, signature_pad: str, queue_display: str) -> None:
    path.write_text(
        "[station]\n"
        'id = "kalipare-1"\n'
        "max_attempts = 3\n\n"
        "[devices.fingerprint]\n"
        'driver = "zfm"\n'
        f'url = "{fingerprint}"\n'
        "password = 0\n\n"
        "[devices.signature_pad]\n"
        'driver = "isdv4"\n'
        f'url = "{signature_pad}"\n\n'
        "[devices.queue_display]\n"
        'driver = "alpha"\n'
        f'url = "{queue_display}"\n',
        encoding="utf-8",
    )


def _record(tmp_path, config) -> dict:
    env = dict(
        os.environ,
        EKTP_DATA_DIR=str(tmp_path / "data"),
        EKTP_DATABASE_URL=f"sqlite:///{tmp_path / 'station.db'}",
        EKTP_STATION_CONFIG=str(config),
    )
    imported = subprocess.run(
        [*cli_command(), "residents", "import", str(ROOT / "examples" / "penduduk_contoh.csv"), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    result = subprocess.run(
        [*cli_command(), "record", "--simulate", "--nik", NIK, "--json"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _check_recording(data: dict) -> None:
    assert data["status"] == "BIO_CAPTURED"
    outcomes = {step["label"]: step["outcome"] for step in data["steps"]}
    assert outcomes["4.4"] == "OK"  # ten prints, one by one on the single-finger module
    assert [s["outcome"] for s in data["steps"] if s["label"] == "4.6"] == ["OK", "OK"]  # verified, approved


def test_record_over_the_pty_and_tcp_simulators(tmp_path):
    with SimProcess("zfm", "--pty") as zfm, \
            SimProcess("isdv4", "--tcp", *[f"--set={k}={v}" for k, v in PAD.items()]) as pad, \
            SimProcess("ledboard", "--pty") as board:  # fmt: skip
        config = tmp_path / "station.toml"
        _station_toml(config, zfm.ready["port"], f"socket://127.0.0.1:{pad.ready['port']}", board.ready["port"])
        data = _record(tmp_path, config)
        _check_recording(data)
        fingers = [e["finger"] for e in zfm.wait_for("finger", 11)]
        assert fingers[:10] == [f.name for f in Finger]  # the SOP order, as the station asked
        assert set(fingers[10:]) == {"R_INDEX"}  # then the index finger for the verification
        assert len(pad.wait_for("signature", 2)) >= 2  # the applicant's signature and the Kasi's approval
        call = board.wait_for("board")[0]
        assert call["file"] == "A" and call["text"].split()[0]  # the queue number was called on the board
        for sim in (zfm, pad, board):
            assert sim.stop() == 0


def test_record_over_the_in_process_simulators(tmp_path):
    config = tmp_path / "station.toml"
    query = "&".join(f"{k}={v}" for k, v in PAD.items())
    _station_toml(config, "ektpsim://zfm", f"ektpsim://isdv4?{query}", "ektpsim://ledboard")
    _check_recording(_record(tmp_path, config))


def test_an_unplugged_module_stops_the_recording_before_it_starts(tmp_path):
    config = tmp_path / "station.toml"
    _station_toml(config, str(tmp_path / "no-such-tty"), "ektpsim://isdv4", "ektpsim://ledboard")
    env = dict(os.environ, EKTP_DATA_DIR=str(tmp_path / "data"), EKTP_DATABASE_URL=f"sqlite:///{tmp_path / 's.db'}",
               EKTP_STATION_CONFIG=str(config))  # fmt: skip
    subprocess.run([*cli_command(), "residents", "import", str(ROOT / "examples" / "penduduk_contoh.csv")],
                   capture_output=True, env=env, timeout=120, check=True)  # fmt: skip
    result = subprocess.run([*cli_command(), "record", "--simulate", "--nik", NIK, "--json"],
                            capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert result.returncode == 3  # device error
    assert "Pemindai sidik jari ZFM tidak ditemukan" in result.stderr and len(result.stderr.strip().splitlines()) == 1
