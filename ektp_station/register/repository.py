"""Loading and finding register rows (one session, the caller's transaction)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ektp_station.register.errors import ApplicationNotFound
from ektp_station.register.models import Application, Attachment, Event, Letter, SiteVisit, StepRun
from ektp_station.register.states import State


class RegisterRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, app: Application) -> None:
        self.session.add(app)

    def resolve(self, ref: str, *, lock: bool = False) -> Application:
        """An application by its id, its register number (``0001/SKU/2026``) or its letter number.

        One statement finds it (a number is looked up in both unique indexes at once) with its steps and letter;
        the events follow in a second one.
        """
        text = " ".join((ref or "").split())
        if not text:
            raise ApplicationNotFound("Berkas tidak ditemukan: nomor berkas kosong.")
        if "/" in text:
            wanted = (select(Application.id).where(Application.register_number == text)
                      .union_all(select(Letter.application_id).where(Letter.number == text))
                      .limit(1).scalar_subquery())
        else:
            wanted = text.upper()
        query = (select(Application)
                 .options(joinedload(Application.steps), joinedload(Application.letter),
                          selectinload(Application.events))
                 .where(Application.id == wanted))
        if lock and self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=Application)
        app = self.session.scalars(query).unique().first()
        if app is None:
            raise ApplicationNotFound(f"Berkas tidak ditemukan: {text}")
        return app

    def letter(self, app_id: str) -> Letter | None:
        app = self.session.get(Application, app_id)
        if app is not None:
            return app.letter
        return self.session.scalars(select(Letter).where(Letter.application_id == app_id)).first()

    def letter_by_number(self, number: str) -> Letter | None:
        return self.session.scalars(select(Letter).where(Letter.number == number)).first()

    def visits(self, app_id: str) -> list[SiteVisit]:
        return list(self.session.scalars(select(SiteVisit).where(SiteVisit.application_id == app_id)
                                         .order_by(SiteVisit.id)))

    def attachments(self, app_id: str) -> list[Attachment]:
        return list(self.session.scalars(select(Attachment).where(Attachment.application_id == app_id)
                                         .order_by(Attachment.id)))

    def attachment_summaries(self, app_id: str) -> list[tuple[int, int | None, str, str, int, str]]:
        """(id, visit id, filename, content type, size, sha256) without loading the bytes."""
        return [tuple(row) for row in self.session.execute(
            select(Attachment.id, Attachment.visit_id, Attachment.filename, Attachment.content_type,
                   Attachment.size, Attachment.sha256)
            .where(Attachment.application_id == app_id).order_by(Attachment.id))]

    def by_verify_code(self, code: str) -> tuple[Application | None, Letter | None]:
        text = (code or "").strip().upper()
        letter = self.session.scalars(select(Letter).where(Letter.verify_code == text)).first()
        if letter is not None:
            return self.session.get(Application, letter.application_id), letter
        app = self.session.scalars(select(Application).where(Application.verify_code == text)).first()
        return app, None

    def listing(self, *, service: str | None = None, state: str | None = None, limit: int = 50) -> list[Application]:
        query = select(Application).order_by(Application.received_at.desc(), Application.id).limit(limit)
        if service:
            query = query.where(Application.service == service)
        if state:
            query = query.where(Application.state == state)
        return list(self.session.scalars(query))

    def pending_report(self, service: str) -> list[Application]:
        """Applications of ``service`` whose every step before the weekly report is done and not yet reported."""
        reported = select(StepRun.application_id).where(StepRun.service == service, StepRun.kind == "report")
        open_steps = select(StepRun.application_id).where(StepRun.service == service, StepRun.ended_at.is_(None))
        query = (select(Application).options(selectinload(Application.steps))
                 .where(Application.service == service,
                        Application.state.in_([State.DISERAHKAN.value, State.DIARSIPKAN.value]),
                        Application.id.not_in(reported), Application.id.not_in(open_steps))
                 .order_by(Application.received_at))
        return list(self.session.scalars(query))

    def add_event(self, app: Application, event: Event) -> None:
        app.events.append(event)

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Application)) or 0
