"""Shared helpers of the register tests (no tests here): sample applicants and details per service, fixed
times, PDF → PNG rendering with pdftoppm into test-artifacts/, PDF text and QR decoding."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pypdf

from ektp_station.clock import WIB

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CSV = ROOT / "examples" / "penduduk_contoh.csv"

#: Monday 23 November 2026, 08:00 WIB (ISO week 2026-W48).
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=WIB)

SITI = "3507115501990001"  # SITI AMINAH, Putukrejo (population sample)
SUTRISNO = "3507112104680001"
SUPARMI = "3507114309720002"

SERVICES = ["KK", "PINDAH", "SKCK", "AK1", "SKU", "WARIS", "LEGALISASI", "KERAMAIAN", "DISPNIKAH", "PROPOSAL"]

DETAILS = {
    "KK": {"jenis": "perubahan", "no_kk": "3507111203180001", "keterangan": "Penambahan anggota keluarga"},
    "PINDAH": {"jenis_pindah": "dalam_kabupaten", "no_kk": "3507111203180001",
               "alamat_tujuan": "Jalan Raya Kepanjen 10", "desa_tujuan": "Ardirejo", "kecamatan_tujuan": "Kepanjen",
               "kabupaten_tujuan": "Kabupaten Malang", "provinsi_tujuan": "Jawa Timur",
               "alasan_pindah": "Pekerjaan", "pengikut": SUPARMI},
    "SKCK": {"keperluan": "Melamar pekerjaan"},
    "AK1": {"pendidikan_terakhir": "SMA", "jurusan": "IPA"},
    "SKU": {"nama_usaha": "Toko Aminah", "jenis_usaha": "Toko kelontong", "alamat_usaha": "Dusun Krajan RT 002"},
    "WARIS": {"nama_pewaris": "SUKARDI", "tanggal_meninggal": "2025-03-10",
              "ahli_waris": "SUPARMI (istri); SITI AMINAH (anak)"},
    "LEGALISASI": {"jenis_dokumen": "Surat Keterangan Domisili", "nomor_dokumen": "470/12/35.07.11/2019",
                   "jumlah_salinan": "3"},
    "KERAMAIAN": {"nama_kegiatan": "Pentas Seni Bantengan", "jenis_kegiatan": "Hiburan rakyat",
                  "tempat_kegiatan": "Lapangan Putukrejo", "tanggal_mulai": "2026-12-05",
                  "tanggal_selesai": "2026-12-06", "komersial": "ya", "jumlah_undangan": "300"},
    "DISPNIKAH": {"nama_calon_suami": "AHMAD FAUZI", "nama_calon_istri": "SITI AMINAH",
                  "tanggal_akad": "2026-12-01", "tempat_akad": "KUA Kecamatan Kalipare",
                  "alasan": "Calon suami bertugas ke luar daerah"},
    "PROPOSAL": {"nama_lembaga": "Kelompok Tani Sumber Rejeki", "judul_proposal": "Pengadaan pompa air",
                 "ditujukan_kepada": "Kepala Dinas Pertanian Kabupaten Malang", "nilai_anggaran": "15000000"},
}

#: Smallest PNG: an 8-byte signature and nothing more is enough for the photo type check.
PNG_PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(64)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def backend(request) -> str:
    return request.node.callspec.params.get("database_url", "db")


def pdf_text(data: bytes) -> str:
    import io

    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def render_png(data: bytes, folder: Path, stem: str, *, dpi: int = 110) -> list[Path]:
    """Write ``stem.pdf`` and its pages as ``stem-N.png`` (pdftoppm); returns the PNG paths."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf_path = folder / f"{stem}.pdf"
    pdf_path.write_bytes(data)
    for old in folder.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf_path), str(folder / stem)], check=True,
                   capture_output=True, timeout=60)
    pages = sorted(folder.glob(f"{stem}-*.png"))
    assert pages, f"pdftoppm made no page for {pdf_path}"
    return pages


def decode_qr(png: Path) -> str:
    """The QR payload on a rendered page, as a phone would read it (OpenCV's two detectors, the second when the
    first does not find the code)."""
    import cv2

    image = cv2.imread(str(png))
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text, _points, _raw = detector.detectAndDecode(image)
        if text:
            return text
    return ""
