"""The e-KTP recording session on the in-process simulated devices, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import cv2
import numpy as np
import pytest
from sqlalchemy import select

from ektp_station.db.models import Artefact, RecordingSession, RecordingStep
from ektp_station.devices import StationDevices
from ektp_station.errors import InvalidNik, RecordingError, UnknownSession
from ektp_station.recording.model import BiometricException
from tests.recording_helpers import MAN_1999, WOMAN_1999, config_with, run_one, station

EKTP_LABELS = ["1", "2", "3", "4", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.6", "4.7", "5"]


def test_whole_recording_ends_bio_captured_with_every_capture(db, tmp_path):
    service, blobs, config = station(db, tmp_path)
    result, _ = run_one(service, config)
    assert result.status == "BIO_CAPTURED"
    assert [s["label"] for s in result.steps] == EKTP_LABELS
    assert [s["standard_minutes"] for s in result.steps] == [5, 10, 5, 1, 1, 1, 0.5, 4, 2, 4, 1, 1, None]
    for step in result.steps:
        assert step["seconds"] >= 0 and step["ended_at"] >= step["started_at"]
        assert step["outcome"] == "OK"
    with db.transaction() as s:
        arts = s.scalars(select(Artefact).where(Artefact.session_id == result.session_id)).all()
        kinds = sorted((a.kind, a.position or "") for a in arts)
        session = s.get(RecordingSession, result.session_id)
        assert session.desa and session.ended_at is not None
    fingers = sorted(p for k, p in kinds if k == "finger")
    assert fingers == sorted(["R_THUMB", "R_INDEX", "R_MIDDLE", "R_RING", "R_LITTLE",
                              "L_THUMB", "L_INDEX", "L_MIDDLE", "L_RING", "L_LITTLE"])
    assert [p for k, p in kinds if k == "iris"] == ["L", "R"]
    assert ("photo", "") in kinds and ("signature", "") in kinds and ("approval", "") in kinds
    assert sum(1 for k, _ in kinds if k == "slap") == 3
    # Every capture decrypts to a real image of the right kind.
    photo = next(a for a in arts if a.kind == "photo")
    image = cv2.imdecode(np.frombuffer(blobs.get(photo.blob_id).data, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[0] > 200 and image.shape[1] > 200
    # The card's portrait: the token crop, 3:4, eyes level at the ISO/IEC 19794-5 height.
    token_art = next(a for a in arts if a.kind == "photo_token")
    token = cv2.imdecode(np.frombuffer(blobs.get(token_art.blob_id).data, np.uint8), cv2.IMREAD_COLOR)
    assert token.shape[:2] == (token_art.meta["height"], token_art.meta["width"])
    assert abs(token.shape[1] / token.shape[0] - 0.75) < 0.01 and token.shape[0] < image.shape[0]
    assert token_art.meta["latar"] == photo.meta["latar"]
    finger = next(a for a in arts if a.kind == "finger")
    print_img = cv2.imdecode(np.frombuffer(blobs.get(finger.blob_id).data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert print_img.ndim == 2 and print_img.std() > 10
    verification = next(a for a in arts if a.kind == "verification")
    assert verification.position == "R_INDEX" and verification.quality >= verification.meta["threshold"]


def test_kasi_approval_records_who_approved_and_shows_summary_on_pad_screen(db, tmp_path):
    config = config_with(pad_url="sim://stu")
    service, _, _ = station(db, tmp_path, config)
    session_id = service.start(MAN_1999, options={"kasi": "Drs. Bambang Sutrisno"})
    with StationDevices(config) as devices:
        result = service.run(session_id, devices)
        shown = devices.signature_pad.shown
    assert result.status == "BIO_CAPTURED"
    assert shown is not None and shown.ndim == 3 and shown.shape[0] >= 300
    with db.transaction() as s:
        approval = s.scalars(select(RecordingStep).where(RecordingStep.session_id == session_id,
                                                         RecordingStep.ordinal == 11)).one()
        assert approval.actor == "Kasi Pemerintahan"
        assert approval.detail["disetujui_oleh"] == "Drs. Bambang Sutrisno"
        assert approval.detail["ringkasan_di_layar"] is True


def test_missing_finger_exception_is_kept_and_verification_uses_other_index(db, tmp_path):
    service, _, config = station(db, tmp_path)
    result, _ = run_one(service, config, options={"exceptions": ["finger:R_INDEX:amputasi:permanen",
                                                                 "eye:L:cedera mata:sementara"]})
    assert result.status == "BIO_CAPTURED"
    outcomes = {s["label"] + str(s["ordinal"]): s["outcome"] for s in result.steps}
    assert outcomes["4.48"] == "EXCEPTION" and outcomes["4.59"] == "EXCEPTION"
    with db.transaction() as s:
        arts = s.scalars(select(Artefact).where(Artefact.session_id == result.session_id)).all()
    finger_exc = [a for a in arts if a.kind == "finger" and a.exception_reason]
    assert [(a.position, a.exception_reason, a.exception_permanent, a.blob_id) for a in finger_exc] == [
        ("R_INDEX", "amputasi", True, None)]
    assert len([a for a in arts if a.kind == "finger" and a.blob_id]) == 9
    eye_exc = [a for a in arts if a.kind == "iris" and a.exception_reason]
    assert [(a.position, a.exception_permanent) for a in eye_exc] == [("L", False)]
    assert next(a for a in arts if a.kind == "verification").position == "L_INDEX"


def test_single_finger_sensor_captures_finger_by_finger(db, tmp_path):
    config = config_with(fingerprint_url="sim://single")
    service, _, _ = station(db, tmp_path, config)
    result, _ = run_one(service, config)
    step = next(s for s in result.steps if s["ordinal"] == 8)
    assert result.status == "BIO_CAPTURED" and step["outcome"] == "OK"
    with db.transaction() as s:
        detail = s.scalars(select(RecordingStep.detail).where(RecordingStep.session_id == result.session_id,
                                                              RecordingStep.ordinal == 8)).one()
    assert detail["metode"] == "satu per satu" and detail["terekam"] == 10


def test_poor_captures_are_retried_and_the_best_kept(db, tmp_path):
    config = config_with(fingerprint_url="sim://slap?poor_attempts=1")
    service, _, _ = station(db, tmp_path, config)
    result, _ = run_one(service, config)
    with db.transaction() as s:
        fingers = s.scalars(select(Artefact).where(Artefact.session_id == result.session_id,
                                                   Artefact.kind == "finger")).all()
    assert all(a.attempts == 2 and not a.forced for a in fingers)
    assert all(a.quality >= config.finger_quality_min for a in fingers)


def test_capture_still_poor_after_last_attempt_is_forced_and_marked(db, tmp_path):
    config = config_with(fingerprint_url="sim://slap?poor_attempts=9")
    service, _, _ = station(db, tmp_path, config)
    result, _ = run_one(service, config)
    step = next(s for s in result.steps if s["ordinal"] == 8)
    assert step["outcome"] == "FORCED"
    with db.transaction() as s:
        fingers = s.scalars(select(Artefact).where(Artefact.session_id == result.session_id,
                                                   Artefact.kind == "finger")).all()
    assert fingers and all(a.forced and a.attempts == 3 for a in fingers)


def test_resident_not_in_population_records_is_rejected_at_biodata_step(db, tmp_path):
    service, _, config = station(db, tmp_path)
    result, _ = run_one(service, config, nik="3507114101850007")
    assert result.status == "REJECTED"
    assert result.steps[-1]["label"] == "4.1" and result.steps[-1]["outcome"] == "REJECTED"
    assert "tidak terdaftar" in result.reject_reason


def test_malformed_nik_writes_nothing(db, tmp_path):
    service, _, _ = station(db, tmp_path)
    with pytest.raises(InvalidNik):
        service.start("35071129020100")
    with db.transaction() as s:
        assert s.scalars(select(RecordingSession)).all() == []


def test_bad_exception_text_is_refused_before_anything_is_written(db, tmp_path):
    service, _, _ = station(db, tmp_path)
    with pytest.raises(RecordingError, match="Jari tidak dikenal"):
        service.start(WOMAN_1999, options={"exceptions": ["finger:R_TOE:x:permanen"]})
    with db.transaction() as s:
        assert s.scalars(select(RecordingSession)).all() == []


def test_unknown_session_id(db, tmp_path):
    service, _, _ = station(db, tmp_path)
    with pytest.raises(UnknownSession):
        service.load("0" * 32)


def test_overrun_is_flagged_against_the_sop_standard(db, tmp_path, mocker):
    """The clock is the outside world here: make the signature step (standard 0.5 minute) take 31 seconds."""
    import ektp_station.recording.service as svc

    real = svc.utcnow
    offset = {"s": 0.0}

    def fake_now():
        return real() + timedelta(seconds=offset["s"])

    mocker.patch.object(svc, "utcnow", side_effect=fake_now)

    def on_event(event):
        if event["event"] == "step_started":
            offset["s"] += 31.0 if event["key"] == "tanda_tangan" else 0.0

    service, _, config = station(db, tmp_path, on_event=on_event)
    result, _ = run_one(service, config)
    flags = {s["ordinal"]: s["overrun"] for s in result.steps}
    assert flags.pop(7) is True  # 4.3 took 31 s against 0.5 minute
    assert not any(flags.values())
    assert next(s for s in result.steps if s["ordinal"] == 7)["seconds"] >= 31
