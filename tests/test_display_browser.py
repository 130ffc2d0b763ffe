"""The display in a real browser: Debian's chromium, headless, driven by Playwright. A call made through the API
appears on /display, the voice says the right words (and the audio is sound, not silence), calls arriving faster
than they can be spoken are played one after the other in order, and the page recovers by itself after the
server restarts, resynchronising everything that changed meanwhile. A screenshot is kept in test-artifacts/."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import cli_command
from queue_display.voice.audio import read_wav, rms

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-gpu", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium (paket Debian) tidak ada"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng (paket Debian) tidak ada"),
]


class Station:
    """``ektp-station serve`` as a separate process, restartable on the same port."""

    def __init__(self, tmp_path: Path):
        self.env = dict(os.environ, EKTP_DATA_DIR=str(tmp_path / "data"),
                        EKTP_DATABASE_URL=f"sqlite:///{tmp_path / 'station.db'}")
        self.env.pop("EKTP_STATION_CONFIG", None)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> None:
        self.proc = subprocess.Popen([*cli_command(), "serve", "--port", str(self.port), "--json"], env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        self.url = json.loads(line)["url"]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cli(self, *args: str) -> str:
        done = subprocess.run([*cli_command(), *args], env=self.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=20)


@pytest.fixture
def station(tmp_path):
    server = Station(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def browser(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1920, "height": 1080},
        )
        try:
            yield context
        finally:
            context.close()


def _open_display(browser, station):
    page = browser.new_page()
    page.goto(f"{station.url}/display")
    page.wait_for_function("window.display && window.display.states >= 1", timeout=15000)
    return page


def _spoken(page, count: int, timeout_ms: int = 60000) -> list[dict]:
    page.wait_for_function(f"window.display.voiceLog.filter(e => e.end).length >= {count}", timeout=timeout_ms)
    return page.evaluate("window.display.voiceLog")


def test_a_call_made_through_the_api_is_shown_and_spoken(browser, station, artifacts_dir):
    with station.api() as api:
        for service in ("EKTP", "KK", "EKTP", "KK"):
            api.post("/api/queue/tickets", json={"service": service, "print": False})
        api.put("/api/queue/counters/3", json={"name": "Perekaman", "services": ["EKTP"]})
        api.put("/api/queue/settings", json={"running_text": "Selamat datang di Kecamatan Kalipare"})
        api.post("/api/queue/counters/1/call")  # E-001 before the page opens: history, not spoken
        page = _open_display(browser, station)
        assert page.inner_text("#current-number") == "E-001"
        api.post("/api/queue/counters/3/call")
        page.wait_for_function("document.getElementById('current-number').textContent === 'E-002'", timeout=5000)
        assert page.inner_text("#current-counter") == "LOKET 3"  # as the voice says it
        assert page.inner_text("#current-service") == "Perekaman e-KTP · Perekaman"
        assert page.inner_text("#recent").split("\n")[:2] == ["E-001", "Loket 1"]
        panels = page.inner_text("#counters")
        assert "Loket 3 · Perekaman" in panels and "E-002" in panels and "Dipanggil" in panels
        assert page.inner_text("#running-text") == "Selamat datang di Kecamatan Kalipare"
        assert page.inner_text("#connection") == "Terhubung"
        date_text = page.inner_text("#date")
        assert date_text.split(",")[0] in ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
        assert any(month in date_text for month in ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
                                                     "Agustus", "September", "Oktober", "November", "Desember"))
        spoken = _spoken(page, 1)
        assert len(spoken) == 1 and "error" not in spoken[0]
        assert spoken[0]["words"] == ["nomor", "antrian", "E", "dua", "silakan", "menuju", "loket", "tiga"]
        assert spoken[0]["end"] - spoken[0]["start"] > 3000  # the page really played the audio to its end
        page.screenshot(path=str(artifacts_dir / "display_1920x1080.png"))
        state = api.get("/display/state").json()
        audio = api.get(state["current"]["audio"])
        assert audio.headers["content-type"] == "audio/wav"
        (artifacts_dir / "display_call_E-002_loket_3.wav").write_bytes(audio.content)
        sound = read_wav(audio.content)
        assert sound.seconds > 3.0 and rms(sound) > 0.02


def test_calls_faster_than_speech_are_spoken_in_order_without_overlap(browser, station):
    with station.api() as api:
        api.put("/api/queue/settings", json={"voice_rate": 260})
        for _ in range(3):
            api.post("/api/queue/tickets", json={"service": "SKCK", "print": False})
        page = _open_display(browser, station)
        for counter in (1, 2, 3):  # three calls within a few milliseconds
            api.post(f"/api/queue/counters/{counter}/call")
        spoken = _spoken(page, 3, timeout_ms=90000)
    assert [e["number"] for e in spoken] == ["C-001", "C-002", "C-003"]
    assert [e["words"][-1] for e in spoken] == ["satu", "dua", "tiga"]
    assert all("error" not in e for e in spoken)
    for before, after in zip(spoken, spoken[1:]):
        assert before["end"] <= after["start"], "two calls overlapped"
    assert page.inner_text("#current-number") == "C-003"


def test_the_page_recovers_after_the_server_restarts(browser, station):
    with station.api() as api:
        for _ in range(3):
            api.post("/api/queue/tickets", json={"service": "KK", "print": False})
        api.post("/api/queue/counters/1/call")
    page = _open_display(browser, station)
    assert page.inner_text("#current-number") == "K-001"
    connects = page.evaluate("window.display.connects")
    station.stop()
    page.wait_for_function("document.getElementById('connection').textContent !== 'Terhubung'", timeout=15000)
    station.cli("queue", "call", "--counter", "2")  # a change while the server is down
    time.sleep(1.5)
    station.start()
    page.wait_for_function("document.getElementById('current-number').textContent === 'K-002'", timeout=30000)
    assert page.evaluate("window.display.connects") > connects
    assert page.inner_text("#connection") == "Terhubung"
    assert "K-001" in page.inner_text("#recent")
    with station.api() as api:
        api.post("/api/queue/counters/1/call")
    page.wait_for_function("document.getElementById('current-number').textContent === 'K-003'", timeout=5000)
