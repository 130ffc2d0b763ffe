"""Purging biometric data that is no longer needed (UU 27/2022: keep specific personal data no longer than
its purpose). After a recording is BIO_CAPTURED its captures belong to Dukcapil's enrolment system; the station
keeps them only for the retention period (default 30 days, for re-sending), then deletes the encrypted blobs and
marks the rows ``purged_at``. The step timeline and quality figures stay for the reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from ektp_station.blobstore import BlobStore
from ektp_station.clock import utcnow
from ektp_station.db.engine import Database
from ektp_station.db.models import Artefact, RecordingSession


@dataclass
class PurgeResult:
    sessions: int
    blobs_deleted: int
    orphans_deleted: int

    def to_json(self) -> dict:
        return {"sessions": self.sessions, "blobs_deleted": self.blobs_deleted, "orphans_deleted": self.orphans_deleted}


def purge(db: Database, blobs: BlobStore, *, older_than_days: int) -> PurgeResult:
    """Delete blobs of sessions finished (or abandoned) more than ``older_than_days`` ago, and orphan blobs."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    with db.transaction() as s:
        finished = select(RecordingSession.id).where(
            ((RecordingSession.status != "IN_PROGRESS") & (RecordingSession.ended_at < cutoff))
            | ((RecordingSession.status == "IN_PROGRESS") & (RecordingSession.started_at < cutoff))
        )
        rows = s.execute(select(Artefact.id, Artefact.session_id, Artefact.blob_id).where(
            Artefact.session_id.in_(finished), Artefact.blob_id.is_not(None), Artefact.purged_at.is_(None))).all()
        all_known = set(s.scalars(select(Artefact.blob_id).where(Artefact.blob_id.is_not(None))))
        session_ids = {r.session_id for r in rows}
        # Mark first, delete after commit: a crash in between leaves orphan files that the next run removes.
        if rows:
            s.execute(update(Artefact).where(Artefact.id.in_([r.id for r in rows])).values(purged_at=utcnow()))
    deleted = sum(blobs.delete(r.blob_id) for r in rows)
    purged_ids = {r.blob_id for r in rows}
    orphans = 0
    for blob_id in list(blobs.ids()):
        if blob_id not in all_known or blob_id in purged_ids:
            orphans += blobs.delete(blob_id)
    return PurgeResult(len(session_ids), deleted, orphans)
