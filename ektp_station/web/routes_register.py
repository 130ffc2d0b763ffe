"""HTTP API of the counter-service register under ``/api/register`` (the web pages come later).

Every route mirrors an ``ektp-station register …`` command and answers JSON (printouts answer PDF, reports
PDF/XLSX/CSV on request). Errors are ``{"detail": "<one line in Bahasa Indonesia>"}`` with 404 (unknown file or
service), 409 (wrong state), 422 (bad input), 400 (malformed NIK) — see ``web.deps``. Applications are addressed by
their file id; ``GET /api/register/lookup?number=…`` finds one by register or letter number. Lists mask the NIK.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ektp_station.clock import WIB, to_wib, utcnow
from ektp_station.db.engine import Database
from ektp_station.register import report_files, reports
from ektp_station.register.errors import InvalidInput
from ektp_station.register.service import Photo, RegisterService
from ektp_station.web.deps import StationRoute, get_database

router = APIRouter(prefix="/api/register", tags=["register"], route_class=StationRoute)


def _service(db: Database = Depends(get_database)) -> RegisterService:
    return RegisterService(db)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=WIB) if value.tzinfo is None else value


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Timed(_Body):
    officer: str | None = Field(default=None, max_length=80)
    at: datetime | None = Field(default=None, description="Waktu tindakan (bawaan: sekarang); tanpa zona = WIB")


class IntakeRequest(_Timed):
    service: str = Field(max_length=16)
    nik: str = Field(max_length=40)
    nama: str | None = Field(default=None, max_length=120)
    alamat: str | None = Field(default=None, max_length=200)
    desa: str | None = Field(default=None, max_length=80)
    details: dict[str, Any] = Field(default_factory=dict)
    arrived_at: datetime | None = None


class CheckRequest(_Timed):
    present: list[str] = Field(default_factory=list)
    all: bool = False


class ReopenRequest(_Timed):
    arrived_at: datetime | None = None


class PhotoBody(_Body):
    filename: str = Field(max_length=200)
    data_base64: str


class VisitRequest(_Timed):
    visit_date: date
    location: str = Field(max_length=200)
    notes: str | None = Field(default=None, max_length=2000)
    photos: list[PhotoBody] = Field(default_factory=list)


class IssueRequest(_Timed):
    classification: str | None = Field(default=None, max_length=20)
    table: Literal["2012", "2022"] | None = None
    corrections: dict[str, Any] = Field(default_factory=dict)
    ktp_withdrawn: bool = False
    kk_withdrawn: bool = False
    copies: int | None = None


class SignRequest(_Timed):
    signer: str = Field(max_length=40)
    signer_name: str | None = Field(default=None, max_length=120)
    camat_away_reason: str | None = Field(default=None, max_length=500)


class HandoverRequest(_Timed):
    receipt_code: str | None = Field(default=None, max_length=20)
    receipt_lost_reason: str | None = Field(default=None, max_length=500)
    skm: list[int] | None = None
    arrived_at: datetime | None = None


class ArchiveRequest(_Timed):
    folder: str = Field(max_length=40)
    shelf: str = Field(max_length=40)
    box: str = Field(max_length=40)


class MonitorRequest(_Timed):
    notes: str = Field(max_length=2000)


class CancelRequest(_Timed):
    reason: str = Field(max_length=500)


class SkmRequest(_Body):
    token: str = Field(max_length=64)
    answers: list[int]


class SubmitReportRequest(_Body):
    week: str = Field(max_length=12)
    services: list[str] = Field(default_factory=list)
    officer: str | None = Field(default=None, max_length=80)
    started_at: datetime | None = None
    at: datetime | None = None


def _pdf(data: bytes, name: str) -> Response:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{safe}.pdf"'})


@router.get("/services")
def services(service: RegisterService = Depends(_service)) -> list[dict[str, Any]]:
    return [definition.to_json() for definition in service.data.services.values()]


@router.get("/applications")
def listing(service_code: str | None = Query(default=None, alias="service"), state: str | None = None,
            limit: int = Query(default=50, ge=1, le=1000),
            service: RegisterService = Depends(_service)) -> list[dict[str, Any]]:
    return service.listing(service=service_code, state=state, limit=limit)


@router.post("/applications", status_code=201)
def intake(body: IntakeRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.intake(body.service, body.nik, nama=body.nama, alamat=body.alamat, desa=body.desa,
                          details=body.details, officer=body.officer, arrived_at=_aware(body.arrived_at),
                          at=_aware(body.at))


@router.get("/lookup")
def lookup(number: str = Query(max_length=64), service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.show(number)


@router.get("/applications/{app_id}")
def show(app_id: str, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.show(app_id)


@router.post("/applications/{app_id}/check")
def check(app_id: str, body: CheckRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.check(app_id, body.present, all_present=body.all, officer=body.officer, at=_aware(body.at))


@router.post("/applications/{app_id}/reopen")
def reopen(app_id: str, body: ReopenRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.reopen(app_id, officer=body.officer, arrived_at=_aware(body.arrived_at), at=_aware(body.at))


@router.post("/applications/{app_id}/visit")
def visit(app_id: str, body: VisitRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    photos = []
    for photo in body.photos:
        try:
            photos.append(Photo(photo.filename, base64.b64decode(photo.data_base64, validate=True)))
        except (binascii.Error, ValueError):
            raise InvalidInput(f"Foto {photo.filename}: data_base64 bukan base64 yang sah.") from None
    return service.record_visit(app_id, officer=body.officer or "", visit_date=body.visit_date,
                                location=body.location, notes=body.notes, photos=photos, at=_aware(body.at))


@router.post("/applications/{app_id}/issue")
def issue(app_id: str, body: IssueRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.issue(app_id, classification=body.classification, table=body.table,
                         corrections=body.corrections, ktp_withdrawn=body.ktp_withdrawn,
                         kk_withdrawn=body.kk_withdrawn, copies=body.copies, officer=body.officer, at=_aware(body.at))


@router.post("/applications/{app_id}/sign")
def sign(app_id: str, body: SignRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.sign(app_id, body.signer, signer_name=body.signer_name, camat_away_reason=body.camat_away_reason,
                        officer=body.officer, at=_aware(body.at))


@router.post("/applications/{app_id}/handover")
def handover(app_id: str, body: HandoverRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.handover(app_id, receipt_code=body.receipt_code, receipt_lost_reason=body.receipt_lost_reason,
                            skm_answers=body.skm, officer=body.officer, arrived_at=_aware(body.arrived_at),
                            at=_aware(body.at))


@router.post("/applications/{app_id}/archive")
def archive(app_id: str, body: ArchiveRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.archive(app_id, folder=body.folder, shelf=body.shelf, box=body.box, officer=body.officer,
                           at=_aware(body.at))


@router.post("/applications/{app_id}/monitor")
def monitor(app_id: str, body: MonitorRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.close_monitoring(app_id, notes=body.notes, officer=body.officer, at=_aware(body.at))


@router.post("/applications/{app_id}/cancel")
def cancel(app_id: str, body: CancelRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.cancel(app_id, reason=body.reason, officer=body.officer, at=_aware(body.at))


@router.get("/applications/{app_id}/receipt.pdf")
def receipt_pdf(app_id: str, service: RegisterService = Depends(_service)) -> Response:
    number, data = service.receipt_pdf(app_id)
    return _pdf(data, f"tanda-terima-{number}")


@router.get("/applications/{app_id}/return-slip.pdf")
def return_slip_pdf(app_id: str, service: RegisterService = Depends(_service)) -> Response:
    number, data = service.return_slip_pdf(app_id)
    return _pdf(data, f"pengembalian-{number}")


@router.get("/applications/{app_id}/letter.pdf")
def letter_pdf(app_id: str, service: RegisterService = Depends(_service)) -> Response:
    number, data = service.letter_pdf(app_id)
    return _pdf(data, f"surat-{number}")


@router.get("/applications/{app_id}/photos/{attachment_id}")
def photo(app_id: str, attachment_id: int, service: RegisterService = Depends(_service)) -> Response:
    _name, content_type, data = service.photo(app_id, attachment_id)
    return Response(data, media_type=content_type)


@router.post("/skm", status_code=201)
def skm(body: SkmRequest, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.submit_skm(body.token, body.answers)


@router.get("/verify/{code}")
def verify(code: str, service: RegisterService = Depends(_service)) -> dict[str, Any]:
    return service.verify(code)


def _report_response(data: dict[str, Any], fmt: str, service: RegisterService) -> Any:
    name = f"laporan-{data['kind']}-{data['period']}"
    if fmt == "pdf":
        return _pdf(report_files.to_pdf(data, service.data.office), name)
    if fmt == "xlsx":
        return Response(report_files.to_xlsx(data),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    if fmt == "csv":
        return Response(report_files.to_csv(data), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return data


@router.get("/reports/weekly")
def weekly_report(week: str | None = None, services: list[str] = Query(default=[], alias="service"),
                  format: Literal["json", "pdf", "xlsx", "csv"] = "json",
                  service: RegisterService = Depends(_service)) -> Any:
    day = reports.parse_week(week) if week else to_wib(utcnow()).date()
    codes = [service.data.service(code).code for code in services]
    with service.db.transaction() as session:
        data = reports.weekly(session, service.data, day, codes or None)
    return _report_response(data, format, service)


@router.get("/reports/monthly")
def monthly_report(month: str, services: list[str] = Query(default=[], alias="service"),
                   format: Literal["json", "pdf", "xlsx", "csv"] = "json",
                   service: RegisterService = Depends(_service)) -> Any:
    codes = [service.data.service(code).code for code in services]
    with service.db.transaction() as session:
        data = reports.monthly(session, service.data, reports.parse_month(month), codes or None)
    return _report_response(data, format, service)


@router.post("/reports/weekly/submit")
def submit_weekly(body: SubmitReportRequest, service: RegisterService = Depends(_service)) -> list[dict[str, Any]]:
    period = reports.week_label(reports.parse_week(body.week))
    codes = [service.data.service(code).code for code in body.services] or list(service.data.services)
    return [service.submit_weekly_report(code, period, officer=body.officer, started_at=_aware(body.started_at),
                                         at=_aware(body.at)) for code in codes]
