"""The Surat Panggilan as PDF (A4, one letter per page), with fpdf2 and the DejaVu fonts (Debian
``fonts-dejavu-core``: the masked NIK needs characters beyond Latin-1).

Each letter names the resident (NIK masked), the day and time to come, what to bring, and carries a QR code of
the letter's random token: the counter scans it when issuing the e-KTP queue ticket (``--letter``).
"""

from __future__ import annotations

import io
from pathlib import Path

from ektp_station.clock import to_wib, utcnow
from ektp_station.queue.dates import jam, tanggal
from ektp_station.queue.errors import SummonsError
from ektp_station.queue.summons import LetterView

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts/dejavu"))


def _font_dir() -> Path:
    for directory in FONT_DIRS:
        if (directory / "DejaVuSans.ttf").exists() and (directory / "DejaVuSans-Bold.ttf").exists():
            return directory
    raise SummonsError("Huruf DejaVu tidak ditemukan; pasang paket Debian fonts-dejavu-core")


def _qr_png(payload: str) -> io.BytesIO:
    import segno

    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=4, border=2)
    out.seek(0)
    return out


def render_letters(letters: list[LetterView], *, office: str = "Kecamatan Kalipare", signer: str = "",
                   signer_title: str = "CAMAT KALIPARE") -> bytes:
    """One PDF with a page per letter."""
    from fpdf import FPDF

    if not letters:
        raise SummonsError("Tidak ada surat panggilan untuk dicetak")
    fonts = _font_dir()
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title("Surat Panggilan Perekaman KTP-el")
    pdf.set_creator("ektp-station")
    made_on = tanggal(to_wib(utcnow()).date(), with_weekday=False)
    width = 170
    for letter in letters:
        pdf.add_page()
        pdf.set_margins(20, 15, 20)
        pdf.set_xy(20, 15)
        pdf.set_font("DejaVu", "B", 13)
        pdf.cell(width, 7, "PEMERINTAH KABUPATEN MALANG", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "B", 16)
        pdf.cell(width, 8, office.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(width, 6, "Kabupaten Malang, Jawa Timur 65166", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_line_width(0.8)
        pdf.line(20, pdf.get_y() + 1, 190, pdf.get_y() + 1)
        pdf.ln(6)
        pdf.set_font("DejaVu", "", 11)
        pdf.cell(width, 6, f"Kalipare, {made_on}", align="R", new_x="LMARGIN", new_y="NEXT")
        for label, value in (("Nomor", letter.number), ("Sifat", "Penting"), ("Lampiran", "-"),
                             ("Perihal", "Panggilan Perekaman KTP Elektronik")):
            pdf.cell(25, 6, label)
            pdf.cell(width - 25, 6, f": {value}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.cell(width, 6, "Kepada Yth.", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(width, 6, f"Sdr/i. {letter.nama}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        pdf.cell(width, 6, f"NIK {letter.nik_masked}", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(width, 6, letter.alamat or f"Desa {letter.desa}", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(width, 6, "di tempat", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.multi_cell(width, 6, (
            "Berdasarkan data kependudukan, Saudara/i telah wajib memiliki KTP Elektronik (KTP-el) tetapi belum "
            "melakukan perekaman. Sehubungan dengan hal tersebut, Saudara/i diminta hadir untuk perekaman data "
            "(pas foto, tanda tangan, sidik jari dan iris mata) pada:"
        ), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        appointment = letter.appointment
        for label, value in (("Hari, tanggal", tanggal(to_wib(appointment).date())), ("Pukul", jam(appointment)),
                             ("Tempat", f"Kantor {office}"), ("Keperluan", "Perekaman KTP-el")):
            pdf.set_x(30)
            pdf.cell(35, 6, label)
            pdf.cell(width - 45, 6, f": {value}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.multi_cell(width, 6, "Dengan membawa:", new_x="LMARGIN", new_y="NEXT")
        for i, item in enumerate(("Surat Panggilan ini", "Fotokopi Kartu Keluarga (KK)"), start=1):
            pdf.set_x(30)
            pdf.cell(width - 10, 6, f"{i}. {item}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.multi_cell(width, 6, (
            "Tunjukkan surat ini di loket untuk mengambil nomor antrean perekaman. Setelah perekaman, surat ini "
            "dikembalikan kepada Saudara/i sebagai bukti untuk mengambil KTP-el. Pelayanan tidak dipungut biaya."
        ), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.multi_cell(width, 6, "Demikian untuk menjadi perhatian dan dilaksanakan.", new_x="LMARGIN",
                       new_y="NEXT")
        top = pdf.get_y() + 6
        pdf.set_xy(115, top)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(75, 6, signer_title, align="C", new_x="LEFT", new_y="NEXT")
        pdf.ln(22)
        pdf.set_x(115)
        pdf.set_font("DejaVu", "B" if signer else "", 11)
        pdf.cell(75, 6, signer or "(..................................)", align="C")
        pdf.image(_qr_png(letter.token), x=20, y=top, w=30, h=30)
        pdf.set_xy(20, top + 31)
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(60, 4, f"Kode surat: {letter.token}")
    return bytes(pdf.output())
