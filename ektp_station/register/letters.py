"""Outgoing letters: the placeholder values of an application, and the letter as PDF.

The text comes from the service's template (``templates.py``) filled with :func:`letter_values`; the filled
text is stored with the letter when it is issued (and re-filled at a correction or at signing, when the signer
is known), so a later template edit never changes a letter already issued. The PDF carries the letterhead, the
official number, the body, the signer block (signer's name, position and NIP as snapshotted at signing, "a.n.
Camat" for a stand-in) and a QR code with the number and a random verification code. An unsigned letter is
marked KONSEP.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ektp_station.register import indo
from ektp_station.register.models import Application, Letter
from ektp_station.register.office import Office
from ektp_station.register.pdf import Document, key_values, letterhead, paragraph, place_qr
from ektp_station.register.services import ServiceDef
from ektp_station.register.templates import RenderedLetter

QR_PREFIX = "EKTP-SURAT"


def _display(field_type: str, value: Any) -> str:
    if value is None:
        return ""
    if field_type == "date":
        return indo.tanggal(value)
    if field_type == "bool":
        return "ya" if value else "tidak"
    if field_type == "rupiah":
        return indo.rupiah(value)
    if field_type == "nik_list":
        return ", ".join(value)
    if field_type == "choice":
        return str(value).replace("_", " ")
    return str(value)


def letter_values(*, app: Application, service: ServiceDef, resident: dict[str, Any] | None, number: str,
                  day: date, signer_title: str, visit: dict[str, Any] | None = None,
                  extras: dict[str, Any] | None = None) -> dict[str, str]:
    """Every placeholder a template of ``service`` may use, as printed text."""
    person = resident or {}
    values = {
        "nama": app.nama,
        "nik": app.nik,
        "alamat": app.alamat or person.get("alamat") or "-",
        "desa": app.desa or person.get("desa") or "-",
        "tempat_lahir": person.get("tempat_lahir") or "-",
        "tanggal_lahir": indo.tanggal(person.get("tanggal_lahir")) if person.get("tanggal_lahir") else "-",
        "jenis_kelamin": {"L": "Laki-laki", "P": "Perempuan"}.get(person.get("jenis_kelamin") or "", "-"),
        "pekerjaan": person.get("pekerjaan") or "-",
        "agama": person.get("agama") or "-",
        "status_kawin": person.get("status_kawin") or "-",
        "nomor": number,
        "tanggal": indo.tanggal(day),
        "tahun": str(day.year),
        "nomor_register": app.register_number or "-",
        "jabatan_penandatangan": signer_title,
    }
    for field in service.fields:
        values[field.name] = _display(field.type, app.details.get(field.name))
    extras = extras or {}
    if service.site_visit and visit:
        values.update({
            "kunjungan_petugas": visit["officer"],
            "kunjungan_tanggal": indo.tanggal(visit["visit_date"]),
            "kunjungan_lokasi": visit["location"],
            "kunjungan_catatan": visit.get("notes") or "",
        })
    if service.legalised_copies is not None:
        values["salinan"] = str(extras.get("salinan", service.legalised_copies))
    if service.withdraws_documents:
        values["penarikan"] = (
            "KTP-el dan Kartu Keluarga asli pemohon telah ditarik (dicabut) oleh Kecamatan Kalipare."
            if extras.get("ktp_ditarik") and extras.get("kk_ditarik") else ""
        )
    return values


def qr_payload(letter: Letter) -> str:
    return f"{QR_PREFIX}:{letter.number}:{letter.verify_code}"


def _signature_block(pdf: Document, office: Office, letter: Letter, *, with_date: bool) -> None:
    x = pdf.w - pdf.r_margin - 80
    width = 80
    pdf.ln(6)
    pdf.font(10)
    if with_date:
        pdf.set_x(x)
        pdf.cell(width, 5.5, f"{office.place}, {indo.tanggal(letter.signed_at or letter.issued_at)}",
                 new_x="LMARGIN", new_y="NEXT")
    if letter.on_behalf:
        pdf.set_x(x)
        pdf.cell(width, 5.5, letter.on_behalf, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(x)
    if letter.signed_at is None:
        pdf.font(10, "I")
        pdf.multi_cell(width, 5.5, "(belum ditandatangani)", new_x="LMARGIN", new_y="NEXT")
        return
    pdf.multi_cell(width, 5.5, letter.signer_title or "", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(18)
    pdf.set_x(x)
    pdf.font(10, "BU")
    pdf.multi_cell(width, 5.5, letter.signer_name or "", new_x="LMARGIN", new_y="NEXT")
    pdf.font(10)
    pdf.set_x(x)
    pdf.cell(width, 5.5, f"NIP. {letter.signer_nip or '-'}", new_x="LMARGIN", new_y="NEXT")


def render_letter_pdf(*, office: Office, letter: Letter, service: ServiceDef) -> bytes:
    text = RenderedLetter.from_json(letter.content["rendered"])
    pdf = Document(f"{service.name} {letter.number}")
    letterhead(pdf, office)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if letter.signed_at is None:
        pdf.font(9, "B")
        pdf.set_text_color(170, 0, 0)
        pdf.cell(width, 5, "KONSEP - belum ditandatangani", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    if text.layout == "keterangan":
        pdf.ln(2)
        pdf.font(12, "BU")
        pdf.multi_cell(width, 6, text.title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.font(10)
        pdf.cell(width, 6, f"Nomor: {letter.number}", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    else:
        pdf.font(10)
        pdf.cell(width, 5.5, f"{office.place}, {indo.tanggal(letter.issued_at)}", align="R",
                 new_x="LMARGIN", new_y="NEXT")
        key_values(pdf, [("Nomor", letter.number), ("Sifat", "Biasa"), ("Lampiran", "1 (satu) berkas"),
                         ("Perihal", text.subject)], label_width=22)
        pdf.ln(3)
        pdf.set_x(pdf.w / 2)
        pdf.cell(width / 2, 5.5, "Kepada", new_x="LMARGIN", new_y="NEXT")
        for line in ("Yth. " + text.addressee[0], *text.addressee[1:]) if text.addressee else ():
            pdf.set_x(pdf.w / 2)
            pdf.multi_cell(width / 2, 5.5, line, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    paragraph(pdf, text.opening)
    pdf.ln(1)
    pdf.set_left_margin(pdf.l_margin + 8)
    pdf.font(10)
    label_width = min(64.0, max([30.0] + [pdf.get_string_width(label) + 3 for label, _ in text.identity]))
    key_values(pdf, list(text.identity), label_width=label_width)
    pdf.set_left_margin(pdf.l_margin - 8)
    pdf.ln(1)
    for body in text.paragraphs:
        paragraph(pdf, body)
        pdf.ln(1)
    paragraph(pdf, text.closing)
    if pdf.get_y() > pdf.h - 75:
        pdf.add_page()
    top = pdf.get_y()
    _signature_block(pdf, office, letter, with_date=text.layout == "keterangan")
    qr_y = top + 8  # beside the signer block, left margin
    place_qr(pdf, qr_payload(letter), pdf.l_margin, qr_y, 26)
    pdf.set_xy(pdf.l_margin, qr_y + 27)
    pdf.font(7)
    pdf.multi_cell(60, 3.5, f"Verifikasi: {letter.verify_code}\nRegister: {text_register(letter)}",
                   new_x="LMARGIN", new_y="NEXT")
    return pdf.bytes()


def text_register(letter: Letter) -> str:
    return str((letter.content.get("values") or {}).get("nomor_register", "-"))
