"""The return slip (tanda pengembalian berkas) printed when a file is incomplete: what is missing, and how to
come back. The application stays in the register as BERKAS_KURANG under the slip's file number and reopens when
the applicant returns with the missing documents."""

from __future__ import annotations

from datetime import datetime

from ektp_station.nik import mask_nik
from ektp_station.register import indo
from ektp_station.register.models import Application
from ektp_station.register.office import Office
from ektp_station.register.pdf import Document, key_values, letterhead, paragraph
from ektp_station.register.requirements import Requirement
from ektp_station.register.services import ServiceDef


def render_return_slip_pdf(*, office: Office, app: Application, service: ServiceDef, checked_at: datetime,
                           missing: tuple[Requirement, ...], present: tuple[Requirement, ...],
                           officer: str | None) -> bytes:
    pdf = Document(f"Pengembalian berkas {app.id}", page_format="A5")
    pdf.set_margins(12, 10, 12)
    pdf.set_xy(12, 10)
    letterhead(pdf, office, compact=True)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.font(11, "B")
    pdf.multi_cell(width, 6, "TANDA PENGEMBALIAN BERKAS\n(PERSYARATAN BELUM LENGKAP)", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    key_values(pdf, [
        ("Nomor berkas", app.id),
        ("Layanan", service.name),
        ("Diperiksa", indo.waktu(checked_at)),
        ("Nama pemohon", app.nama),
        ("NIK", mask_nik(app.nik)),
        ("Desa", app.desa or "-"),
    ], label_width=30, size=9, line=5)
    pdf.ln(2)
    pdf.font(9, "B")
    pdf.cell(width, 5, "Persyaratan yang belum ada:", new_x="LMARGIN", new_y="NEXT")
    pdf.font(9)
    for index, item in enumerate(missing, start=1):
        pdf.multi_cell(width, 4.5, f"{index}. {item.label}", new_x="LMARGIN", new_y="NEXT")
    if present:
        pdf.ln(1)
        pdf.font(9, "B")
        pdf.cell(width, 5, "Sudah diserahkan:", new_x="LMARGIN", new_y="NEXT")
        pdf.font(9)
        for item in present:
            pdf.multi_cell(width, 4.5, f"- {item.label}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    paragraph(pdf, f"Berkas dikembalikan kepada pemohon. Silakan datang kembali dengan persyaratan di atas dan "
                   f"tunjukkan nomor berkas {app.id}; permohonan dilanjutkan tanpa mengisi ulang.",
              size=8.5, line=4.5)
    pdf.ln(4)
    pdf.set_x(pdf.w - pdf.r_margin - 55)
    pdf.cell(55, 5, "Petugas Loket,", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_x(pdf.w - pdf.r_margin - 55)
    pdf.cell(55, 5, f"({officer or '....................'})", align="C", new_x="LMARGIN", new_y="NEXT")
    return pdf.bytes()
