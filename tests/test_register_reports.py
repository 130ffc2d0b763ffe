"""Weekly report per service (counts by state, returned-incomplete, mean/p90 per step against the standard,
overruns) and the monthly report with the IKM, as data, PDF with charts, XLSX and CSV. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from ektp_station.register import report_files, reports
from ektp_station.register.errors import InvalidInput
from ektp_station.register.models import Application
from ektp_station.register.service import Photo, RegisterService
from ektp_station.residents import import_csv
from tests.test_register_support import (
    DETAILS,
    PNG_PHOTO,
    SAMPLE_CSV,
    SITI,
    T0,
    backend,
    minutes,
    pdf_text,
    render_png,
)


@pytest.fixture
def register(db):
    import_csv(db, SAMPLE_CSV)
    return RegisterService(db)


def _sku_signed(register: RegisterService, review_minutes: float, start=T0, skm=None) -> str:
    app = register.intake("SKU", SITI, details=DETAILS["SKU"], arrived_at=start, at=start + minutes(3))
    register.check(app["id"], all_present=True, at=start + minutes(5))
    register.record_visit(app["id"], officer="Budi", visit_date=start.date().isoformat(), location="Krajan",
                          photos=[Photo("a.png", PNG_PHOTO)], at=start + minutes(30))
    register.issue(app["id"], at=start + minutes(40))
    register.sign(app["id"], "Camat", at=start + minutes(5 + review_minutes))
    if skm is not None:
        with register.db.transaction() as s:
            code = s.get(Application, app["id"]).verify_code
        register.handover(app["id"], receipt_code=code, skm_answers=skm, at=start + minutes(300))
    return app["id"]


@pytest.fixture
def week48(register):
    for review in (100, 130, 150):
        _sku_signed(register, review)
    returned = register.intake("SKU", SITI, details=DETAILS["SKU"], at=T0 + minutes(400))
    register.check(returned["id"], ["pengantar_desa"], at=T0 + minutes(404))
    cancelled = register.intake("SKCK", SITI, details=DETAILS["SKCK"], at=T0 + minutes(500))
    register.cancel(cancelled["id"], reason="Salah layanan", at=T0 + minutes(501))
    _sku_signed(register, 90, start=T0 + minutes(7 * 1440))  # the following week
    return register


def test_weekly_figures(week48, db):
    with db.transaction() as session:
        data = reports.weekly(session, week48.data, reports.parse_week("2026-W48"))
    assert (data["period"], data["from"], data["to"]) == ("2026-W48", "2026-11-23", "2026-11-29")
    sku = next(b for b in data["services"] if b["code"] == "SKU")
    assert sku["received"] == 4
    assert sku["counts"]["SIAP_DIAMBIL"] == 3 and sku["counts"]["BERKAS_KURANG"] == 1
    assert sku["returned_incomplete"] == 1 and sku["handed_over"] == 0
    review = next(s for s in sku["steps"] if s["kind"] == "review")
    assert (review["count"], review["mean_minutes"], review["p90_minutes"], review["standard_minutes"],
            review["overruns"]) == (3, 126.67, 150.0, 120.0, 2)
    check = next(s for s in sku["steps"] if s["kind"] == "check")
    assert check["count"] == 4 and check["standard_minutes"] == 3.0 and check["overruns"] == 1  # 2, 2, 2, 4 min
    submit = next(s for s in sku["steps"] if s["kind"] == "submit")
    assert (submit["count"], submit["mean_minutes"]) == (4, 2.25)  # 3, 3, 3 and 0 minutes
    skck = next(b for b in data["services"] if b["code"] == "SKCK")
    assert skck["counts"]["DIBATALKAN"] == 1
    assert data["totals"]["received"] == 5 and data["totals"]["overruns"] == 3
    assert [b["code"] for b in data["services"]] == list(week48.data.services)
    with db.transaction() as session:
        only = reports.weekly(session, week48.data, reports.parse_week("2026-11-30"), ["sku"])
    assert [b["code"] for b in only["services"]] == ["SKU"] and only["services"][0]["received"] == 1


def test_p90_is_the_nearest_rank():
    assert reports.p90([float(x) for x in range(1, 11)]) == 9.0
    assert reports.p90([5.0]) == 5.0
    assert reports.p90([1.0, 2.0, 3.0, 100.0]) == 100.0


def test_report_periods_are_checked():
    assert reports.week_label(reports.parse_week("2026-11-26")) == "2026-W48"
    with pytest.raises(InvalidInput, match="Minggu tidak valid"):
        reports.parse_week("minggu lalu")
    with pytest.raises(InvalidInput, match="Bulan tidak valid"):
        reports.parse_month("2026-13")


def test_weekly_report_files(week48, db, artifacts_dir, request):
    with db.transaction() as session:
        data = reports.weekly(session, week48.data, reports.parse_week("2026-W48"))
    pdf = report_files.to_pdf(data, week48.data.office)
    pages = render_png(pdf, artifacts_dir / "register", f"{backend(request)}-laporan-mingguan", dpi=70)
    assert len(pages) >= 3  # summary with the state chart, step charts, step table
    text = " ".join(pdf_text(pdf).split())
    assert "LAPORAN MINGGUAN PELAYANAN 2026-W48" in text
    assert "Surat Keterangan Usaha" in text and "126.67" in text and "Grafik 1" in text

    book = openpyxl.load_workbook(io.BytesIO(report_files.to_xlsx(data)))
    assert book.sheetnames == ["Ringkasan", "Waktu Langkah"]
    summary = {row[0]: row for row in book["Ringkasan"].iter_rows(min_row=5, values_only=True)}
    assert summary["SKU"][2] == 4 and summary["SKU"][-3:] == (1, 0, 3)
    assert len(book["Ringkasan"]._charts) == 1
    steps = [row for row in book["Waktu Langkah"].iter_rows(min_row=2, values_only=True) if row[0] == "SKU"]
    review = next(row for row in steps if row[2] == "review")
    assert review[4:] == (3, 126.67, 150.0, 120.0, 2)

    rows = list(csv.DictReader(io.StringIO(report_files.to_csv(data))))
    review_row = next(r for r in rows if r["layanan"] == "SKU" and r["butir"] == "4:4:review")
    assert (review_row["jumlah"], review_row["rata2_menit"], review_row["p90_menit"], review_row["standar_menit"],
            review_row["lewat_standar"]) == ("3", "126.67", "150.00", "120", "2")
    returned = next(r for r in rows if r["layanan"] == "SKU" and r["butir"] == "dikembalikan_belum_lengkap")
    assert returned["jumlah"] == "1"
    keramaian_monitor = next(r for r in rows if r["layanan"] == "KERAMAIAN" and r["butir"].endswith("monitor"))
    assert keramaian_monitor["standar_menit"] == "s.d. kegiatan berakhir"


def test_monthly_report_with_the_ikm(register, db, artifacts_dir, request):
    _sku_signed(register, 100, skm=[4, 4, 4, 4, 4, 4, 4, 4, 4])
    _sku_signed(register, 100, skm=[3, 3, 3, 3, 3, 3, 3, 3, 3])
    skck = register.intake("SKCK", SITI, details=DETAILS["SKCK"], at=T0)
    register.check(skck["id"], all_present=True, at=T0 + minutes(2))
    register.issue(skck["id"], at=T0 + minutes(4))
    register.sign(skck["id"], "Kasi", at=T0 + minutes(6))
    with db.transaction() as s:
        code = s.get(Application, skck["id"]).verify_code
    token = register.handover(skck["id"], receipt_code=code, at=T0 + minutes(8))["skm"]["token"]
    register.submit_skm(token, "2,2,2,2,2,2,2,2,2")
    with db.transaction() as session:
        data = reports.monthly(session, register.data, reports.parse_month("2026-11"))
    sku = next(b for b in data["services"] if b["code"] == "SKU")
    assert sku["skm"]["responden"] == 2 and sku["skm"]["ikm"] == 87.5 and sku["skm"]["mutu"] == "B"
    skck_block = next(b for b in data["services"] if b["code"] == "SKCK")
    assert skck_block["skm"]["ikm"] == 50.0 and skck_block["skm"]["kinerja"] == "Tidak Baik"
    overall = data["skm"]["overall"]
    assert overall["responden"] == 3 and overall["ikm"] == 75.0 and overall["mutu"] == "C"
    assert data["totals"]["handed_over"] == 3
    pdf = report_files.to_pdf(data, register.data.office)
    render_png(pdf, artifacts_dir / "register", f"{backend(request)}-laporan-bulanan", dpi=70)
    text = " ".join(pdf_text(pdf).split())
    assert "LAPORAN BULANAN PELAYANAN 2026-11" in text and "Indeks Kepuasan Masyarakat" in text
    assert "87.50" in text and "75.00" in text
    book = openpyxl.load_workbook(io.BytesIO(report_files.to_xlsx(data)))
    ikm = {row[0]: row for row in book["IKM"].iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert ikm["SEMUA"][2] == 3 and ikm["SEMUA"][12:15] == (75.0, "C", "Kurang Baik")
    rows = list(csv.DictReader(io.StringIO(report_files.to_csv(data))))
    assert next(r for r in rows if r["layanan"] == "SEMUA")["nilai"] == "75.00"
    with db.transaction() as session:
        only = reports.monthly(session, register.data, reports.parse_month("2026-11"), ["SKCK"])
    assert only["skm"]["overall"]["responden"] == 1 and only["skm"]["overall"]["ikm"] == 50.0


def test_submitting_the_weekly_report_closes_the_report_step(register):
    app_id = _sku_signed(register, 100)
    with register.db.transaction() as s:
        code = s.get(Application, app_id).verify_code
    register.handover(app_id, receipt_code=code, at=T0 + minutes(300))
    assert register.submit_weekly_report("SKU", "2026-W48", at=T0 + minutes(310))["entries"] == []  # not archived
    register.archive(app_id, folder="SKU", shelf="1", box="1", at=T0 + minutes(320))
    result = register.submit_weekly_report("SKU", "2026-W48", officer="Rina", started_at=T0 + minutes(4000),
                                           at=T0 + minutes(4012))
    assert result["entries"] == ["0001/SKU/2026"] and result["sop_step"] == "7"
    step = next(s for s in register.show(app_id)["steps"] if s["kind"] == "report")
    assert (step["minutes"], step["standard_minutes"], step["overrun"]) == (12.0, 10.0, True)
    assert register.submit_weekly_report("SKU", "2026-W48", at=T0 + minutes(4100))["entries"] == []
    kk = register.submit_weekly_report("KK", "2026-W48", at=T0 + minutes(4100))
    assert kk["sop_step"] is None and "tidak memuat langkah laporan" in kk["note"]


def test_p90_from_the_database_is_the_nearest_rank(register, db):
    for review in (7, 1, 10, 3, 5, 2, 9, 4, 8, 6, 11):
        app = register.intake("SKCK", SITI, details=DETAILS["SKCK"], at=T0)
        register.check(app["id"], all_present=True, at=T0 + minutes(2))
        register.issue(app["id"], at=T0 + minutes(2))
        register.sign(app["id"], "Kasi", at=T0 + minutes(2 + review))
    with db.transaction() as session:
        data = reports.weekly(session, register.data, T0.date(), ["SKCK"])
    step = next(s for s in data["services"][0]["steps"] if s["kind"] == "register_review")
    durations = [float(x) for x in range(1, 12)]
    assert step["count"] == 11 and step["p90_minutes"] == reports.p90(durations) == 10.0
    assert (step["mean_minutes"], step["max_minutes"], step["overruns"]) == (6.0, 11.0, 6)  # over 5 minutes
