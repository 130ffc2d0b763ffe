"""The register workflow: one method per counter action, each one database transaction.

intake → check (incomplete: return slip, BERKAS_KURANG, reopen later; complete: register number + receipt) →
[SKU: site visit] → issue (official number; again before signing = correction) → sign → handover (receipt
returned, SKM token) → archive (folder, shelf, box; Keramaian: monitoring opens) → [Keramaian: monitor closed
after the event] → weekly report (the SOPs' last step). ``cancel`` ends any application not yet handed over.

Every action validates its whole input before it writes, and writes in one transaction: a refused action leaves
nothing behind. Each action completes the SOP steps (from the catalogue, via ``services.toml`` kinds) it owns
and times them (``timing.py``). Every state change is an event with its timestamp.

Times: every action takes ``at`` (default: now) so that paper registers can be entered afterwards; intake and
reopen take ``arrived_at``, when the applicant handed the file in (default ``at``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import select

from ektp_station.clock import WIB, as_utc, to_wib, utcnow
from ektp_station.db.engine import Database
from ektp_station.db.models import Resident
from ektp_station.nik import require_valid_nik
from ektp_station.register import letters, numbering, queries, receipts, skm, slips, timing
from ektp_station.register.config import RegisterData, load_register_data
from ektp_station.register.errors import InvalidInput, WrongState
from ektp_station.register.fields import validate_details
from ektp_station.register.models import (
    Application,
    Attachment,
    Event,
    Letter,
    ReportSubmission,
    SiteVisit,
)
from ektp_station.register.repository import RegisterRepository
from ektp_station.register.requirements import applicable, evaluate
from ektp_station.register.rules import check_details
from ektp_station.register.services import ServiceDef
from ektp_station.register.signers import authorise, find_position
from ektp_station.register.states import State, require
from ektp_station.register.templates import RenderedLetter
from ektp_station.register.views import application_json, summary_json

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 10
_PHOTO_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
_APPLICANT_FIELDS = {"nama": 120, "alamat": 200, "desa": 80}


def random_code(length: int) -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


def _clean(text: str | None, limit: int, what: str, *, required: bool = False) -> str | None:
    value = " ".join((text or "").split())
    if not value:
        if required:
            raise InvalidInput(f"{what} wajib diisi.")
        return None
    if len(value) > limit:
        raise InvalidInput(f"{what} paling panjang {limit} karakter.")
    return value


def _wib_day(value: datetime) -> date:
    return to_wib(value).date()


@dataclass(frozen=True)
class Photo:
    filename: str
    data: bytes


class RegisterService:
    def __init__(self, db: Database, *, data: RegisterData | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.data = data or load_register_data()
        self.clock = clock

    # -- helpers -------------------------------------------------------------------------------------------------

    def _at(self, at: datetime | None) -> datetime:
        return as_utc(at) if at is not None else self.clock()

    def _event(self, app: Application, action: str, at: datetime, officer: str | None, *,
               to_state: State | None = None, note: str | None = None, data: dict[str, Any] | None = None) -> None:
        from_state = app.state
        if to_state is not None:
            app.state = to_state.value
        app.updated_at = at
        app.events.append(Event(at=at, action=action, from_state=from_state,
                                to_state=to_state.value if to_state is not None else None,
                                officer=officer, note=note, data=data or {}))

    def _resident(self, session, nik: str) -> dict[str, Any] | None:
        row = session.get(Resident, nik)
        if row is None:
            return None
        return {"nama": row.nama, "alamat": f"{row.alamat} RT {row.rt} RW {row.rw}", "desa": row.desa,
                "tempat_lahir": row.tempat_lahir.title(), "tanggal_lahir": row.tanggal_lahir.isoformat(),
                "jenis_kelamin": row.jenis_kelamin, "pekerjaan": row.pekerjaan.title(), "agama": row.agama.title(),
                "status_kawin": row.status_kawin.title()}

    def _view(self, repo: RegisterRepository, app: Application, extra: dict[str, Any] | None = None) -> dict:
        service = self.data.service(app.service)
        visits = [self._visit_json(v, repo) for v in repo.visits(app.id)] if service.site_visit else []
        return application_json(app, service, letter=repo.letter(app.id), visits=visits, extra=extra)

    @staticmethod
    def _visit_json(visit: SiteVisit, repo: RegisterRepository) -> dict[str, Any]:
        photos = [{"id": a_id, "filename": name, "content_type": ctype, "size": size, "sha256": digest}
                  for a_id, visit_id, name, ctype, size, digest in repo.attachment_summaries(visit.application_id)
                  if visit_id == visit.id]
        return {"officer": visit.officer, "visit_date": visit.visit_date.isoformat(), "location": visit.location,
                "notes": visit.notes, "recorded_at": as_utc(visit.recorded_at).isoformat(), "photos": photos}

    # -- intake --------------------------------------------------------------------------------------------------

    def intake(self, service_code: str, nik: str, *, nama: str | None = None, alamat: str | None = None,
               desa: str | None = None, details: dict[str, Any] | None = None, officer: str | None = None,
               arrived_at: datetime | None = None, at: datetime | None = None) -> dict[str, Any]:
        """A file handed in (SOP step "Menyerahkan berkas permohonan"): applicant with NIK check and details."""
        service = self.data.service(service_code)
        now = self._at(at)
        arrived = as_utc(arrived_at) if arrived_at is not None else now
        if arrived > now:
            raise InvalidInput("Waktu kedatangan tidak boleh sesudah waktu penerimaan.")
        check = require_valid_nik(nik, today=_wib_day(now))
        officer = _clean(officer, 80, "Nama petugas")
        clean_details = validate_details(service.fields, dict(details or {}),
                                         is_own_number=self.data.office.is_own_letter_number)
        check_details(service, clean_details, _wib_day(now))
        with self.db.transaction() as session:
            resident = self._resident(session, check.nik)
            name = _clean(nama, 120, "Nama pemohon") or (resident or {}).get("nama")
            if not name:
                raise InvalidInput("NIK tidak ada di data penduduk: isi nama pemohon.")
            warnings = list(check.warning_messages)
            warnings += self._own_number_warnings(session, service, clean_details)
            if resident is None:
                warnings.append("NIK tidak ditemukan di data penduduk Kecamatan Kalipare.")
            elif nama and name.upper() != resident["nama"].upper():
                warnings.append(f"Nama berbeda dengan data penduduk ({resident['nama']}).")
            repo = RegisterRepository(session)
            app = Application(
                id=random_code(10), service=service.code, state=State.DITERIMA.value, nik=check.nik, nama=name,
                alamat=_clean(alamat, 200, "Alamat") or (resident or {}).get("alamat"),
                desa=_clean(desa, 80, "Desa") or (resident or {}).get("desa"),
                details=clean_details, checklist={}, officer=officer, received_at=now, updated_at=now,
                verify_code=random_code(10), returned_count=0,
            )
            repo.add(app)
            self._event(app, "intake", now, officer, to_state=State.DITERIMA, data={"warnings": warnings})
            step = service.steps[0]
            timing.record(app, step, "submit", started_at=arrived, ended_at=now, officer=officer)
            session.flush()
            return self._view(repo, app, {"warnings": warnings})

    @staticmethod
    def _own_number_warnings(session, service: ServiceDef, details: dict[str, Any]) -> list[str]:
        """Legalisasi: a kecamatan number found in the register must be a valid letter; one not found is older
        than the electronic register and is compared with the paper archive."""
        warnings = []
        for field in service.fields:
            if field.type != "kecamatan_number" or field.name not in details:
                continue
            letter = RegisterRepository(session).letter_by_number(details[field.name])
            if letter is not None and letter.void:
                raise InvalidInput(f"Surat {letter.number} sudah dibatalkan: tidak dapat dilegalisasi.")
            if letter is not None and letter.signed_at is None:
                raise InvalidInput(f"Surat {letter.number} belum ditandatangani: tidak dapat dilegalisasi.")
            if letter is None:
                warnings.append(f"Nomor {details[field.name]} tidak ada di register elektronik: cocokkan dengan "
                                "arsip surat keluar kecamatan.")
        return warnings

    def reopen(self, ref: str, *, officer: str | None = None, arrived_at: datetime | None = None,
               at: datetime | None = None) -> dict[str, Any]:
        """The applicant is back with the missing documents: the returned file is open again (DITERIMA)."""
        now = self._at(at)
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            require(app.state, "reopen", app.id)
            self._reopen(app, officer, arrived_at, now)
            return self._view(repo, app)

    def _reopen(self, app: Application, officer: str | None, arrived_at: datetime | None, now: datetime) -> None:
        service = self.data.service(app.service)
        arrived = as_utc(arrived_at) if arrived_at is not None else now
        self._event(app, "reopen", now, officer, to_state=State.DITERIMA)
        timing.record(app, service.steps[0], "submit", started_at=min(arrived, now), ended_at=now, officer=officer,
                      detail={"diajukan_kembali": True})

    # -- completeness check, register book, receipt -------------------------------------------------------------

    def check(self, ref: str, present: Iterable[str] = (), *, all_present: bool = False, officer: str | None = None,
              at: datetime | None = None) -> dict[str, Any]:
        """The loket's completeness check. Incomplete: returned (return slip). Complete: register entry + receipt.

        A file that was returned is reopened by this call when the applicant comes back with the documents.
        """
        now = self._at(at)
        officer = _clean(officer, 80, "Nama petugas")
        codes = [code for code in present]
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            state = require(app.state, "check", app.id)
            service = self.data.service(app.service)
            variant = app.details.get(service.variant_field) if service.variant_field else None
            if all_present:
                codes = [item.code for item in applicable(service.requirements, variant)]
            outcome = evaluate(service.requirements, variant, codes)  # a bad code raises before any write
            if state is State.BERKAS_KURANG:
                self._reopen(app, officer, None, now)
            check_step = service.steps[1]
            started = timing.last_end(app)
            app.checklist = {"ada": [r.code for r in outcome.present], "kurang": [r.code for r in outcome.missing]}
            if not outcome.complete:
                timing.record(app, check_step, "check", started_at=started, ended_at=now, officer=officer,
                              outcome=timing.INCOMPLETE, detail=outcome.to_json())
                app.returned_count += 1
                self._event(app, "check", now, officer, to_state=State.BERKAS_KURANG,
                            data={"kurang": [r.code for r in outcome.missing]})
                session.flush()
                return self._view(repo, app, {"check": outcome.to_json()})
            timing.record(app, check_step, "check", started_at=started, ended_at=now, officer=officer,
                          outcome=timing.COMPLETE, detail=outcome.to_json())
            year = _wib_day(now).year
            seq = numbering.allocate(session, numbering.register_scope(service.code), year, app.id, now)
            app.register_year, app.register_seq = year, seq
            app.register_number = self.data.office.register_number(service.code, seq, year)
            app.registered_at = now
            register_step = service.step_of_kind("register")
            if register_step is not None:
                timing.record(app, register_step, "register", started_at=now, ended_at=now, officer=officer,
                              detail={"nomor_register": app.register_number})
            self._event(app, "register", now, officer, to_state=State.DIPERIKSA,
                        data={"nomor_register": app.register_number})
            session.flush()
            return self._view(repo, app, {"check": outcome.to_json(),
                                          "receipt": {"register_number": app.register_number,
                                                      "verify_code": app.verify_code,
                                                      "qr": receipts.qr_payload(app)}})

    # -- SKU site visit ------------------------------------------------------------------------------------------

    def record_visit(self, ref: str, *, officer: str, visit_date: date | str, location: str,
                     notes: str | None = None, photos: list[Photo] | None = None,
                     at: datetime | None = None) -> dict[str, Any]:
        """SKU: the site visit (peninjauan lokasi) with its photos, part of the 120-minute review step."""
        now = self._at(at)
        officer_name = _clean(officer, 80, "Petugas peninjauan", required=True)
        place = _clean(location, 200, "Lokasi peninjauan", required=True)
        note = _clean(notes, 2000, "Catatan peninjauan")
        try:
            day = visit_date if isinstance(visit_date, date) else date.fromisoformat(str(visit_date).strip())
        except ValueError:
            raise InvalidInput(f"Tanggal peninjauan {visit_date!r} bukan tanggal YYYY-MM-DD.") from None
        if day > _wib_day(now):
            raise InvalidInput("Tanggal peninjauan tidak boleh di masa depan.")
        checked = self._check_photos(photos or [])
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            service = self.data.service(app.service)
            if not service.site_visit:
                raise InvalidInput(f"Peninjauan lokasi tidak termasuk SOP {service.name}.")
            require(app.state, "visit", app.id)
            if day < _wib_day(app.received_at):
                raise InvalidInput("Tanggal peninjauan tidak boleh sebelum berkas diterima.")
            visit = SiteVisit(application_id=app.id, officer=officer_name, visit_date=day, location=place,
                              notes=note, recorded_at=now)
            session.add(visit)
            session.flush()
            for filename, content_type, data in checked:
                session.add(Attachment(application_id=app.id, visit_id=visit.id, kind="foto_lokasi",
                                       filename=filename, content_type=content_type, size=len(data),
                                       sha256=hashlib.sha256(data).hexdigest(), data=data, created_at=now))
            self._event(app, "visit", now, officer_name,
                        data={"tanggal": day.isoformat(), "lokasi": place, "foto": len(checked)})
            session.flush()
            return self._view(repo, app)

    @staticmethod
    def _check_photos(photos: list[Photo]) -> list[tuple[str, str, bytes]]:
        if not photos:
            raise InvalidInput("Peninjauan lokasi memerlukan sedikitnya satu foto tempat usaha.")
        if len(photos) > MAX_PHOTOS:
            raise InvalidInput(f"Paling banyak {MAX_PHOTOS} foto per peninjauan.")
        result = []
        for photo in photos:
            name = re.sub(r"[^A-Za-z0-9._-]+", "_", photo.filename.rsplit("/", 1)[-1])[:200] or "foto"
            if len(photo.data) > MAX_PHOTO_BYTES:
                raise InvalidInput(f"Foto {name} lebih dari {MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
            content_type = next((ctype for magic, ctype in _PHOTO_TYPES if photo.data.startswith(magic)), None)
            if content_type is None:
                raise InvalidInput(f"Berkas {name} bukan foto JPEG atau PNG.")
            result.append((name, content_type, photo.data))
        return result

    # -- letter: issue / correct ---------------------------------------------------------------------------------

    def issue(self, ref: str, *, classification: str | None = None, table: str | None = None,
              corrections: dict[str, Any] | None = None, ktp_withdrawn: bool = False, kk_withdrawn: bool = False,
              copies: int | None = None, officer: str | None = None, at: datetime | None = None) -> dict[str, Any]:
        """Re-check done: the letter with its official number. Again before signing = a correction (same number)."""
        now = self._at(at)
        officer = _clean(officer, 80, "Nama petugas")
        corrections = dict(corrections or {})
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            state = require(app.state, "issue", app.id)
            service = self.data.service(app.service)
            letter = repo.letter(app.id)
            changes = self._apply_corrections(app, service, corrections, now)
            extras = dict((letter.content.get("extras") or {}) if letter is not None else {})
            if service.withdraws_documents:
                extras["ktp_ditarik"] = bool(extras.get("ktp_ditarik") or ktp_withdrawn)
                extras["kk_ditarik"] = bool(extras.get("kk_ditarik") or kk_withdrawn)
                if not (extras["ktp_ditarik"] and extras["kk_ditarik"]):
                    raise InvalidInput("Surat pindah diterbitkan setelah KTP-el dan KK asli pemohon ditarik "
                                       "(nyatakan keduanya sudah ditarik).")
            if service.legalised_copies is not None:
                wanted = copies if copies is not None else extras.get("salinan", service.legalised_copies)
                if not isinstance(wanted, int) or isinstance(wanted, bool) or not 1 <= wanted <= 10:
                    raise InvalidInput("Jumlah salinan yang dilegalisasi 1 sampai 10 lembar.")
                extras["salinan"] = wanted
            elif copies is not None:
                raise InvalidInput(f"Jumlah salinan tidak berlaku untuk {service.name}.")
            visits = repo.visits(app.id)
            if service.site_visit and not visits:
                raise WrongState(f"{service.name} {app.id}: catat dulu peninjauan lokasi (petugas, tanggal, lokasi, "
                                 "foto) sebelum surat diterbitkan.")
            visit = None
            if visits:
                last = visits[-1]
                visit = {"officer": last.officer, "visit_date": last.visit_date.isoformat(),
                         "location": last.location, "notes": last.notes}
            resident = self._resident(session, app.nik)
            default_signer = self.data.signers[service.signers[0]]
            if state is State.DIPERIKSA:
                if letter is not None:  # pragma: no cover - a letter exists only from MENUNGGU_TTD on
                    raise WrongState(f"Berkas {app.id} sudah punya surat {letter.number}.")
                day = _wib_day(now)
                choice = self.data.classification.choose(service.code, day, code=classification, table=table)
                scope = self.data.office.letter_scope(service.code)
                seq = numbering.allocate(session, scope, day.year, app.id, now)
                number = self.data.office.letter_number(choice.code, seq, day)
                letter = Letter(application_id=app.id, service=service.code, number=number,
                                classification=choice.code, classification_table=choice.table, scope=scope,
                                year=day.year, sequence=seq, variant=self._variant(app, service), issued_at=now,
                                revision=1, content={}, verify_code=random_code(10), void=False)
                app.letter = letter
                action = "issue"
            else:
                if classification or table:
                    raise InvalidInput(f"Nomor surat {letter.number} sudah diterbitkan: kode klasifikasi tidak "
                                       "dapat diubah pada koreksi.")
                letter.revision += 1
                action = "correct"
            values = letters.letter_values(app=app, service=service, resident=resident, number=letter.number,
                                           day=_wib_day(letter.issued_at), signer_title=default_signer.title,
                                           visit=visit, extras=extras)
            template = self.data.templates[service.code]
            letter.variant = self._variant(app, service)
            letter.content = {"values": values, "extras": extras,
                              "rendered": template.render(values, letter.variant).to_json()}
            self._event(app, action, now, officer, to_state=State.MENUNGGU_TTD,
                        data={"nomor_surat": letter.number, "revisi": letter.revision, "koreksi": changes})
            session.flush()
            return self._view(repo, app)

    @staticmethod
    def _variant(app: Application, service: ServiceDef) -> str | None:
        return app.details.get(service.variant_field) if service.variant_field else None

    def _apply_corrections(self, app: Application, service: ServiceDef, corrections: dict[str, Any],
                           now: datetime) -> dict[str, Any]:
        """Apply corrected applicant data / details (validated like at intake); returns {field: [old, new]}."""
        if not corrections:
            return {}
        changes: dict[str, Any] = {}
        for name, limit in _APPLICANT_FIELDS.items():
            if name in corrections:
                value = _clean(corrections.pop(name), limit, name.capitalize(), required=name == "nama")
                if value != getattr(app, name):
                    changes[name] = [getattr(app, name), value]
                    setattr(app, name, value)
        if service.variant_field and service.variant_field in corrections:
            raise InvalidInput(f"Isian {service.variant_field!r} menentukan persyaratan; batalkan dan ajukan ulang "
                               "bila jenisnya berubah.")
        updated = validate_details(service.fields, corrections, is_own_number=self.data.office.is_own_letter_number,
                                   partial=True)
        for name in corrections:
            if name not in updated and service.field(name) is not None and not service.field(name).required:
                updated[name] = None  # an optional field cleared
        merged = {**app.details, **{k: v for k, v in updated.items() if v is not None}}
        for name, value in updated.items():
            if value is None:
                merged.pop(name, None)
        check_details(service, merged, _wib_day(app.received_at))
        for name in sorted(set(merged) | set(app.details)):
            if merged.get(name) != app.details.get(name):
                changes[name] = [app.details.get(name), merged.get(name)]
        app.details = merged
        return changes

    # -- signature -----------------------------------------------------------------------------------------------

    def sign(self, ref: str, signer: str, *, signer_name: str | None = None, camat_away_reason: str | None = None,
             officer: str | None = None, at: datetime | None = None) -> dict[str, Any]:
        """The signer the SOP names signs (or a stand-in "a.n. Camat", recorded with the reason)."""
        now = self._at(at)
        officer = _clean(officer, 80, "Nama petugas")
        position = find_position(self.data.signers, signer)
        name = _clean(signer_name, 120, "Nama penandatangan") or position.name
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            require(app.state, "sign", app.id)
            service = self.data.service(app.service)
            decision = authorise(service.name, service.signers, service.stand_ins, self.data.signers, position,
                                 camat_away_reason)
            letter = repo.letter(app.id)
            letter.signed_at = now
            letter.signer_key, letter.signer_title = position.key, position.title
            letter.signer_name, letter.signer_nip = name, position.nip
            letter.on_behalf, letter.stand_in_reason = decision.on_behalf, decision.stand_in_reason
            values = dict(letter.content["values"])
            values["jabatan_penandatangan"] = (
                f"{position.title} atas nama {self.data.signers['CAMAT'].title}" if decision.on_behalf
                else position.title
            )
            rendered = self.data.templates[service.code].render(values, letter.variant)
            letter.content = {**letter.content, "values": values, "rendered": rendered.to_json()}
            start = timing.last_end(app)
            for step, kind in service.steps_of("sign"):
                detail = {"nomor_surat": letter.number, "penandatangan": position.key}
                if kind == "copies":
                    detail = {"salinan": letter.content["extras"].get("salinan")}
                timing.record(app, step, kind, started_at=start, ended_at=now, officer=officer or name,
                              detail=detail)
                start = now
            self._event(app, "sign", now, officer, to_state=State.SIAP_DIAMBIL,
                        data={"penandatangan": position.key, "nama": name, "atas_nama": decision.on_behalf,
                              "alasan": decision.stand_in_reason})
            session.flush()
            return self._view(repo, app)

    # -- hand-over, SKM ------------------------------------------------------------------------------------------

    def handover(self, ref: str, *, receipt_code: str | None = None, receipt_lost_reason: str | None = None,
                 skm_answers: Any = None, officer: str | None = None, arrived_at: datetime | None = None,
                 at: datetime | None = None) -> dict[str, Any]:
        """The letter handed to the applicant against the returned receipt; the SKM is offered here.

        The hand-over step is timed from the applicant's arrival at the counter (``arrived_at``, e.g. the queue
        ticket; default ``at``): the days a finished letter waits for its applicant are not service time.
        """
        now = self._at(at)
        arrived = as_utc(arrived_at) if arrived_at is not None else now
        if arrived > now:
            raise InvalidInput("Waktu kedatangan tidak boleh sesudah waktu penyerahan.")
        officer = _clean(officer, 80, "Nama petugas")
        lost = _clean(receipt_lost_reason, 500, "Alasan tanda terima hilang")
        answers = skm.parse_answers(skm_answers) if skm_answers is not None else None
        if bool(receipt_code and receipt_code.strip()) == bool(lost):
            raise InvalidInput("Sebutkan kode tanda terima yang dikembalikan, atau alasan tanda terima hilang.")
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            require(app.state, "handover", app.id)
            service = self.data.service(app.service)
            if receipt_code and receipt_code.strip().upper() != app.verify_code:
                raise InvalidInput("Kode tanda terima tidak cocok dengan berkas ini.")
            step = service.step_of_kind("handover")
            timing.record(app, step, "handover", started_at=max(arrived, timing.last_end(app)), ended_at=now,
                          officer=officer,
                          detail={"tanda_terima": "hilang" if lost else "dikembalikan"})
            self._event(app, "handover", now, officer, to_state=State.DISERAHKAN,
                        note=f"Tanda terima hilang: {lost}" if lost else "Tanda terima dikembalikan.")
            period = to_wib(now).strftime("%Y-%m")
            extra: dict[str, Any] = {}
            if answers is not None:
                skm.record_response(session, service.code, period, answers)
                extra["skm"] = {"recorded": True}
            else:
                extra["skm"] = {"recorded": False, "token": skm.issue_token(session, service.code, period)}
            session.flush()
            return self._view(repo, app, extra)

    def submit_skm(self, token: str, answers: Any) -> dict[str, Any]:
        """One anonymous questionnaire against a hand-over's token."""
        scores = skm.parse_answers(answers)
        with self.db.transaction() as session:
            service, period = skm.redeem_token(session, token)
            skm.record_response(session, service, period, scores)
        return {"recorded": True, "service": service, "period": period}

    # -- archive, monitoring -------------------------------------------------------------------------------------

    def archive(self, ref: str, *, folder: str, shelf: str, box: str, officer: str | None = None,
                at: datetime | None = None) -> dict[str, Any]:
        """Filed: folder (map), shelf (rak), box (boks). Keramaian for business or public entertainment: the
        monitoring step opens and stays open until the event's end date."""
        now = self._at(at)
        officer = _clean(officer, 80, "Nama petugas")
        place = {key: _clean(value, 40, label, required=True)
                 for key, value, label in (("folder", folder, "Map"), ("shelf", shelf, "Rak"), ("box", box, "Boks"))}
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            require(app.state, "archive", app.id)
            service = self.data.service(app.service)
            app.archive_folder, app.archive_shelf, app.archive_box = place["folder"], place["shelf"], place["box"]
            step = service.step_of_kind("archive")
            if step is not None:
                timing.record(app, step, "archive", started_at=timing.last_end(app), ended_at=now, officer=officer,
                              detail=place)
            self._event(app, "archive", now, officer, to_state=State.DIARSIPKAN, data=place)
            monitor = service.step_of_kind("monitor")
            if monitor is not None:
                if app.details.get("komersial"):
                    end_day = date.fromisoformat(app.details["tanggal_selesai"])
                    deadline = datetime.combine(end_day + timedelta(days=1), time(0, 0), tzinfo=WIB)
                    timing.open_monitoring(app, monitor, started_at=now, deadline=deadline, officer=officer,
                                           detail={"tanggal_selesai": end_day.isoformat()})
                else:
                    timing.record(app, monitor, "monitor", started_at=now, ended_at=now, officer=officer,
                                  outcome=timing.NOT_APPLICABLE,
                                  detail={"alasan": "bukan kegiatan bisnis atau hiburan umum"})
            session.flush()
            return self._view(repo, app)

    def close_monitoring(self, ref: str, *, notes: str, officer: str | None = None,
                         at: datetime | None = None) -> dict[str, Any]:
        """Keramaian: the monitoring report after the event; refused while the event is still on."""
        now = self._at(at)
        officer = _clean(officer, 80, "Nama petugas")
        note = _clean(notes, 2000, "Catatan pemantauan", required=True)
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            service = self.data.service(app.service)
            step = service.step_of_kind("monitor")
            if step is None:
                raise InvalidInput(f"Pemantauan kegiatan tidak termasuk SOP {service.name}.")
            require(app.state, "monitor", app.id)
            run = timing.open_run(app, step.ordinal)
            if run is None:
                raise WrongState(f"Berkas {app.id} tidak punya pemantauan yang terbuka.")
            end_day = date.fromisoformat(app.details["tanggal_selesai"])
            if _wib_day(now) < end_day:
                raise WrongState(f"Pemantauan tetap terbuka sampai kegiatan berakhir ({end_day.isoformat()}).")
            timing.close_monitoring(run, ended_at=now, officer=officer, notes=note)
            self._event(app, "monitor", now, officer, note=note)
            session.flush()
            return self._view(repo, app)

    # -- cancel --------------------------------------------------------------------------------------------------

    def cancel(self, ref: str, *, reason: str, officer: str | None = None,
               at: datetime | None = None) -> dict[str, Any]:
        now = self._at(at)
        officer = _clean(officer, 80, "Nama petugas")
        why = _clean(reason, 500, "Alasan pembatalan", required=True)
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref, lock=True)
            require(app.state, "cancel", app.id)
            letter = repo.letter(app.id)
            if letter is not None:
                letter.void = True  # the number stays used: a cancelled letter keeps its place in the sequence
            self._event(app, "cancel", now, officer, to_state=State.DIBATALKAN, note=why)
            session.flush()
            return self._view(repo, app)

    # -- weekly report step --------------------------------------------------------------------------------------

    def submit_weekly_report(self, service_code: str, period: str, *, officer: str | None = None,
                             started_at: datetime | None = None, at: datetime | None = None) -> dict[str, Any]:
        """The SOP's last step: the weekly report handed to leadership; closes that step of the entries it covers
        (every entry finished up to its report step and not yet reported)."""
        service = self.data.service(service_code)
        now = self._at(at)
        start = as_utc(started_at) if started_at is not None else now
        if start > now:
            raise InvalidInput("Waktu mulai menyusun laporan tidak boleh sesudah waktu penyerahan.")
        officer = _clean(officer, 80, "Nama petugas")
        step = service.step_of_kind("report")
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            covered = []
            if step is not None:
                for app in repo.pending_report(service.code):
                    if all(timing.is_done(app, ordinal) for ordinal in range(1, step.ordinal)):
                        timing.record(app, step, "report", started_at=start, ended_at=now, officer=officer,
                                      detail={"periode": period})
                        app.updated_at = now
                        covered.append(app.register_number or app.id)
            session.add(ReportSubmission(service=service.code, period=period, started_at=start, submitted_at=now,
                                         officer=officer, entries=len(covered)))
            return {"service": service.code, "period": period, "entries": covered,
                    "sop_step": step.label if step is not None else None,
                    "note": None if step is not None else f"SOP {service.name} tidak memuat langkah laporan "
                                                          "mingguan; laporan dicatat tanpa langkah SOP."}

    # -- reading -------------------------------------------------------------------------------------------------

    def show(self, ref: str) -> dict[str, Any]:
        """One application by id, register number or letter number (read model: plain indexed queries)."""
        with self.db.transaction() as session:
            snap = queries.snapshot(session, ref)
            service = self.data.service(snap.service)
            repo = RegisterRepository(session)
            visits = [self._visit_json(v, repo) for v in repo.visits(snap.id)] if service.site_visit else []
            return application_json(snap, service, letter=snap.letter, visits=visits)

    def listing(self, *, service: str | None = None, state: str | None = None, limit: int = 50) -> list[dict]:
        code = self.data.service(service).code if service else None
        if state and state.upper() not in State.__members__:
            raise InvalidInput(f"Status {state!r} tidak dikenal; pilihan: {', '.join(State.__members__)}")
        with self.db.transaction() as session:
            rows = RegisterRepository(session).listing(service=code, state=state.upper() if state else None,
                                                        limit=max(1, min(limit, 1000)))
            return [summary_json(app) for app in rows]

    def verify(self, code: str) -> dict[str, Any]:
        """What a QR scan may show: number, date, type, signer, state and the masked name; nothing else."""
        from ektp_station.nik import mask_nik

        with self.db.transaction() as session:
            app, letter = RegisterRepository(session).by_verify_code(code)
            if app is None:
                raise InvalidInput("Kode verifikasi tidak dikenal.")
            service = self.data.service(app.service)
            masked_name = " ".join(w[0] + "•" * (len(w) - 1) for w in app.nama.split())
            data = {"service": service.name, "state": app.state, "register_number": app.register_number,
                    "nama": masked_name, "nik": mask_nik(app.nik),
                    "registered_at": as_utc(app.registered_at).isoformat() if app.registered_at else None}
            if letter is not None:
                data["letter"] = {"number": letter.number, "issued_at": as_utc(letter.issued_at).isoformat(),
                                  "signed": letter.signed_at is not None, "signer": letter.signer_title,
                                  "void": letter.void}
            return data

    # -- printouts -----------------------------------------------------------------------------------------------

    def receipt_pdf(self, ref: str) -> tuple[str, bytes]:
        with self.db.transaction() as session:
            app = RegisterRepository(session).resolve(ref)
            if app.register_number is None:
                raise WrongState(f"Berkas {app.id} belum tercatat di buku register: belum ada tanda terima.")
            service = self.data.service(app.service)
            variant = self._variant(app, service)
            present = set((app.checklist or {}).get("ada", []))
            received = tuple(r for r in applicable(service.requirements, variant) if r.code in present)
            return app.register_number, receipts.render_receipt_pdf(office=self.data.office, app=app,
                                                                    service=service, received=received)

    def return_slip_pdf(self, ref: str) -> tuple[str, bytes]:
        with self.db.transaction() as session:
            app = RegisterRepository(session).resolve(ref)
            service = self.data.service(app.service)
            failed = [run for run in app.steps if run.kind == "check" and run.outcome == timing.INCOMPLETE]
            if not failed:
                raise WrongState(f"Berkas {app.id} tidak pernah dikembalikan: tidak ada tanda pengembalian.")
            run = failed[-1]
            variant = self._variant(app, service)
            items = {r.code: r for r in applicable(service.requirements, variant)}
            missing = tuple(items[c["code"]] for c in run.detail.get("kurang", []) if c["code"] in items)
            present = tuple(items[c] for c in run.detail.get("ada", []) if c in items)
            return app.id, slips.render_return_slip_pdf(office=self.data.office, app=app, service=service,
                                                        checked_at=run.ended_at, missing=missing, present=present,
                                                        officer=run.officer)

    def letter_pdf(self, ref: str) -> tuple[str, bytes]:
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref)
            letter = repo.letter(app.id)
            if letter is None:
                raise WrongState(f"Berkas {app.id} belum punya surat: terbitkan dulu.")
            return letter.number, letters.render_letter_pdf(office=self.data.office, letter=letter,
                                                            service=self.data.service(app.service))

    def letter_text(self, ref: str) -> RenderedLetter:
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            letter = repo.letter(repo.resolve(ref).id)
            if letter is None:
                raise WrongState("Berkas belum punya surat.")
            return RenderedLetter.from_json(letter.content["rendered"])

    def photo(self, ref: str, attachment_id: int) -> tuple[str, str, bytes]:
        with self.db.transaction() as session:
            repo = RegisterRepository(session)
            app = repo.resolve(ref)
            row = session.scalars(select(Attachment).where(Attachment.application_id == app.id,
                                                           Attachment.id == attachment_id)).first()
            if row is None:
                raise InvalidInput(f"Lampiran {attachment_id} tidak ada pada berkas {app.id}.")
            return row.filename, row.content_type, row.data
