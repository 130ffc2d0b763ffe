"""HTTP API under /api/register: the workflow end to end, printouts and reports, errors as one-line JSON with the
right status. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import csv
import io

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from ektp_station.clock import to_wib
from ektp_station.db.engine import Database
from ektp_station.residents import import_csv
from ektp_station.web.app import create_app
from tests.test_register_support import DETAILS, PNG_PHOTO, SAMPLE_CSV, SITI, pdf_text


@pytest.fixture
def client(database_url):
    database = Database(database_url)
    import_csv(database, SAMPLE_CSV)
    database.dispose()
    app = create_app(database_url)
    with TestClient(app) as test_client:
        yield test_client
    if getattr(app.state, "database", None) is not None:
        app.state.database.dispose()


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def test_keramaian_through_the_api(client):
    app = ok(client.post("/api/register/applications", json={
        "service": "KERAMAIAN", "nik": SITI, "details": DETAILS["KERAMAIAN"], "officer": "Rina",
        "arrived_at": "2026-11-23T08:00:00", "at": "2026-11-23T08:04:00"}), 201)
    app_id = app["id"]
    assert app["steps"][0]["minutes"] == 4.0 and app["details"]["komersial"] is True
    checked = ok(client.post(f"/api/register/applications/{app_id}/check",
                             json={"all": True, "at": "2026-11-23T08:07:00"}))
    assert checked["register_number"] == "0001/KERAMAIAN/2026"
    receipt = client.get(f"/api/register/applications/{app_id}/receipt.pdf")
    assert receipt.headers["content-type"] == "application/pdf"
    assert "0001/KERAMAIAN/2026" in pdf_text(receipt.content)
    ok(client.post(f"/api/register/applications/{app_id}/issue", json={"at": "2026-11-23T09:00:00"}))
    signed = ok(client.post(f"/api/register/applications/{app_id}/sign",
                            json={"signer": "Kasi Trantib", "at": "2026-11-23T09:02:00"}))
    assert signed["letter"]["signer"]["position"] == "KASI_TRANTIB"
    letter = client.get(f"/api/register/applications/{app_id}/letter.pdf").content
    assert "300/1/35.07.11/2026" in pdf_text(letter) and "Kepolisian Sektor Kalipare" in pdf_text(letter)
    handed = ok(client.post(f"/api/register/applications/{app_id}/handover", json={
        "receipt_code": checked["receipt"]["verify_code"], "skm": [4, 3, 4, 4, 4, 4, 4, 4, 4],
        "at": "2026-11-24T10:00:00"}))
    assert handed["skm"] == {"recorded": True}
    archived = ok(client.post(f"/api/register/applications/{app_id}/archive",
                              json={"folder": "KRM-2026", "shelf": "2", "box": "5", "at": "2026-11-24T10:05:00"}))
    assert [s["kind"] for s in archived["pending_steps"]] == ["monitor", "report"]
    early = client.post(f"/api/register/applications/{app_id}/monitor",
                        json={"notes": "x", "at": "2026-12-01T10:00:00"})
    assert early.status_code == 409 and "sampai kegiatan berakhir" in early.json()["detail"]
    ok(client.post(f"/api/register/applications/{app_id}/monitor",
                   json={"notes": "Tertib", "officer": "Trantib", "at": "2026-12-06T21:00:00"}))
    submitted = ok(client.post("/api/register/reports/weekly/submit",
                               json={"week": "2026-12-07", "services": ["KERAMAIAN"], "at": "2026-12-07T08:00:00"}))
    assert submitted[0]["entries"] == ["0001/KERAMAIAN/2026"] and submitted[0]["period"] == "2026-W50"
    assert ok(client.get(f"/api/register/applications/{app_id}"))["pending_steps"] == []
    by_number = ok(client.get("/api/register/lookup", params={"number": "300/1/35.07.11/2026"}))
    assert by_number["id"] == app_id

    weekly = ok(client.get("/api/register/reports/weekly", params={"week": "2026-W48", "service": "KERAMAIAN"}))
    block = weekly["services"][0]
    assert block["counts"]["DIARSIPKAN"] == 1 and block["handed_over"] == 1
    pdf = client.get("/api/register/reports/weekly", params={"week": "2026-W48", "format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf" and "2026-W48" in pdf_text(pdf.content)
    xlsx = client.get("/api/register/reports/weekly", params={"week": "2026-W48", "format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    monthly = client.get("/api/register/reports/monthly", params={"month": "2026-11", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(monthly.text)))
    assert next(r for r in rows if r["layanan"] == "KERAMAIAN" and r["kategori"] == "skm")["nilai"] == "97.22"

    listed = ok(client.get("/api/register/applications", params={"service": "KERAMAIAN"}))
    assert listed[0]["nik"] == "3507 11•• •••• 0001"
    verified = ok(client.get(f"/api/register/verify/{signed['letter']['verify_code']}"))
    assert verified["letter"]["number"] == "300/1/35.07.11/2026" and SITI not in str(verified)


def test_sku_photos_through_the_api(client):
    app = ok(client.post("/api/register/applications", json={"service": "SKU", "nik": SITI,
                                                             "details": DETAILS["SKU"]}), 201)
    ok(client.post(f"/api/register/applications/{app['id']}/check", json={"all": True}))
    bad = client.post(f"/api/register/applications/{app['id']}/visit", json={
        "officer": "Budi", "visit_date": "2026-01-01", "location": "Krajan",
        "photos": [{"filename": "a.png", "data_base64": "%%%"}]})
    assert bad.status_code == 422 and "base64" in bad.json()["detail"]
    view = ok(client.post(f"/api/register/applications/{app['id']}/visit", json={
        "officer": "Budi", "visit_date": to_wib(datetime.fromisoformat(app["received_at"])).date().isoformat(),
        "location": "Krajan",
        "photos": [{"filename": "a.png", "data_base64": base64.b64encode(PNG_PHOTO).decode()}]}))
    photo = view["site_visits"][0]["photos"][0]
    got = client.get(f"/api/register/applications/{app['id']}/photos/{photo['id']}")
    assert got.content == PNG_PHOTO and got.headers["content-type"] == "image/png"


@pytest.mark.parametrize("method, path, body, status, detail", [
    ("post", "/api/register/applications", {"service": "SKCK", "nik": "123", "details": {"keperluan": "x"}}, 422,
     "NIK harus 16 digit"),
    ("post", "/api/register/applications", {"service": "XYZ", "nik": SITI}, 404, "Layanan 'XYZ' tidak dikenal"),
    ("post", "/api/register/applications", {"service": "SKCK", "nik": SITI, "details": {}}, 422,
     "Isian wajib 'keperluan'"),
    ("post", "/api/register/applications", {"service": "SKCK"}, 422, "Masukan tidak valid: nik wajib diisi"),
    ("get", "/api/register/applications/TIDAKADA00", None, 404, "Berkas tidak ditemukan"),
    ("post", "/api/register/applications/TIDAKADA00/sign", {"signer": "Camat"}, 404, "Berkas tidak ditemukan"),
    ("get", "/api/register/reports/monthly?month=2026-13", None, 422, "Bulan tidak valid"),
    ("post", "/api/register/skm", {"token": "x", "answers": [4] * 9}, 422, "Token SKM tidak dikenal"),
])
def test_errors_are_one_line_json(client, method, path, body, status, detail):
    response = getattr(client, method)(path, **({"json": body} if body is not None else {}))
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"] and "\n" not in response.json()["detail"]


def test_wrong_state_is_a_conflict(client):
    app = ok(client.post("/api/register/applications", json={"service": "SKCK", "nik": SITI,
                                                             "details": DETAILS["SKCK"]}), 201)
    response = client.post(f"/api/register/applications/{app['id']}/sign", json={"signer": "Camat"})
    assert response.status_code == 409 and "DITERIMA" in response.json()["detail"]
    slip = client.get(f"/api/register/applications/{app['id']}/return-slip.pdf")
    assert slip.status_code == 409 and "tidak pernah dikembalikan" in slip.json()["detail"]
