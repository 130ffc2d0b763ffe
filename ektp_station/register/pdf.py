"""Shared PDF pieces (fpdf2): the page with a Unicode font, the kecamatan letterhead, QR codes, small tables.

Fonts: DejaVu Sans from ``$EKTP_PDF_FONT_DIR`` or the Debian package ``fonts-dejavu-core``
(``/usr/share/fonts/truetype/dejavu``). Without them the core Helvetica font is used and characters outside
Latin-1 (the masking bullet "•", dashes) are replaced by close ASCII ones, so a printout never fails on a font.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import segno
from fpdf import FPDF

from ektp_station.register.office import Office

PAGE_SIZES = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
_ASCII = str.maketrans({"•": "*", "–": "-", "—": "-", "±": "+/-", "“": '"', "”": '"', "’": "'", "≤": "<=",
                        "≥": ">="})


def font_dir() -> Path | None:
    candidates = [os.environ.get("EKTP_PDF_FONT_DIR", ""), *FONT_DIRS]
    for candidate in candidates:
        if candidate and all((Path(candidate) / name).is_file() for name in FONT_FILES.values()):
            return Path(candidate)
    return None


class Document(FPDF):
    """An A4 (or A5) page set up with the station's font and metadata."""

    def __init__(self, title: str, *, page_format: str = "A4", orientation: str = "portrait"):
        size = PAGE_SIZES[page_format]
        super().__init__(orientation=orientation, unit="mm", format=size)
        self.set_margins(20, 15, 20)
        self.set_auto_page_break(True, margin=18)
        directory = font_dir()
        if directory is not None:
            for style, name in FONT_FILES.items():
                self.add_font("station", style, str(directory / name))
            self.family = "station"
        else:
            self.family = "helvetica"
        self.set_title(title)
        self.set_creator("ektp-station (Kecamatan Kalipare)")
        self.set_author("Kecamatan Kalipare")
        self.add_page()
        self.font(10)

    def normalize_text(self, text: str) -> str:
        if not self.is_ttf_font:
            text = text.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")
        return super().normalize_text(text)

    def font(self, size: float, style: str = "") -> None:
        self.set_font(self.family, style, size)

    def bytes(self) -> bytes:
        return bytes(self.output())


def letterhead(pdf: Document, office: Office, *, compact: bool = False) -> None:
    """PEMERINTAH KABUPATEN MALANG / KECAMATAN KALIPARE / address, and the double rule under it."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.font(11 if compact else 13, "B")
    pdf.cell(width, 6, office.government, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.font(13 if compact else 16, "B")
    pdf.cell(width, 7, office.office, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.font(8 if compact else 9)
    pdf.multi_cell(width, 4.5, office.address, align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 1.5
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y + 1.2, pdf.w - pdf.r_margin, y + 1.2)
    pdf.set_y(y + 4)


def qr_png(payload: str, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def place_qr(pdf: Document, payload: str, x: float, y: float, size: float) -> None:
    pdf.image(io.BytesIO(qr_png(payload)), x=x, y=y, w=size, h=size)


def key_values(pdf: Document, rows: list[tuple[str, str]], *, label_width: float = 48, size: float = 10,
               line: float = 5.5) -> None:
    """``label : value`` rows; long values wrap under themselves."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for label, value in rows:
        pdf.font(size)
        y = pdf.get_y()
        pdf.set_x(pdf.l_margin)
        pdf.cell(label_width, line, label)
        pdf.cell(4, line, ":")
        pdf.multi_cell(width - label_width - 4, line, value or "-", new_x="LMARGIN", new_y="NEXT")
        if pdf.get_y() < y + line:
            pdf.set_y(y + line)


def paragraph(pdf: Document, text: str, *, size: float = 10, line: float = 5.5, style: str = "",
              align: str = "J") -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.font(size, style)
    pdf.multi_cell(width, line, text, align=align, new_x="LMARGIN", new_y="NEXT")
