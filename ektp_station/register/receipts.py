"""The tanda terima (receipt) handed over when a complete file enters the register book.

It carries the register number, the documents received and a QR code whose payload is
``EKTP-REG:<register number>:<verification code>``. The verification code is random (never derived from the NIK);
the applicant returns the receipt at hand-over, where the code is checked. The NIK is printed masked.
"""

from __future__ import annotations

from ektp_station.nik import mask_nik
from ektp_station.register import indo
from ektp_station.register.models import Application
from ektp_station.register.office import Office
from ektp_station.register.pdf import Document, key_values, letterhead, paragraph, place_qr
from ektp_station.register.requirements import Requirement
from ektp_station.register.services import ServiceDef

QR_PREFIX = "EKTP-REG"


def qr_payload(app: Application) -> str:
    return f"{QR_PREFIX}:{app.register_number}:{app.verify_code}"


def render_receipt_pdf(*, office: Office, app: Application, service: ServiceDef,
                       received: tuple[Requirement, ...]) -> bytes:
    pdf = Document(f"Tanda terima {app.register_number}", page_format="A5")
    pdf.set_margins(12, 10, 12)
    pdf.set_xy(12, 10)
    letterhead(pdf, office, compact=True)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.font(11, "B")
    pdf.cell(width, 6, "TANDA TERIMA BERKAS PERMOHONAN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.font(10)
    pdf.cell(width, 5.5, f"Nomor register: {app.register_number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    qr_top = pdf.get_y()
    place_qr(pdf, qr_payload(app), pdf.w - pdf.r_margin - 30, qr_top, 30)
    pdf.set_right_margin(pdf.r_margin + 32)
    key_values(pdf, [
        ("Layanan", service.name),
        ("Diterima", indo.waktu(app.registered_at or app.received_at)),
        ("Nama pemohon", app.nama),
        ("NIK", mask_nik(app.nik)),
        ("Desa", app.desa or "-"),
        ("Nomor berkas", app.id),
        ("Kode verifikasi", app.verify_code),
    ], label_width=30, size=9, line=5)
    pdf.set_right_margin(12)
    pdf.set_y(max(pdf.get_y(), qr_top + 32))
    pdf.font(9, "B")
    pdf.cell(width, 5, "Berkas yang diterima:", new_x="LMARGIN", new_y="NEXT")
    pdf.font(9)
    for index, item in enumerate(received, start=1):
        pdf.multi_cell(width, 4.5, f"{index}. {item.label}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    paragraph(pdf, f"Waktu layanan sesuai SOP: {indo.menit(service.total_standard_minutes)} menit kerja. "
                   "Tanda terima ini wajib dibawa dan dikembalikan saat pengambilan surat.", size=8.5, line=4.5)
    pdf.ln(4)
    pdf.set_x(pdf.w - pdf.r_margin - 55)
    pdf.cell(55, 5, "Petugas Loket,", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    pdf.set_x(pdf.w - pdf.r_margin - 55)
    pdf.cell(55, 5, f"({app.officer or '....................'})", align="C", new_x="LMARGIN", new_y="NEXT")
    return pdf.bytes()
