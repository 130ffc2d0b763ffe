"""``ektp-station queue …`` and ``ektp-station serve``: the CLI mirrors the API, every command has --json, and
mistakes end with one Indonesian line and exit code 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import click
import httpx
import pytest

from conftest import cli_command
from ektp_station.cli.queue_cmd import queue
from ektp_station.cli.serve_cmd import serve


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def test_every_command_has_json_output():
    names = []
    for path, command in _commands(queue):
        names.append(" ".join(path))
        assert any("--json" in p.opts for p in command.params), path
    assert any("--json" in p.opts for p in serve.params)
    for wanted in ("issue", "call", "recall", "skip", "transfer", "status", "return", "start", "finish"):
        assert wanted in names
    assert isinstance(serve, click.Command) and not isinstance(serve, click.Group)


def test_counter_work_from_the_command_line(database_url, run_cli):
    code, out, err = run_cli("queue", "issue", "--service", "EKTP", "--json")
    assert code == 0, err
    assert json.loads(out)["number"] == "E-001"
    code, out, _ = run_cli("queue", "issue", "-s", "kk", "--no-print")
    assert out.strip() == "Nomor antrean K-001 (Pengantar KK), 0 orang di depan"
    code, out, _ = run_cli("queue", "call", "--counter", "3")
    assert out.splitlines() == ["Memanggil E-001 (Perekaman e-KTP) ke loket 3",
                                "Perekaman: ektp-station record --simulate --nik NIK --ticket E-001"]
    assert json.loads(run_cli("queue", "recall", "-c", "3", "--json")[1])["call_count"] == 2
    code, out, _ = run_cli("queue", "skip", "-c", "3")
    assert "E-001 dilewati" in out and "ektp-station queue return E-001" in out
    assert run_cli("queue", "return", "E-001")[1].startswith("E-001 kembali ke antrean")
    code, out, _ = run_cli("queue", "call", "-c", "1", "--json")
    assert json.loads(out)["ticket"]["number"] == "E-001"
    code, out, _ = run_cli("queue", "transfer", "-c", "1", "--to-service", "KK", "--json")
    assert json.loads(out)["service"] == "KK"
    run_cli("queue", "call", "-c", "2")
    assert run_cli("queue", "start", "-c", "2")[1].startswith("E-001 mulai dilayani")
    assert run_cli("queue", "finish", "-c", "2")[1].startswith("E-001 selesai")
    code, out, _ = run_cli("queue", "status")
    assert code == 0 and "Panggilan sekarang: E-001 → Loket 2" in out and "Menunggu: KK 1 (jumlah 1)" in out
    status = json.loads(run_cli("queue", "status", "--json")[1])
    assert status["waiting_total"] == 1 and [p["number"] for p in status["counters"]] == [1, 2, 3]
    code, out, _ = run_cli("queue", "show", "E-001")
    assert "Dialihkan" in out and "Selesai" in out
    stats = json.loads(run_cli("queue", "stats", "--json")[1])
    assert next(r for r in stats["services"] if r["service"] == "KK")["done"] == 1


def test_counters_and_settings_from_the_command_line(database_url, run_cli):
    code, out, _ = run_cli("queue", "counter", "set", "2", "--name", "Perekaman", "--services", "EKTP")
    assert out.strip() == "Perekaman: EKTP"
    assert json.loads(run_cli("queue", "counter", "list", "--json")[1])[0]["services"] == ["EKTP"]
    code, out, _ = run_cli("queue", "settings", "--running-text", "Loket tutup 15.00", "--no-show-minutes", "20",
                           "--json")
    assert json.loads(out)["no_show_minutes"] == 20
    assert "running_text: Loket tutup 15.00" in run_cli("queue", "settings")[1]


@pytest.mark.parametrize("args, message", [
    (("queue", "issue", "--service", "PASPOR"), "galat: SOP 'PASPOR' tidak dikenal"),
    (("queue", "call", "--counter", "nol"), "galat: Nomor loket tidak valid: 'nol'"),
    (("queue", "finish", "--counter", "5"), "galat: Loket 5 tidak sedang"),
    (("queue", "return", "Z-9"), "galat: Nomor antrean Z-9 tidak ditemukan"),
    (("queue", "settings", "--voice-backend", "gtts"), "galat: Suara panggilan 'gtts' tidak dikenal"),
    (("queue", "stats", "--from", "kemarin"), "galat: Tanggal --from tidak valid: 'kemarin'"),
])
def test_mistakes_are_one_line_and_exit_2(data_dir, run_cli, args, message):
    code, out, err = run_cli(*args)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_unreachable_database_is_one_line(run_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("EKTP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EKTP_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    code, _, err = run_cli("queue", "status")
    assert code == 2 and err.startswith("galat: Basis data tidak dapat dihubungi") and err.count("\n") == 1


@pytest.mark.slow
def test_serve_answers_the_api_and_the_display(database_url, tmp_path):
    env = dict(os.environ, EKTP_DATABASE_URL=database_url, EKTP_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.Popen([*cli_command(), "serve", "--port", "0", "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        ready = json.loads(proc.stdout.readline())
        url = ready["url"]
        assert ready["display"] == f"{url}/display"
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.post("/api/queue/tickets", json={"service": "KK"}).json()["number"] == "K-001"
            assert http.post("/api/queue/counters/1/call").json()["ticket"]["number"] == "K-001"
            assert "Antrean Kecamatan Kalipare" in http.get("/display").text
            assert http.get("/display/state").json()["current"]["words"][:3] == ["nomor", "antrian", "K"]
            assert "/api/queue/tickets" in http.get("/openapi.json").json()["paths"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
    # uvicorn shuts down gracefully, then re-raises the signal it got (exit status -SIGTERM).
    errors = proc.stderr.read()
    assert proc.returncode in (0, -signal.SIGTERM) and "Traceback" not in errors, errors


def test_serve_on_a_busy_port_is_one_line(data_dir, run_cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        code, _, err = run_cli("serve", "--port", str(taken.getsockname()[1]))
    assert code == 1 and "Tidak dapat mendengarkan di 127.0.0.1" in err and err.count("\n") == 1

