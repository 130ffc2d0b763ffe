"""The display's server side: the live feed (Server-Sent Events) with a full state on every (re)connection, calls
from this process at once and from other processes by polling, the call audio, and how the station finds the
display (web extensions)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from conftest import cli_command
from ektp_station.errors import ConfigError
from ektp_station.queue.service import QueueService
from ektp_station.web import extensions
from queue_display.feed import Subscriber
from queue_display.voice.audio import read_wav, rms


@contextmanager
def live_server(db, poll_interval: float = 0.3):
    app = extensions.build_app(db.url)
    app.state.database = db
    app.state.display_poll_interval = poll_interval
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1))
    app.state.should_exit = lambda: server.should_exit
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Events:
    """Reads ``event: state`` messages from an open SSE response."""

    def __init__(self, response):
        self.lines = response.iter_lines()

    def next_state(self) -> dict:
        event, data = None, None
        for line in self.lines:
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and event == "state":
                return json.loads(data)
            elif line == "":
                event, data = None, None
        raise AssertionError("stream ended")


def test_the_station_finds_the_display_by_name():
    assert extensions.declared()["display"] == "queue_display.web:install"
    app = extensions.build_app("sqlite://")
    assert app.state.web_extensions == ["display"]


def test_a_missing_front_end_is_left_out_and_a_broken_one_is_an_error(monkeypatch):
    # The entry points are the packaging's word; here they are replaced to name a missing and a broken one.
    monkeypatch.setattr(extensions, "declared", lambda: {"hilang": "paket_yang_tidak_ada.web:install",
                                                         "display": "queue_display.web:install"})
    assert extensions.install_all(FastAPI()) == ["display"]
    monkeypatch.setattr(extensions, "declared", lambda: {"rusak": "queue_display.voice.words:call_words"})
    with pytest.raises(ConfigError, match="Tampilan web rusak"):
        extensions.install_all(FastAPI())


def test_a_subscriber_keeps_only_the_newest_state():
    async def scenario():
        sub = Subscriber()
        for i in range(5):
            sub.offer(f"state {i}")
        assert await sub.next(0.1) == "state 4"
        assert await sub.next(0.05) is None
        sub.offer(None)
        assert sub.closed

    asyncio.run(scenario())


@pytest.mark.slow
def test_feed_resyncs_on_connect_and_pushes_calls_from_here_and_from_other_processes(db, tmp_path):
    queue = QueueService(db)
    for _ in range(3):
        queue.issue("KK")
    queue.call_next(1)
    with live_server(db) as url, httpx.Client(base_url=url, timeout=10) as http:
        with http.stream("GET", "/display/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = Events(response)
            first = events.next_state()
            assert first["current"]["number"] == "K-001"  # the full state, at once
            t0 = time.monotonic()
            http.post("/api/queue/counters/2/call")
            pushed = events.next_state()
            assert pushed["current"]["number"] == "K-002" and pushed["current"]["counter"] == 2
            assert time.monotonic() - t0 < 1.0
            assert pushed["current"]["words"] == ["nomor", "antrian", "K", "dua", "silakan", "menuju", "loket",
                                                  "dua"]
            env = dict(os.environ, EKTP_DATABASE_URL=db.url, EKTP_DATA_DIR=str(tmp_path / "data"))
            subprocess.run([*cli_command(), "queue", "call", "--counter", "3"], env=env, check=True,
                           capture_output=True, timeout=60)
            other = events.next_state()
            while other["current"]["number"] != "K-003":
                other = events.next_state()
            assert other["current"]["counter"] == 3
            assert [c["number"] for c in other["recent"]] == ["K-002", "K-001"]
        with http.stream("GET", "/display/events") as again:  # a reconnection starts with the whole state
            assert Events(again).next_state()["current"]["number"] == "K-003"


def test_voice_of_a_call_is_served_as_wav(db):
    queue = QueueService(db)
    queue.issue("EKTP")
    queue.call_next(4)
    from fastapi.testclient import TestClient

    app = extensions.build_app(db.url)
    app.state.database = db
    with TestClient(app) as client:
        state = client.get("/display/state").json()
        call = state["current"]
        assert call["text"] == "Nomor antrian E satu, silakan menuju loket empat"
        if not shutil.which("espeak-ng"):
            pytest.skip("espeak-ng tidak ada")
        response = client.get(call["audio"])
        assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
        assert rms(read_wav(response.content)) > 0.02
        missing = client.get("/display/voice/99999.wav")
        assert missing.status_code == 404 and "tidak ada" in missing.json()["detail"]
        client.put("/api/queue/settings", json={"voice_backend": "clips", "voice_clips_dir": "/tidak/ada"})
        broken = client.get(call["audio"])
        assert broken.status_code == 503 and "Folder rekaman suara" in broken.json()["detail"]
        page = client.get("/display")
        assert page.status_code == 200 and "/display/static/display.js" in page.text
        assert client.get("/display/static/display.js").status_code == 200
