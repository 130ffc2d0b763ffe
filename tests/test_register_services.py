"""What each service needs beyond the common path, the signer rules, corrections and cancellations, and bad input
that must leave nothing written. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from ektp_station.errors import InvalidNik
from ektp_station.register.errors import ApplicationNotFound, InvalidInput, UnknownService, WrongState
from ektp_station.register.models import Application, Event, Letter, NumberAllocation, StepRun
from ektp_station.register.service import Photo, RegisterService
from ektp_station.residents import import_csv
from tests.test_register_support import DETAILS, PNG_PHOTO, SAMPLE_CSV, SITI, SUTRISNO, T0, minutes, pdf_text


@pytest.fixture
def register(db):
    import_csv(db, SAMPLE_CSV)
    return RegisterService(db)


def registered(register: RegisterService, code: str, details: dict | None = None, nik: str = SITI,
               at: datetime = T0) -> str:
    app = register.intake(code, nik, details=details or DETAILS[code], at=at)
    register.check(app["id"], all_present=True, at=at + minutes(5))
    return app["id"]


def signed(register: RegisterService, code: str, **issue) -> str:
    app_id = registered(register, code)
    if code == "SKU":
        register.record_visit(app_id, officer="Budi", visit_date="2026-11-23", location="Krajan",
                              photos=[Photo("a.png", PNG_PHOTO)], at=T0 + minutes(20))
    register.issue(app_id, at=T0 + minutes(30), **issue)
    position = register.data.service(code).signers[0]
    register.sign(app_id, position, at=T0 + minutes(35))
    return app_id


def rows(db, model) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


# -- SKU: site visit -----------------------------------------------------------------------------------------


def test_sku_letter_waits_for_the_site_visit_with_photos(register, db):
    app_id = registered(register, "SKU")
    with pytest.raises(WrongState, match="peninjauan lokasi"):
        register.issue(app_id, at=T0 + minutes(30))
    with pytest.raises(InvalidInput, match="sedikitnya satu foto"):
        register.record_visit(app_id, officer="Budi", visit_date="2026-11-23", location="Krajan", photos=[])
    with pytest.raises(InvalidInput, match="bukan foto JPEG atau PNG"):
        register.record_visit(app_id, officer="Budi", visit_date="2026-11-23", location="Krajan",
                              photos=[Photo("catatan.txt", b"bukan foto")])
    with pytest.raises(InvalidInput, match="masa depan"):
        register.record_visit(app_id, officer="Budi", visit_date="2030-01-01", location="Krajan",
                              photos=[Photo("a.png", PNG_PHOTO)], at=T0 + minutes(20))
    jpeg = b"\xff\xd8\xff\xe0" + bytes(100)
    view = register.record_visit(app_id, officer="Budi Santoso", visit_date="2026-11-23",
                                 location="Dusun Krajan RT 002", notes="Toko buka setiap hari",
                                 photos=[Photo("depan.jpg", jpeg), Photo("../../dalam.png", PNG_PHOTO)],
                                 at=T0 + minutes(60))
    visit = view["site_visits"][0]
    assert (visit["officer"], visit["visit_date"], visit["location"]) == ("Budi Santoso", "2026-11-23",
                                                                          "Dusun Krajan RT 002")
    assert [(p["filename"], p["content_type"]) for p in visit["photos"]] == [("depan.jpg", "image/jpeg"),
                                                                              ("dalam.png", "image/png")]
    name, ctype, data = register.photo(app_id, visit["photos"][0]["id"])
    assert (name, ctype, data) == ("depan.jpg", "image/jpeg", jpeg)
    assert visit["photos"][0]["sha256"] == hashlib.sha256(jpeg).hexdigest()
    register.issue(app_id, at=T0 + minutes(100))
    view = register.sign(app_id, "Camat", at=T0 + minutes(155))
    text = register.letter_text(app_id)
    assert "Budi Santoso" in text.paragraphs[0] and "23 November 2026" in text.paragraphs[0]
    review = next(s for s in view["steps"] if s["kind"] == "review")
    assert review["standard_minutes"] == 120.0
    assert review["minutes"] == 150.0 and review["overrun"] is True  # 150 of 120 minutes


def test_site_visit_only_for_sku(register):
    app_id = registered(register, "SKCK")
    with pytest.raises(InvalidInput, match="tidak termasuk SOP"):
        register.record_visit(app_id, officer="Budi", visit_date="2026-11-23", location="x",
                              photos=[Photo("a.png", PNG_PHOTO)], at=T0 + minutes(10))


# -- Keramaian: monitoring until the event ends ----------------------------------------------------------------


def _keramaian_archived(register, details=None) -> str:
    app_id = registered(register, "KERAMAIAN", details)
    register.issue(app_id, at=T0 + minutes(20))
    register.sign(app_id, "Camat", at=T0 + minutes(25))
    with register.db.transaction() as s:
        receipt = s.get(Application, app_id).verify_code
    register.handover(app_id, receipt_code=receipt, at=T0 + minutes(30))
    register.archive(app_id, folder="KRM", shelf="1", box="1", at=T0 + minutes(35))
    return app_id


def test_keramaian_monitoring_stays_open_until_the_event_ends(register):
    app_id = _keramaian_archived(register)
    view = register.show(app_id)
    monitor = next(s for s in view["steps"] if s["kind"] == "monitor")
    assert monitor["ended_at"] is None and monitor["outcome"] == "terbuka" and monitor["until_event_end"]
    assert monitor["deadline"] == "2026-12-06T17:00:00+00:00"  # end of 6 December in WIB
    with pytest.raises(WrongState, match="sampai kegiatan berakhir"):
        register.close_monitoring(app_id, notes="masih berlangsung",
                                  at=datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc))
    assert register.submit_weekly_report("KERAMAIAN", "2026-W48", at=T0 + minutes(60))["entries"] == []
    closed = register.close_monitoring(app_id, notes="Kegiatan berjalan tertib",
                                       at=datetime(2026, 12, 6, 15, 0, tzinfo=timezone.utc))
    monitor = next(s for s in closed["steps"] if s["kind"] == "monitor")
    assert monitor["outcome"] == "selesai" and monitor["overrun"] is False
    assert monitor["detail"]["catatan"] == "Kegiatan berjalan tertib"
    report = register.submit_weekly_report("KERAMAIAN", "2026-W49",
                                           at=datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc))
    assert len(report["entries"]) == 1
    with pytest.raises(WrongState, match="tidak punya pemantauan yang terbuka"):
        register.close_monitoring(app_id, notes="lagi", at=datetime(2026, 12, 8, tzinfo=timezone.utc))


def test_keramaian_monitoring_closed_late_overruns_and_non_commercial_needs_none(register):
    app_id = _keramaian_archived(register)
    late = register.close_monitoring(app_id, notes="laporan terlambat",
                                     at=datetime(2026, 12, 8, 2, 0, tzinfo=timezone.utc))
    assert next(s for s in late["steps"] if s["kind"] == "monitor")["overrun"] is True
    quiet = _keramaian_archived(register, {**DETAILS["KERAMAIAN"], "komersial": "tidak"})
    view = register.show(quiet)
    monitor = next(s for s in view["steps"] if s["kind"] == "monitor")
    assert monitor["outcome"] == "tidak_berlaku" and monitor["ended_at"] is not None
    assert [s["kind"] for s in view["pending_steps"]] == ["report"]


def test_keramaian_event_already_over_or_dates_reversed_is_refused(register, db):
    with pytest.raises(InvalidInput, match="sudah berakhir"):
        register.intake("KERAMAIAN", SITI, details={**DETAILS["KERAMAIAN"], "tanggal_mulai": "2026-11-01",
                                                    "tanggal_selesai": "2026-11-02"}, at=T0)
    with pytest.raises(InvalidInput, match="sebelum tanggal mulai"):
        register.intake("KERAMAIAN", SITI, details={**DETAILS["KERAMAIAN"], "tanggal_selesai": "2026-12-04"}, at=T0)
    assert rows(db, Application) == 0


# -- Pindah: withdrawal, in-kabupaten letter or cover letter to Dispendukcapil --------------------------------


def test_pindah_needs_ktp_and_kk_withdrawn_before_the_letter(register, db):
    app_id = registered(register, "PINDAH")
    with pytest.raises(InvalidInput, match="KTP-el dan KK asli"):
        register.issue(app_id, ktp_withdrawn=True, at=T0 + minutes(20))
    assert register.show(app_id)["state"] == "DIPERIKSA"
    assert rows(db, Letter) == 0 and rows(db, NumberAllocation) == 1  # only the register number
    view = register.issue(app_id, ktp_withdrawn=True, kk_withdrawn=True, at=T0 + minutes(25))
    assert view["letter"]["number"].startswith("400.12.2.2/1/")
    text = register.letter_text(app_id)
    assert text.title == "SURAT KETERANGAN PINDAH" and text.layout == "keterangan"
    body = " ".join(text.paragraphs)
    assert "dalam wilayah Kabupaten Malang" in body
    assert "KTP-el dan Kartu Keluarga asli pemohon telah ditarik" in body
    assert ("Pengikut", "3507114309720002") in text.identity


def test_pindah_out_of_region_is_a_cover_letter_to_dispendukcapil(register):
    details = {**DETAILS["PINDAH"], "jenis_pindah": "luar_daerah", "kabupaten_tujuan": "Kota Surabaya",
               "kecamatan_tujuan": "Tegalsari", "desa_tujuan": "Kedungdoro"}
    app_id = registered(register, "PINDAH", details)
    register.issue(app_id, ktp_withdrawn=True, kk_withdrawn=True, at=T0 + minutes(25))
    register.sign(app_id, "Sekcam", at=T0 + minutes(30))
    text = register.letter_text(app_id)
    assert text.layout == "dinas" and text.subject == "Pengantar Surat Pindah ke Luar Daerah"
    assert text.addressee[0] == "Kepala Dinas Kependudukan dan Pencatatan Sipil"
    assert "SKPWNI" in " ".join(text.paragraphs)
    assert "telah ditarik" in " ".join(text.paragraphs)
    pdf = pdf_text(register.letter_pdf(app_id)[1])
    assert "Kependudukan dan Pencatatan Sipil" in " ".join(pdf.split())


# -- KK: cover letter, requirement variants -------------------------------------------------------------------


def test_kk_cover_letter_and_requirements_by_kind(register):
    new_family = register.intake("KK", SITI, details={"jenis": "baru"}, at=T0)
    returned = register.check(new_family["id"], ["pengantar_desa", "f101"], at=T0 + minutes(5))
    assert [m["code"] for m in returned["check"]["kurang"]] == ["buku_nikah"]
    with pytest.raises(InvalidInput, match="tidak ada dalam daftar"):
        register.check(new_family["id"], ["kk_lama"], at=T0 + minutes(6))  # only for "perubahan"
    register.check(new_family["id"], ["pengantar_desa", "f101", "buku_nikah"], at=T0 + minutes(60))
    view = register.issue(new_family["id"], at=T0 + minutes(70))
    text = register.letter_text(new_family["id"])
    assert text.layout == "dinas" and text.addressee[0].startswith("Kepala Dinas Kependudukan")
    assert "(baru)" in text.opening
    assert view["letter"]["number"].startswith("400.12.2.1/")


# -- Legalisasi: only documents the kecamatan issued ----------------------------------------------------------


@pytest.mark.parametrize("number", ["123/ABC/2019", "470/5/35.07.13/2020", "Surat RT 5", "470/35.07.11/2020"])
def test_legalisasi_refuses_documents_not_issued_by_the_kecamatan(register, db, number):
    with pytest.raises(InvalidInput, match="bukan nomor surat Kecamatan Kalipare"):
        register.intake("LEGALISASI", SITI, details={**DETAILS["LEGALISASI"], "nomor_dokumen": number}, at=T0)
    assert rows(db, Application) == 0


def test_legalisasi_of_a_register_letter_checks_it_is_signed_and_valid(register):
    legacy = register.intake("LEGALISASI", SITI, details=DETAILS["LEGALISASI"], at=T0)
    assert any("tidak ada di register elektronik" in w for w in legacy["warnings"])
    with pytest.raises(InvalidInput, match="1 sampai 5"):
        register.intake("LEGALISASI", SITI, details={**DETAILS["LEGALISASI"], "jumlah_salinan": "6"}, at=T0)
    sku = signed(register, "SKU")
    letter_number = register.show(sku)["letter"]["number"]
    ok = register.intake("LEGALISASI", SITI, details={**DETAILS["LEGALISASI"], "nomor_dokumen": letter_number},
                         at=T0 + minutes(60))
    assert ok["warnings"] == []
    unsigned = registered(register, "SKCK")
    register.issue(unsigned, at=T0 + minutes(40))
    unsigned_number = register.show(unsigned)["letter"]["number"]
    with pytest.raises(InvalidInput, match="belum ditandatangani"):
        register.intake("LEGALISASI", SITI, details={**DETAILS["LEGALISASI"], "nomor_dokumen": unsigned_number},
                        at=T0 + minutes(60))
    register.cancel(unsigned, reason="Pemohon membatalkan", at=T0 + minutes(45))
    with pytest.raises(InvalidInput, match="sudah dibatalkan"):
        register.intake("LEGALISASI", SITI, details={**DETAILS["LEGALISASI"], "nomor_dokumen": unsigned_number},
                        at=T0 + minutes(60))


# -- AK-1: legalised copies -----------------------------------------------------------------------------------


def test_ak1_card_with_its_legalised_copies(register):
    app_id = registered(register, "AK1")
    with pytest.raises(InvalidInput, match="1 sampai 10"):
        register.issue(app_id, copies=0, at=T0 + minutes(20))
    register.issue(app_id, copies=3, at=T0 + minutes(20))
    view = register.sign(app_id, "Camat", at=T0 + minutes(26))
    assert "Salinan kartu yang dilegalisasi: 3 lembar." in register.letter_text(app_id).paragraphs
    sign_step = next(s for s in view["steps"] if s["kind"] == "sign")
    copies_step = next(s for s in view["steps"] if s["kind"] == "copies")
    assert (sign_step["label"], sign_step["minutes"], sign_step["overrun"]) == ("4", 21.0, True)
    assert (copies_step["label"], copies_step["detail"]) == ("5", {"salinan": 3})
    with pytest.raises(InvalidInput, match="tidak berlaku"):
        register.issue(registered(register, "SKCK"), copies=2, at=T0 + minutes(30))


# -- signers ----------------------------------------------------------------------------------------------------


def _issued(register, code: str) -> str:
    app_id = registered(register, code)
    if code == "SKU":
        register.record_visit(app_id, officer="Budi", visit_date="2026-11-23", location="Krajan",
                              photos=[Photo("a.png", PNG_PHOTO)], at=T0 + minutes(20))
    register.issue(app_id, at=T0 + minutes(30))
    return app_id


def test_camat_only_letters_take_a_recorded_stand_in(register):
    app_id = _issued(register, "WARIS")
    with pytest.raises(InvalidInput, match="atas nama Camat"):
        register.sign(app_id, "Sekcam", at=T0 + minutes(35))
    with pytest.raises(InvalidInput, match="tidak berwenang"):
        register.sign(app_id, "Kasi", camat_away_reason="Cuti", at=T0 + minutes(35))
    with pytest.raises(InvalidInput, match="tidak dikenal"):
        register.sign(app_id, "Lurah", at=T0 + minutes(35))
    with pytest.raises(InvalidInput, match="Camat sendiri"):
        register.sign(app_id, "Camat", camat_away_reason="Cuti", at=T0 + minutes(35))
    view = register.sign(app_id, "sekcam", signer_name="Drs. Hadi Purnomo", camat_away_reason="Dinas luar kota",
                         at=T0 + minutes(35))
    signer = view["letter"]["signer"]
    assert signer == {"position": "SEKCAM", "title": "Sekretaris Kecamatan", "name": "Drs. Hadi Purnomo",
                      "nip": "-", "on_behalf": "a.n. Camat Kalipare", "stand_in_reason": "Dinas luar kota"}
    assert "Sekretaris Kecamatan atas nama Camat Kalipare" in register.letter_text(app_id).opening
    sign_event = next(e for e in view["events"] if e["action"] == "sign")
    assert sign_event["data"]["alasan"] == "Dinas luar kota"
    text = " ".join(pdf_text(register.letter_pdf(app_id)[1]).split())
    assert "a.n. Camat Kalipare" in text and "Drs. Hadi Purnomo" in text


def test_each_sop_names_its_signers(register):
    kk = _issued(register, "KK")  # "Kasi Pelayanan Publik/Sekcam": not the Camat
    with pytest.raises(InvalidInput, match="tidak berwenang"):
        register.sign(kk, "Camat", at=T0 + minutes(35))
    with pytest.raises(InvalidInput, match="tidak ditandatangani Camat"):
        register.sign(kk, "Kasi", camat_away_reason="Cuti", at=T0 + minutes(35))
    assert register.sign(kk, "Kasi", at=T0 + minutes(35))["letter"]["signer"]["on_behalf"] is None
    skck = _issued(register, "SKCK")  # "Camat atau Sekcam atau Kasi"
    assert register.sign(skck, "Kasi", at=T0 + minutes(35))["letter"]["signer"]["position"] == "KASI_PP"
    dispnikah = _issued(register, "DISPNIKAH")  # "Camat atau Sekcam"
    with pytest.raises(InvalidInput, match="tidak berwenang"):
        register.sign(dispnikah, "Kasi", at=T0 + minutes(35))


def test_signer_snapshot_survives_a_later_change_of_the_signers_file(register, db, tmp_path, monkeypatch):
    app_id = signed(register, "SKCK")
    override = tmp_path / "override"
    override.mkdir()
    (override / "signers.toml").write_text(
        '[CAMAT]\ntitle = "Camat Kalipare"\nshort = "Camat"\nname = "CAMAT BARU"\nnip = "1970"\n'
        '[SEKCAM]\ntitle = "Sekretaris Kecamatan"\nshort = "Sekcam"\nname = "S"\nnip = "-"\n'
        '[KASI_PP]\ntitle = "Kepala Seksi Pelayanan Publik"\nshort = "Kasi"\nname = "K"\nnip = "-"\n'
        '[KASI_TRANTIB]\ntitle = "Kepala Seksi Trantib"\nshort = "Kasi Trantib"\nname = "T"\nnip = "-"\n',
        encoding="utf-8")
    monkeypatch.setenv("EKTP_REGISTER_DATA_DIR", str(override))
    fresh = RegisterService(db)
    assert fresh.data.signers["CAMAT"].name == "CAMAT BARU"
    assert fresh.show(app_id)["letter"]["signer"]["name"] == "NAMA CAMAT KALIPARE"
    assert "NAMA CAMAT KALIPARE" in pdf_text(fresh.letter_pdf(app_id)[1])


# -- correction, cancellation -----------------------------------------------------------------------------------


def test_correction_before_signing_keeps_the_number(register, db):
    app_id = _issued(register, "SKCK")
    first = register.show(app_id)["letter"]
    view = register.issue(app_id, corrections={"nama": "Siti Aminah S.", "keperluan": "Melamar CPNS"},
                          officer="Kasi", at=T0 + minutes(40))
    letter = view["letter"]
    assert (letter["number"], letter["revision"]) == (first["number"], 2)
    assert view["nama"] == "Siti Aminah S." and view["details"]["keperluan"] == "Melamar CPNS"
    correction = view["events"][-1]
    assert correction["action"] == "correct"
    assert correction["data"]["koreksi"] == {"nama": ["SITI AMINAH", "Siti Aminah S."],
                                             "keperluan": ["Melamar pekerjaan", "Melamar CPNS"]}
    assert "Melamar CPNS" in " ".join(register.letter_text(app_id).paragraphs)
    with pytest.raises(InvalidInput, match="tidak dapat diubah"):
        register.issue(app_id, classification="331", table="2012", at=T0 + minutes(41))
    with pytest.raises(InvalidInput, match="wajib"):
        register.issue(app_id, corrections={"keperluan": ""}, at=T0 + minutes(41))
    assert rows(db, Letter) == 1
    register.sign(app_id, "Camat", at=T0 + minutes(45))
    with pytest.raises(WrongState, match="SIAP_DIAMBIL"):
        register.issue(app_id, corrections={"nama": "X"}, at=T0 + minutes(50))


def test_cancel_voids_the_letter_and_its_number_stays_used(register):
    first = _issued(register, "SKCK")
    view = register.cancel(first, reason="Pemohon tidak jadi", at=T0 + minutes(40))
    assert view["state"] == "DIBATALKAN" and view["letter"]["void"] is True
    second = _issued(register, "SKCK")
    assert register.show(second)["letter"]["number"].split("/")[1] == "2"
    with pytest.raises(WrongState, match="DIBATALKAN"):
        register.sign(first, "Camat")
    with pytest.raises(InvalidInput, match="Alasan pembatalan wajib"):
        register.cancel(second, reason="  ")


# -- hand-over, verification -----------------------------------------------------------------------------------


def test_handover_checks_the_returned_receipt(register):
    app_id = signed(register, "SKCK")
    with pytest.raises(InvalidInput, match="tidak cocok"):
        register.handover(app_id, receipt_code="XXXXXXXXXX", at=T0 + minutes(60))
    with pytest.raises(InvalidInput, match="kode tanda terima"):
        register.handover(app_id, at=T0 + minutes(60))
    with pytest.raises(InvalidInput, match="U3 harus 1, 2, 3 atau 4"):
        register.handover(app_id, receipt_lost_reason="Hilang", skm_answers=[4, 4, 5, 4, 4, 4, 4, 4, 4])
    assert register.show(app_id)["state"] == "SIAP_DIAMBIL"
    view = register.handover(app_id, receipt_lost_reason="Tanda terima hilang di jalan", at=T0 + minutes(60))
    assert view["state"] == "DISERAHKAN"
    assert view["events"][-1]["note"] == "Tanda terima hilang: Tanda terima hilang di jalan"
    assert len(view["skm"]["token"]) >= 16


def test_verification_code_shows_only_masked_data(register):
    app_id = signed(register, "SKCK")
    with register.db.transaction() as s:
        receipt_code = s.get(Application, app_id).verify_code
        letter_code = s.scalars(select(Letter.verify_code)).one()
    by_receipt = register.verify(receipt_code.lower())
    assert by_receipt["nik"] == "3507 11•• •••• 0001" and by_receipt["nama"] == "S••• A•••••"
    assert by_receipt["register_number"] == "0001/SKCK/2026" and "letter" not in by_receipt
    by_letter = register.verify(letter_code)
    assert by_letter["letter"]["signed"] is True and by_letter["letter"]["number"].startswith("300/1/")
    assert SITI not in str(by_letter)
    with pytest.raises(InvalidInput, match="tidak dikenal"):
        register.verify("ZZZZZZZZZZ")


# -- bad input writes nothing ------------------------------------------------------------------------------------


def test_bad_input_is_refused_before_anything_is_written(register, db):
    with pytest.raises(InvalidNik):
        register.intake("SKCK", "3507112902010001", details=DETAILS["SKCK"], at=T0)  # 29 Feb 2001
    with pytest.raises(UnknownService, match="tidak dikenal"):
        register.intake("EKTP", SITI, at=T0)
    with pytest.raises(InvalidInput, match="'warna' tidak dikenal"):
        register.intake("SKCK", SITI, details={"keperluan": "x", "warna": "merah"}, at=T0)
    with pytest.raises(InvalidInput, match="Isian wajib 'keperluan'"):
        register.intake("SKCK", SITI, details={}, at=T0)
    with pytest.raises(InvalidInput, match="bukan tanggal"):
        register.intake("WARIS", SITI, details={**DETAILS["WARIS"], "tanggal_meninggal": "kemarin"}, at=T0)
    with pytest.raises(InvalidInput, match="No. KK"):
        register.intake("PINDAH", SITI, details={**DETAILS["PINDAH"], "no_kk": "123"}, at=T0)
    with pytest.raises(InvalidInput, match="Pengikut|NIK"):
        register.intake("PINDAH", SITI, details={**DETAILS["PINDAH"], "pengikut": "3507110000990001"}, at=T0)
    with pytest.raises(InvalidInput, match="isi nama pemohon"):
        register.intake("SKCK", "3507116902000001", details=DETAILS["SKCK"], at=T0)  # not in the population
    with pytest.raises(InvalidInput, match="sudah lewat"):
        register.intake("DISPNIKAH", SITI, details={**DETAILS["DISPNIKAH"], "tanggal_akad": "2026-11-01"}, at=T0)
    assert (rows(db, Application), rows(db, StepRun), rows(db, Event)) == (0, 0, 0)

    app = register.intake("SKCK", SITI, details=DETAILS["SKCK"], at=T0)
    before = (rows(db, StepRun), rows(db, Event), rows(db, NumberAllocation))
    with pytest.raises(InvalidInput, match="'fc_ktpp' tidak ada dalam daftar"):
        register.check(app["id"], ["pengantar_desa", "fc_ktpp"], at=T0 + minutes(3))
    with pytest.raises(ApplicationNotFound):
        register.check("TIDAKADA00", all_present=True)
    with pytest.raises(WrongState, match="DITERIMA"):
        register.sign(app["id"], "Camat")
    assert (rows(db, StepRun), rows(db, Event), rows(db, NumberAllocation)) == before
    assert register.show(app["id"])["state"] == "DITERIMA"


def test_applicant_outside_the_population_with_name_and_warnings(register):
    view = register.intake("SKCK", "3507990101900001", nama="  Joko   Susilo ", alamat="Dusun Baru",
                           desa="Kalirejo", details=DETAILS["SKCK"], at=T0)
    assert view["nama"] == "Joko Susilo"
    assert any("di luar Kecamatan Kalipare" in w for w in view["warnings"])
    assert any("tidak ditemukan di data penduduk" in w for w in view["warnings"])
    other = register.intake("SKCK", SUTRISNO, nama="Sutrisna", details=DETAILS["SKCK"], at=T0)
    assert any("Nama berbeda dengan data penduduk (SUTRISNO)" in w for w in other["warnings"])
