"""The queue's HTTP API (FastAPI, with its OpenAPI description): every CLI command has its route, answers are
JSON, mistakes are one Indonesian line with a fitting status code."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from ektp_station.clock import utcnow
from ektp_station.residents import import_csv
from ektp_station.station_config import parse
from ektp_station.web.extensions import build_app
from recording_helpers import SAMPLE


@pytest.fixture
def client(db):
    app = build_app(db.url)
    app.state.database = db
    with TestClient(app) as test_client:
        yield test_client


def test_openapi_describes_the_queue(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/queue/tickets", "/api/queue/counters/{counter}/call", "/api/queue/counters/{counter}/recall",
                 "/api/queue/counters/{counter}/skip", "/api/queue/counters/{counter}/transfer",
                 "/api/queue/tickets/{ref}/return", "/api/queue/status", "/api/queue/stats", "/api/queue/summons"):
        assert path in paths, path


def test_a_ticket_through_its_whole_life(client):
    issued = client.post("/api/queue/tickets", json={"service": "ektp"})
    assert issued.status_code == 201
    assert issued.json()["number"] == "E-001" and issued.json()["waiting_ahead"] == 0
    client.post("/api/queue/tickets", json={"service": "KK", "print": False})
    called = client.post("/api/queue/counters/2/call").json()
    assert called["ticket"]["number"] == "E-001" and called["ticket"]["counter"] == 2
    assert called["record_hint"] == "ektp-station record --simulate --nik NIK --ticket E-001"
    assert client.post("/api/queue/counters/2/recall").json()["call_count"] == 2
    assert client.post("/api/queue/counters/2/skip").json()["status"] == "NO_SHOW"
    assert client.post("/api/queue/tickets/E-001/return").json()["status"] == "WAITING"
    assert client.post("/api/queue/counters/2/call").json()["ticket"]["number"] == "E-001"
    assert client.post("/api/queue/counters/2/start").json()["status"] == "SERVING"
    moved = client.post("/api/queue/counters/2/transfer", json={"to_service": "KK", "to_counter": 3}).json()
    assert (moved["service"], moved["target_counter"]) == ("KK", 3)
    assert client.post("/api/queue/counters/3/call").json()["ticket"]["number"] == "E-001"
    assert client.post("/api/queue/counters/3/finish").json()["status"] == "DONE"
    detail = client.get("/api/queue/tickets/E-001").json()
    assert [e["kind"] for e in detail["events"]] == [
        "ISSUED", "PRINTED", "CALLED", "RECALLED", "SKIPPED", "RETURNED", "CALLED", "STARTED", "TRANSFERRED",
        "CALLED", "FINISHED"]
    state = client.get("/api/queue/status").json()
    assert state["current"]["number"] == "E-001" and state["waiting"] == {"KK": 1}
    stats = client.get("/api/queue/stats").json()
    assert next(r for r in stats["services"] if r["service"] == "KK")["done"] == 1


def test_mistakes_are_one_indonesian_line(client):
    cases = [
        (client.post("/api/queue/tickets", json={}), 422, "Masukan tidak valid: service wajib diisi"),
        (client.post("/api/queue/tickets", json={"service": "KK", "warna": "merah"}), 422, "warna tidak dikenal"),
        (client.post("/api/queue/tickets", content=b"{bukan json", headers={"content-type": "application/json"}),
         422, "bukan JSON yang sah"),
        (client.post("/api/queue/tickets", json={"service": "PASPOR", "print": False}), 404, "SOP 'PASPOR' tidak dikenal"),
        (client.post("/api/queue/counters/nol/call"), 422, "Nomor loket tidak valid"),
        (client.post("/api/queue/counters/4/finish"), 409, "Loket 4 tidak sedang"),
        (client.get("/api/queue/tickets/E-404"), 404, "tidak ditemukan"),
        (client.put("/api/queue/settings", json={"no_show_minutes": 9999}), 422, "0..480 menit"),
        (client.get("/api/queue/stats", params={"from": "kemarin"}), 422, "Tanggal tidak valid"),
        (client.post("/api/queue/counters/1/transfer", json={"to_counter": "dua"}), 422, "harus bilangan bulat"),
    ]
    for response, status_code, text in cases:
        assert response.status_code == status_code, response.text
        detail = response.json()["detail"]
        assert isinstance(detail, str) and text in detail and "\n" not in detail


def test_an_unplugged_printer_answers_503_and_issues_nothing(client):
    client.app.state.station_config = parse('[devices.ticket_printer]\ndriver = "tidakada"\nurl = "x"\n')
    response = client.post("/api/queue/tickets", json={"service": "KK"})
    assert response.status_code == 503 and response.json()["detail"].startswith("galat perangkat:")
    assert client.get("/api/queue/status").json()["waiting_total"] == 0


def test_counters_and_settings(client):
    assert client.put("/api/queue/counters/2", json={"name": "Perekaman", "services": ["EKTP"]}).json() == {
        "number": 2, "name": "Perekaman", "services": ["EKTP"], "all_services": False, "configured": True}
    assert [c["number"] for c in client.get("/api/queue/counters").json()] == [2]
    client.post("/api/queue/tickets", json={"service": "KK", "print": False})
    assert client.post("/api/queue/counters/2/call").json()["ticket"] is None
    assert client.delete("/api/queue/counters/2").status_code == 204
    assert client.post("/api/queue/counters/2/call").json()["ticket"]["number"] == "K-001"
    changed = client.put("/api/queue/settings", json={"running_text": "Istirahat pukul 12.00", "no_show_minutes": 10})
    assert changed.json()["running_text"] == "Istirahat pukul 12.00"
    assert client.get("/api/queue/settings").json()["no_show_minutes"] == 10
    assert client.get("/api/queue/status").json()["running_text"] == "Istirahat pukul 12.00"


def test_ticket_page_behind_the_qr_code(client):
    ticket = client.post("/api/queue/tickets", json={"service": "SKU", "print": False}).json()
    page = client.get(f"/antrean/{ticket['token']}")
    assert page.status_code == 200 and "U-001" in page.text and "Menunggu" in page.text
    assert client.get("/antrean/tidak-ada").status_code == 404


def test_summons_over_http(client, db):
    import_csv(db, SAMPLE)
    day = (utcnow().date() + timedelta(days=5)).isoformat()
    made = client.post("/api/queue/summons", json={"desa": "Arjosari", "date": day, "time": "09.00"})
    assert made.status_code == 201 and made.json()["count"] >= 1
    letter = made.json()["letters"][0]
    assert "••" in letter["nik"]
    pdf = client.get("/api/queue/summons.pdf", params={"desa": "Arjosari"})
    assert pdf.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == made.json()["count"]
    marked = client.post("/api/queue/summons/mark", json={"letter": letter["number"], "status": "ARRIVED"})
    assert marked.json()["status"] == "ARRIVED"
    assert client.get("/api/queue/summons", params={"status": "ARRIVED"}).json()[0]["number"] == letter["number"]
    bad = client.post("/api/queue/summons", json={"desa": "Arjosari", "date": "2026-13-01"})
    assert bad.status_code == 422 and "tanggal" in bad.json()["detail"]
