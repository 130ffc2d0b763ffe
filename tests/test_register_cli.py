"""``ektp-station register …``: the whole workflow from the command line, JSON output, printouts, reports, and
user errors as one line on stderr with a non-zero exit. SQLite and PostgreSQL."""

from __future__ import annotations

import json

import openpyxl
import pytest

from ektp_station.db.engine import Database
from ektp_station.residents import import_csv
from tests.test_register_support import SAMPLE_CSV, SITI, backend, pdf_text, render_png


@pytest.fixture
def cli(run_cli, database_url):
    database = Database(database_url)
    import_csv(database, SAMPLE_CSV)
    database.dispose()

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli("register", *args)

    return run


def _json(result: tuple[int, str, str]) -> dict:
    code, out, err = result
    assert (code, err) == (0, ""), err
    return json.loads(out)


def test_whole_workflow_from_the_command_line(cli, tmp_path, artifacts_dir, request):
    app = _json(cli("intake", "--service", "skck", "--nik", "3507.1155.0199.0001", "--field",
                    "keperluan=Melamar pekerjaan", "--officer", "Rina", "--at", "2026-11-23T08:00", "--json"))
    assert (app["service"], app["nik"], app["nama"], app["state"]) == ("SKCK", SITI, "SITI AMINAH", "DITERIMA")
    app_id = app["id"]

    slip = tmp_path / "kembali.pdf"
    returned = _json(cli("check", app_id, "--present", "pengantar_desa,fc_ktp", "--present", "fc_kk",
                         "--at", "2026-11-23T08:04", "--pdf", str(slip), "--json"))
    assert returned["state"] == "BERKAS_KURANG" and returned["pdf"] == str(slip)
    assert [m["code"] for m in returned["check"]["kurang"]] == ["fc_akta_ijazah", "pas_foto"]
    assert app_id in pdf_text(slip.read_bytes())

    receipt = tmp_path / "terima.pdf"
    code, out, err = cli("check", app_id, "--all", "--at", "2026-11-24T09:00", "--pdf", str(receipt))
    assert (code, err) == (0, "")
    assert "Lengkap. Nomor register 0001/SKCK/2026" in out and str(receipt) in out
    verify_code = out.split("kode verifikasi ")[1].split(".")[0]

    issued = _json(cli("issue", "0001/SKCK/2026", "--set", "keperluan=Melamar CPNS", "--at", "2026-11-24T09:10",
                       "--pdf", str(tmp_path / "konsep.pdf"), "--json"))
    assert issued["letter"]["number"] == "300/1/35.07.11/2026"
    assert "KONSEP" in pdf_text((tmp_path / "konsep.pdf").read_bytes())
    signed = _json(cli("sign", app_id, "--signer", "Camat", "--at", "2026-11-24T09:14",
                       "--pdf", str(tmp_path / "surat.pdf"), "--json"))
    assert signed["state"] == "SIAP_DIAMBIL"
    letter_text = pdf_text((tmp_path / "surat.pdf").read_bytes())
    assert "300/1/35.07.11/2026" in letter_text and "SITI AMINAH" in letter_text and "Melamar CPNS" in letter_text
    for name in ("kembali", "terima", "konsep", "surat"):
        render_png((tmp_path / f"{name}.pdf").read_bytes(), artifacts_dir / "register",
                   f"{backend(request)}-cli-{name}", dpi=60)

    code, out, err = cli("handover", "300/1/35.07.11/2026", "--receipt-code", "SALAHKODE1")
    assert code == 2 and out == "" and err == "galat: Kode tanda terima tidak cocok dengan berkas ini.\n"
    handed = _json(cli("handover", app_id, "--receipt-code", verify_code, "--arrived-at", "2026-11-25T10:00",
                       "--at", "2026-11-25T10:03", "--json"))
    token = handed["skm"]["token"]
    assert _json(cli("skm", "--token", token, "--answers", "4,4,4,4,4,4,4,4,3", "--json"))["recorded"] is True

    shown = _json(cli("show", app_id, "--json"))
    assert [s["kind"] for s in shown["pending_steps"]] == ["report"]
    code, out, err = cli("show", "0001/SKCK/2026")
    assert code == 0 and "LEWAT STANDAR" not in out.split("handover")[1].splitlines()[0]
    assert "register_review" in out and "(belum)" in out

    code, out, err = cli("list")
    assert code == 0 and "3507 11•• •••• 0001" in out and SITI not in out

    xlsx, csv_path, pdf = tmp_path / "lap.xlsx", tmp_path / "lap.csv", tmp_path / "lap.pdf"
    report = _json(cli("report", "--week", "2026-W48", "--pdf", str(pdf), "--xlsx", str(xlsx), "--csv",
                       str(csv_path), "--submit", "--officer", "Rina", "--json"))
    skck = next(b for b in report["services"] if b["code"] == "SKCK")
    assert skck["counts"]["DISERAHKAN"] == 1 and skck["returned_incomplete"] == 1
    assert next(s for s in report["submitted"] if s["service"] == "SKCK")["entries"] == ["0001/SKCK/2026"]
    assert "LAPORAN MINGGUAN" in pdf_text(pdf.read_bytes())
    assert openpyxl.load_workbook(xlsx).sheetnames == ["Ringkasan", "Waktu Langkah"]
    assert "2026-W48,SKCK,status,DISERAHKAN,1" in csv_path.read_text(encoding="utf-8")
    assert _json(cli("show", app_id, "--json"))["pending_steps"] == []

    monthly = _json(cli("report", "--month", "2026-11", "--service", "SKCK", "--json"))
    assert monthly["skm"]["overall"]["ikm"] == 97.22 and monthly["skm"]["overall"]["mutu"] == "A"
    code, out, err = cli("report", "--month", "2026-11")
    assert code == 0 and "IKM semua layanan: 97.22 (A, Sangat Baik)" in out


@pytest.mark.parametrize("args, exit_code, message", [
    (("intake", "--service", "SKCK", "--nik", "3507112902010001", "--field", "keperluan=x"), 1,
     "galat: Tanggal lahir pada NIK"),
    (("intake", "--service", "KTP", "--nik", SITI), 2, "galat: Layanan 'KTP' tidak dikenal"),
    (("intake", "--service", "SKCK", "--nik", SITI, "--field", "keperluan"), 2, "NAMA=NILAI"),
    (("intake", "--service", "SKCK", "--nik", SITI), 2, "galat: Isian wajib 'keperluan'"),
    (("intake", "--service", "SKCK", "--nik", SITI, "--field", "keperluan=x", "--at", "kemarin"), 2,
     "bukan waktu ISO"),
    (("show", "0009/SKU/2026"), 2, "galat: Berkas tidak ditemukan: 0009/SKU/2026"),
    (("report", "--week", "W48"), 2, "galat: Minggu tidak valid"),
    (("verify", "ABC"), 2, "galat: Kode verifikasi tidak dikenal."),
])
def test_user_errors_are_one_line(cli, args, exit_code, message):
    code, out, err = cli(*args)
    assert code == exit_code and out == ""
    assert message in err and err.count("\n") <= 2


def test_services_listing(cli):
    listing = _json(cli("services", "--json"))
    assert [s["code"] for s in listing][:3] == ["KK", "PINDAH", "SKCK"]
    sku = next(s for s in listing if s["code"] == "SKU")
    assert sku["steps"][3]["standard_minutes"] == 120.0 and sku["site_visit"] is True
    code, out, err = cli("services")
    assert code == 0 and "Surat Keterangan Usaha" in out


def test_sku_site_visit_with_photo_files(cli, tmp_path):
    photo = tmp_path / "toko.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + bytes(32))
    app = _json(cli("intake", "--service", "SKU", "--nik", SITI, "--field", "nama_usaha=Toko", "--field",
                    "jenis_usaha=Kelontong", "--field", "alamat_usaha=Krajan", "--at", "2026-11-23T08:00", "--json"))
    _json(cli("check", app["id"], "--all", "--at", "2026-11-23T08:05", "--json"))
    code, out, err = cli("issue", app["id"])
    assert code == 2 and "catat dulu peninjauan lokasi" in err
    code, out, err = cli("visit", app["id"], "--officer", "Budi", "--date", "2026-11-23", "--location", "Krajan",
                         "--photo", str(photo), "--at", "2026-11-23T09:00")
    assert code == 0 and "1 foto" in out
    assert _json(cli("issue", app["id"], "--at", "2026-11-23T09:30", "--json"))["state"] == "MENUNGGU_TTD"
    code, out, err = cli("sign", app["id"], "--signer", "Sekcam", "--at", "2026-11-23T10:00")
    assert code == 2 and "atas nama Camat" in err
    code, out, err = cli("sign", app["id"], "--signer", "Sekcam", "--camat-away", "Rapat di kabupaten",
                         "--at", "2026-11-23T10:00")
    assert code == 0 and "a.n. Camat Kalipare" in out
    out_pdf = tmp_path / "ulang.pdf"
    code, out, err = cli("print", app["id"], "letter", "--out", str(out_pdf))
    assert code == 0 and "500.2/1/35.07.11/2026" in pdf_text(out_pdf.read_bytes())


def test_an_unwritable_printout_is_one_line_and_the_check_stays_recorded(cli, tmp_path):
    app = _json(cli("intake", "--service", "SKCK", "--nik", SITI, "--field", "keperluan=x", "--json"))
    blocked = tmp_path / "bukan-folder"
    blocked.write_text("x")
    code, out, err = cli("check", app["id"], "--all", "--pdf", str(blocked / "terima.pdf"))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "tidak dapat ditulis" in err and "register print" in err
    assert _json(cli("show", app["id"], "--json"))["state"] == "DIPERIKSA"
    code, out, err = cli("print", app["id"], "receipt", "--out", str(tmp_path / "ulang.pdf"))
    assert code == 0 and "0001/SKCK/2026" in pdf_text((tmp_path / "ulang.pdf").read_bytes())
