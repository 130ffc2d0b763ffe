"""Every one of the ten services end to end, on SQLite and PostgreSQL: the complete path (intake → check →
register + receipt → issue → sign → hand-over → archive → weekly report) and the return-incomplete path
(return slip, kept as BERKAS_KURANG, reopened). Every PDF is rendered to PNG with pdftoppm under
test-artifacts/register/ and checked for its number and its applicant."""

from __future__ import annotations

import re

import pytest

from ektp_station.register.service import Photo, RegisterService
from ektp_station.residents import import_csv
from ektp_station.sop.catalogue import load_catalogue
from tests.test_register_support import (
    DETAILS,
    PNG_PHOTO,
    SAMPLE_CSV,
    SERVICES,
    SITI,
    T0,
    backend,
    decode_qr,
    minutes,
    pdf_text,
    render_png,
)

LETTER_CODES_2022 = {"KK": "400.12.2.1", "PINDAH": "400.12.2.2", "SKCK": "300", "AK1": "500.15.9", "SKU": "500.2",
                     "WARIS": "400.12.3.1", "LEGALISASI": "000.5", "KERAMAIAN": "300", "DISPNIKAH": "400.12.3.2",
                     "PROPOSAL": "400"}


@pytest.fixture
def register(db):
    import_csv(db, SAMPLE_CSV)
    return RegisterService(db)


def _complete_path(register: RegisterService, code: str, folder, stem: str) -> dict:
    """Run one application of ``code`` to the end with realistic step times; returns the final view."""
    app = register.intake(code, SITI, details=DETAILS[code], officer="Rina", arrived_at=T0, at=T0 + minutes(4))
    assert app["state"] == "DITERIMA"
    assert app["nama"] == "SITI AMINAH" and app["desa"] == "Putukrejo"
    checked = register.check(app["id"], all_present=True, officer="Rina", at=T0 + minutes(8))
    assert checked["state"] == "DIPERIKSA"
    assert checked["register_number"] == f"0001/{code}/2026"

    number, receipt = register.receipt_pdf(app["id"])
    pages = render_png(receipt, folder, f"{stem}-tanda-terima", dpi=150)
    text = pdf_text(receipt)
    assert number in text and "SITI AMINAH" in text
    assert "3507 11•• •••• 0001" in text and SITI not in text  # the receipt shows the NIK masked
    payload = decode_qr(pages[0])
    assert payload == f"EKTP-REG:0001/{code}/2026:{checked['receipt']['verify_code']}"
    receipt_code = payload.rsplit(":", 1)[1]

    if code == "SKU":
        register.record_visit(app["id"], officer="Budi", visit_date="2026-11-23", location="Dusun Krajan RT 002",
                              photos=[Photo("toko.png", PNG_PHOTO)], at=T0 + minutes(60))
    issued = register.issue(app["id"], officer="Kasi", ktp_withdrawn=code == "PINDAH", kk_withdrawn=code == "PINDAH",
                            at=T0 + minutes(70))
    assert issued["state"] == "MENUNGGU_TTD"
    letter_number = issued["letter"]["number"]
    assert re.fullmatch(rf"{re.escape(LETTER_CODES_2022[code])}/1/35\.07\.11/2026", letter_number)

    signer = register.data.signers[register.data.service(code).signers[0]]
    signed = register.sign(app["id"], signer.short, at=T0 + minutes(75))
    assert signed["state"] == "SIAP_DIAMBIL"
    assert signed["letter"]["signer"]["name"] == signer.name
    _number, letter = register.letter_pdf(app["id"])
    pages = render_png(letter, folder, f"{stem}-surat", dpi=150)
    assert decode_qr(pages[0]) == f"EKTP-SURAT:{letter_number}:{signed['letter']['verify_code']}"
    text = pdf_text(letter)
    assert letter_number in text and "SITI AMINAH" in text and signer.name in text
    assert "KONSEP" not in text

    handed = register.handover(app["id"], receipt_code=receipt_code, arrived_at=T0 + minutes(1440),
                               at=T0 + minutes(1443), skm_answers=[4, 4, 3, 4, 4, 4, 4, 3, 4])
    assert handed["state"] == "DISERAHKAN" and handed["skm"] == {"recorded": True}
    archived = register.archive(app["id"], folder=f"{code}-2026", shelf="R1", box="B2", at=T0 + minutes(1446))
    assert archived["state"] == "DIARSIPKAN"
    assert archived["archive"] == {"folder": f"{code}-2026", "shelf": "R1", "box": "B2"}
    if code == "KERAMAIAN":
        assert [s["kind"] for s in archived["pending_steps"]] == ["monitor", "report"]
        register.close_monitoring(app["id"], notes="Kegiatan tertib", at=T0 + minutes(14 * 1440))
    report = register.submit_weekly_report(code, "2026-W48", officer="Rina", at=T0 + minutes(20 * 1440))
    sop = register.data.service(code)
    assert report["entries"] == ([f"0001/{code}/2026"] if sop.has("report") else [])
    return register.show(app["id"])


@pytest.mark.parametrize("code", SERVICES)
def test_complete_path(register, code, artifacts_dir, request):
    folder = artifacts_dir / "register"
    final = _complete_path(register, code, folder, f"{backend(request)}-{code.lower()}")
    sop = load_catalogue().get(code)
    assert final["pending_steps"] == []
    done = [s for s in final["steps"] if s["outcome"] != "kurang"]
    # Every catalogue step is on the timeline once, with the catalogue's standard time.
    assert sorted({s["ordinal"] for s in done}) == [step.ordinal for step in sop.steps]
    for step in done:
        catalogue_step = sop.steps[step["ordinal"] - 1]
        assert step["standard_minutes"] == catalogue_step.standard_minutes
        assert step["actor"] == catalogue_step.actor
        assert step["ended_at"] is not None
    first = next(s for s in done if s["ordinal"] == 1)
    assert first["minutes"] == 4.0 and first["overrun"] is False  # 4 of 5 minutes
    check = next(s for s in done if s["kind"] == "check")
    assert check["minutes"] == 4.0 and check["overrun"] is (sop.steps[1].standard_minutes < 4)
    handover = next(s for s in done if s["kind"] == "handover")
    assert handover["minutes"] == 3.0  # timed from the applicant's arrival, not from the signature
    states = [e["to"] for e in final["events"] if e["to"]]
    expected = ["DITERIMA", "DIPERIKSA", "MENUNGGU_TTD", "SIAP_DIAMBIL", "DISERAHKAN", "DIARSIPKAN"]
    assert states == expected


@pytest.mark.parametrize("code", SERVICES)
def test_return_incomplete_path(register, code, artifacts_dir, request):
    service = register.data.service(code)
    app = register.intake(code, SITI, details=DETAILS[code], officer="Rina", at=T0)
    variant = DETAILS[code].get(service.variant_field) if service.variant_field else None
    required = [r for r in service.requirements if r.required and r.applies(variant)]
    missing = required[-1]
    handed_in = [r.code for r in required[:-1]]
    returned = register.check(app["id"], handed_in, officer="Rina", at=T0 + minutes(5))
    assert returned["state"] == "BERKAS_KURANG"
    assert returned["register_number"] is None and returned["returned_count"] == 1
    assert returned["check"]["kurang"] == [{"code": missing.code, "label": missing.label}]

    number, slip = register.return_slip_pdf(app["id"])
    assert number == app["id"]
    render_png(slip, artifacts_dir / "register", f"{backend(request)}-{code.lower()}-pengembalian")
    text = " ".join(pdf_text(slip).split())
    assert app["id"] in text and "SITI AMINAH" in text
    assert " ".join(missing.label.split())[:40] in text

    # Kept as returned: still in the register list, and found again by its file number.
    listed = register.listing(service=code, state="BERKAS_KURANG")
    assert [row["id"] for row in listed] == [app["id"]]
    assert listed[0]["nik"] == "3507 11•• •••• 0001"

    reopened = register.check(app["id"], handed_in + [missing.code], officer="Rina", at=T0 + minutes(2 * 1440))
    assert reopened["state"] == "DIPERIKSA"
    assert reopened["register_number"] == f"0001/{code}/2026"  # the returned file took no number
    checks = [s for s in reopened["steps"] if s["kind"] == "check"]
    assert [(s["attempt"], s["outcome"]) for s in checks] == [(1, "kurang"), (2, "lengkap")]
    submits = [s for s in reopened["steps"] if s["kind"] == "submit"]
    assert len(submits) == 2 and submits[1]["detail"] == {"diajukan_kembali": True}
    assert checks[1]["minutes"] == 0.0  # the days the applicant was away are not the counter's time
    states = [e["to"] for e in reopened["events"] if e["to"]]
    assert states == ["DITERIMA", "BERKAS_KURANG", "DITERIMA", "DIPERIKSA"]
