"""Surat Panggilan for the e-KTP recording: who is summoned (wajib KTP, not recorded, by desa), the PDF letters,
and each letter's life: summoned → arrived with a queue ticket → recorded → handed back (SOP step 4.7)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from ektp_station.clock import utcnow
from ektp_station.queue import summons
from ektp_station.queue.dates import tanggal
from ektp_station.queue.errors import InvalidInput, SummonsError, UnknownSummons
from ektp_station.queue.service import QueueService
from ektp_station.queue.summons_pdf import render_letters
from ektp_station.residents import import_csv
from recording_helpers import MAN_1999, SAMPLE, WOMAN_1999, run_one, station

TODAY = date(2026, 11, 24)
PUTUKREJO_WAJIB = ["BAGUS SETIAWAN", "EKO WAHYUDI", "RINA KUSUMAWATI", "SITI AMINAH", "SUPARMI", "SUTRISNO"]


def _appointment():
    return summons.appointment_time(utcnow().date() + timedelta(days=7), "08.30")


def test_wajib_ktp_residents_of_one_desa_who_have_not_recorded_are_summoned(db, tmp_path):
    service, _blobs, config = station(db, tmp_path)
    result, _ = run_one(service, config, WOMAN_1999)  # SITI AMINAH records first
    assert result.status == "BIO_CAPTURED"
    people = summons.candidates(db, "desa putukrejo", today=TODAY)
    # DIMAS ADITYA (16, unmarried) and AYU LESTARI (10) are not wajib KTP yet; SITI AMINAH has recorded.
    assert [p.nama for p in people] == [n for n in PUTUKREJO_WAJIB if n != "SITI AMINAH"]
    letters = summons.create_letters(db, "Putukrejo", _appointment(), today=TODAY)
    year = utcnow().year
    assert [letter.number for letter in letters] == [f"470/{i:03d}/35.07.11/{year}" for i in range(1, 6)]
    assert {letter.status for letter in letters} == {"SUMMONED"}
    assert letters[0].to_json()["nik"].startswith("3507 11••")
    assert "RT 002 RW 001, Desa Putukrejo" in next(le.alamat for le in letters if le.nama == "SUTRISNO")
    assert summons.create_letters(db, "Putukrejo", _appointment(), today=TODAY) == []  # already summoned
    again = summons.create_letters(db, "Putukrejo", _appointment(), today=TODAY, again=True, limit=2)
    assert [letter.number for letter in again] == [f"470/006/35.07.11/{year}", f"470/007/35.07.11/{year}"]


def test_the_letters_as_pdf(db, artifacts_dir):
    import_csv(db, SAMPLE)
    letters = summons.create_letters(db, "Putukrejo", _appointment(), today=TODAY)
    pdf = render_letters(letters, signer="Drs. Contoh Camat")
    (artifacts_dir / "surat_panggilan_putukrejo.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == len(letters) == 6
    first = reader.pages[0].extract_text()
    assert "KECAMATAN KALIPARE" in first and "Panggilan Perekaman KTP Elektronik" in first
    assert letters[0].number in first and letters[0].nama in first
    assert "3507 11•• •••• " in first and letters[0].nik not in first  # the NIK only masked
    assert "Fotokopi Kartu Keluarga" in first and "Drs. Contoh Camat" in first
    assert "08.30 WIB" in first and tanggal(_appointment().date()) in first
    assert f"Kode surat: {letters[0].token}" in first


def test_a_letter_goes_from_summoned_to_returned(db, tmp_path):
    service, _blobs, config = station(db, tmp_path)
    letter = next(le for le in summons.create_letters(db, "Putukrejo", _appointment(), today=TODAY)
                  if le.nik == MAN_1999)
    queue = QueueService(db)
    with pytest.raises(InvalidInput, match="hanya untuk layanan perekaman"):
        queue.issue("KK", letter=letter.number)
    ticket = queue.issue("EKTP", letter=letter.token)  # the QR code on the letter
    arrived = summons.get_letter(db, letter.number)
    assert arrived.status == "ARRIVED" and arrived.ticket_number == ticket.number and arrived.arrived_at
    with pytest.raises(SummonsError, match="sudah berstatus datang"):
        queue.issue("EKTP", letter=letter.number)
    call = queue.call_next(1)
    called = call.ticket
    assert called.number == ticket.number and call.letter == letter.number
    assert call.to_json()["record_hint"] == (
        f"ektp-station record --simulate --nik NIK --ticket {ticket.number} --letter {letter.number}")
    result, _ = run_one(service, config, MAN_1999, options={"ticket": called.number, "letter": letter.number})
    assert result.status == "BIO_CAPTURED"
    done = summons.get_letter(db, letter.number)
    assert done.status == "RETURNED"
    assert done.arrived_at <= done.recorded_at <= done.returned_at
    listed = {le.number: le.status for le in summons.list_letters(db, desa="Putukrejo")}
    assert listed[letter.number] == "RETURNED" and list(listed.values()).count("SUMMONED") == 5
    assert summons.summary(db)["Putukrejo"] == {"SUMMONED": 5, "ARRIVED": 0, "RECORDED": 0, "RETURNED": 1}


def test_letters_can_be_moved_on_by_hand_but_never_back(db):
    import_csv(db, SAMPLE)
    letters = summons.create_letters(db, "Kalipare", _appointment(), today=TODAY)
    marked = summons.mark(db, letters[0].number, "returned")
    assert marked.status == "RETURNED" and marked.arrived_at == marked.recorded_at == marked.returned_at
    with pytest.raises(SummonsError, match="sudah berstatus"):
        summons.mark(db, letters[0].number, "RECORDED")
    with pytest.raises(InvalidInput, match="tidak dikenal"):
        summons.mark(db, letters[1].number, "HILANG")
    with pytest.raises(UnknownSummons):
        summons.mark(db, "470/999/35.07.11/1999", "ARRIVED")


def test_bad_requests_write_nothing(db):
    import_csv(db, SAMPLE)
    with pytest.raises(InvalidInput, match="tidak ada di Kecamatan Kalipare"):
        summons.create_letters(db, "Kepanjen", _appointment())
    with pytest.raises(InvalidInput, match="sudah lewat"):
        summons.create_letters(db, "Putukrejo", summons.appointment_time(date(2020, 1, 6)))
    with pytest.raises(InvalidInput, match="Jam tidak valid"):
        summons.appointment_time(TODAY, "pagi")

    def broken_pdf(_letters):
        raise SummonsError("printer PDF rusak")

    with pytest.raises(SummonsError):
        summons.create_letters(db, "Putukrejo", _appointment(), today=TODAY, on_created=broken_pdf)
    assert summons.list_letters(db) == []


def test_cli_makes_the_letters_and_their_pdf(database_url, run_cli, tmp_path):
    from ektp_station.db.engine import Database

    database = Database(database_url)
    import_csv(database, SAMPLE)
    database.dispose()
    out = tmp_path / "surat" / "kalirejo.pdf"
    day = (utcnow().date() + timedelta(days=3)).isoformat()
    code, stdout, stderr = run_cli("queue", "summons", "create", "--desa", "Kalirejo", "--date", day,
                                   "--out", str(out), "--json")
    assert code == 0, stderr
    data = json.loads(stdout)
    assert data["count"] >= 1 and data["pdf"] == str(out)
    assert len(PdfReader(str(out)).pages) == data["count"]
    code, stdout, _ = run_cli("queue", "summons", "list", "--desa", "kalirejo")
    assert code == 0 and "Dipanggil" in stdout and "••" in stdout
    code, _, stderr = run_cli("queue", "summons", "create", "--desa", "Atlantis", "--date", day)
    assert code == 2 and stderr.startswith("galat: Desa 'Atlantis' tidak ada") and stderr.count("\n") == 1
