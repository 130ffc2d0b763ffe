"""One handler per row of SOP PEREKAMAN E-KTP, in the seed's order.

``PLAN`` pairs each expected seed label with its handler; ``service.py`` checks the plan against the catalogue's
EKTP steps before it runs, so the sequence cannot silently drift from the SOP document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import numpy as np

from drivers.interfaces import Call, Eye, Finger, Slap
from ektp_station.clock import to_wib, utcnow
from ektp_station.db.models import Resident
from ektp_station.recording import checks
from ektp_station.recording.captures import best_of, best_per_part
from ektp_station.recording.model import BiometricException, NewArtefact, Outcome, StepResult
from ektp_station.recording.render import approval_summary, decode_png, encode_png, signature_image
from ektp_station.station_config import StationConfig


@dataclass
class StepContext:
    session_id: str
    nik: str
    config: StationConfig
    devices: Any  # ektp_station.devices.StationDevices
    options: dict[str, Any]
    resident: Resident | None
    today: date
    pause: Callable[[float], None]
    # Reads an artefact captured in an earlier step: (kind, position) -> decrypted bytes.
    load_artefact: Callable[[str, str | None], bytes]
    emit: Callable[[dict], None]
    ticket_number: Callable[[], str]
    exceptions: list[BiometricException] = field(default_factory=list)

    @property
    def max_attempts(self) -> int:
        return self.config.max_attempts

    def half_pause(self) -> None:
        self.pause(0.5)


def _fingers_excepted(ctx: StepContext) -> dict[Finger, BiometricException]:
    return {e.finger: e for e in ctx.exceptions if e.kind == "finger"}


def _eyes_excepted(ctx: StepContext) -> dict[Eye, BiometricException]:
    return {e.eye: e for e in ctx.exceptions if e.kind == "eye"}


def _exception_artefacts(kind: str, found: dict) -> list[NewArtefact]:
    return [
        NewArtefact(kind=kind, position=getattr(pos, "name", None) if kind == "finger" else pos.value, exception=exc,
                    attempts=0)
        for pos, exc in sorted(found.items(), key=lambda kv: str(kv[0]))
    ]


# 1 — Menyerahkan berkas permohonan (Pemohon)
def hand_in_documents(ctx: StepContext) -> StepResult:
    docs = ctx.options.get("documents") or ["Surat Panggilan", "Fotokopi KK"]
    ctx.half_pause()
    return StepResult(detail={"berkas": docs})


# 2 — Memanggil Wajib KTP untuk dilakukan perekaman (Surat Panggilan)
def summons(ctx: StepContext) -> StepResult:
    letter = ctx.options.get("letter")
    ctx.half_pause()
    return StepResult(detail={"surat_panggilan": letter or "datang tanpa surat panggilan"})


# 3 — Menunggu panggilan dengan nomor antrian
def wait_with_ticket(ctx: StepContext) -> StepResult:
    number = ctx.options.get("ticket") or ctx.ticket_number()
    ctx.options["ticket"] = number
    ctx.half_pause()
    return StepResult(detail={"nomor_antrian": number})


# 4 — Memanggil wajib KTP untuk verifikasi data penduduk (queue display)
def call_for_verification(ctx: StepContext) -> StepResult:
    number = ctx.options.get("ticket") or "-"
    counter = ctx.options.get("counter") or "Perekaman"
    ctx.devices.queue_display.show_call(Call(number=number, counter=counter, service="EKTP"))
    ctx.half_pause()
    return StepResult(detail={"nomor_antrian": number, "loket": counter})


# 4.1 — Memverifikasi biodata penduduk (against the population records)
def verify_biodata(ctx: StepContext) -> StepResult:
    from ektp_station.nik import check_nik, eligibility

    resident = ctx.resident
    ctx.half_pause()
    if resident is None:
        return StepResult(outcome=Outcome.REJECTED, reject_reason="NIK tidak terdaftar di data penduduk",
                          detail={"terdaftar": False})
    result = check_nik(resident.nik, sex=resident.jenis_kelamin, birth_date=resident.tanggal_lahir, today=ctx.today)
    if not result.valid:
        return StepResult(outcome=Outcome.REJECTED, reject_reason=f"Biodata tidak cocok: {result.reason}",
                          detail={"terdaftar": True, "nik": result.to_json()})
    elig = eligibility(resident.tanggal_lahir, resident.status_kawin, ctx.today)
    detail = {
        "terdaftar": True,
        "desa": resident.desa,
        "peringatan": list(result.warnings),
        "usia": elig.age,
        "wajib_ktp": elig.wajib_ktp,
        "pra_perekaman": elig.pre_recording,
        "latar_foto": checks.expected_background(resident.tanggal_lahir.year),
    }
    if not (elig.wajib_ktp or elig.pre_recording):
        return StepResult(outcome=Outcome.REJECTED, reject_reason=f"Belum wajib KTP: {elig.reason}", detail=detail)
    return StepResult(detail=detail)


# 4.2 — Perekaman pas photo
def photo(ctx: StepContext) -> StepResult:
    birth_year = ctx.resident.tanggal_lahir.year
    camera = ctx.devices.camera
    verdicts = []

    def attempt(_n: int):
        ctx.half_pause()
        still = camera.still()
        verdict = checks.photo_verdict(still.image, birth_year)
        verdicts.append(verdict)
        if not verdict.passed:
            ctx.emit({"event": "hint", "step": "4.2", "hints": verdict.hints()})
        return (still, verdict), verdict.score

    best = best_of(attempt, max_attempts=ctx.max_attempts, min_quality=100.0, what="Foto")
    still, kept = best.value
    background = checks.expected_background(birth_year)
    arts = [NewArtefact(kind="photo", data=encode_png(still.image), quality=best.quality,
                        attempts=best.attempts, forced=best.forced,
                        meta={"width": still.width, "height": still.height, "latar": background})]
    # The card's portrait: the ISO/IEC 19794-5 token crop (eyes levelled and placed) of the still that was kept.
    token = kept.extra.get("token")
    if token is not None:
        arts.append(NewArtefact(kind="photo_token", data=encode_png(token), quality=best.quality,
                                attempts=best.attempts, forced=best.forced,
                                meta={"width": int(token.shape[1]), "height": int(token.shape[0]), "latar": background}))
    return StepResult(outcome=Outcome.FORCED if best.forced else Outcome.OK, attempts=best.attempts,
                      detail={"kualitas": best.quality, "pemeriksaan": verdicts[-1].to_json(),
                              "potret_token": token is not None}, artefacts=arts)


# 4.3 — Perekaman tanda tangan (signature pad)
def signature(ctx: StepContext) -> StepResult:
    pad = ctx.devices.signature_pad
    caps = pad.capabilities()

    def attempt(_n: int):
        ctx.half_pause()
        events = pad.capture()
        verdict = checks.signature_verdict(events, caps)
        if not verdict.passed:
            ctx.emit({"event": "hint", "step": "4.3", "hints": verdict.hints()})
        return events, verdict.score

    best = best_of(attempt, max_attempts=ctx.max_attempts, min_quality=100.0, what="Tanda tangan")
    events = best.value
    pen = [[round(e.t - events[0].t, 4), e.x, e.y, e.pressure, int(e.touching)] for e in events]
    strokes = checks.count_strokes(events)
    arts = [
        NewArtefact(kind="signature", data=encode_png(signature_image(events, caps)), quality=best.quality,
                    attempts=best.attempts, forced=best.forced, meta={"points": len(events), "strokes": strokes}),
        NewArtefact(kind="signature_pen", data=json.dumps({"caps": [caps.max_x, caps.max_y, caps.max_pressure],
                                                           "events": pen}).encode(),
                    attempts=best.attempts, forced=best.forced),
    ]
    return StepResult(outcome=Outcome.FORCED if best.forced else Outcome.OK, attempts=best.attempts,
                      detail={"titik": len(events), "goresan": strokes}, artefacts=arts)


# 4.4 — Perekaman sidik jari (ten prints: 4-4-2 slaps, or finger by finger on a single-finger sensor)
def fingerprints(ctx: StepContext) -> StepResult:
    scanner = ctx.devices.fingerprint
    excepted = _fingers_excepted(ctx)
    min_q = ctx.config.finger_quality_min
    arts: list[NewArtefact] = []
    attempts_total = 0
    forced_any = False
    sequence = None
    if scanner.supports_slaps:
        slap_fingers: dict = {}
        for slap in (Slap.RIGHT_FOUR, Slap.LEFT_FOUR, Slap.TWO_THUMBS):
            expected = set(slap.fingers) - set(excepted)
            if not expected:
                continue
            slap_images: list[np.ndarray] = []

            def attempt(_n: int, slap=slap, expected=expected, slap_images=slap_images):
                ctx.half_pause()
                image = scanner.capture_slap(slap, expected)
                slap_images.append(image.image)
                slap_fingers[slap] = (image.image, image.fingers)
                return {f.finger: (f, _finger_quality(f)) for f in image.fingers}

            best = best_per_part(attempt, expected, max_attempts=ctx.max_attempts, min_quality=min_q,
                                 what=f"Slap {slap.name}")
            attempts_total += max(b.attempts for b in best.values())
            for finger, item in sorted(best.items()):
                forced_any |= item.forced
                arts.append(_finger_artefact(finger, item, source=slap.name))
            arts.append(NewArtefact(kind="slap", position=slap.name, data=encode_png(slap_images[-1]),
                                    attempts=len(slap_images)))
        sequence = checks.slap_sequence_verdict(slap_fingers)
        if not sequence.passed:
            from ektp_station.errors import RecordingError

            ctx.emit({"event": "hint", "step": "4.4", "hints": sequence.hints()})
            raise RecordingError("; ".join(sequence.hints()))
    else:
        single_images: dict = {}
        for finger in Finger:
            if finger in excepted:
                continue

            def attempt(_n: int, finger=finger):
                ctx.half_pause()
                image = scanner.capture_finger(finger)
                return image, _finger_quality(image)

            item = best_of(attempt, max_attempts=ctx.max_attempts, min_quality=min_q, what=f"Jari {finger.name}")
            attempts_total += item.attempts
            forced_any |= item.forced
            arts.append(_finger_artefact(finger, item, source="single"))
            single_images[finger] = item.value.image
        sequence = checks.finger_sequence_verdict(single_images)
        if not sequence.passed:
            from ektp_station.errors import RecordingError

            ctx.emit({"event": "hint", "step": "4.4", "hints": sequence.hints()})
            raise RecordingError("; ".join(sequence.hints()))
    arts.extend(_exception_artefacts("finger", excepted))
    outcome = Outcome.FORCED if forced_any else (Outcome.EXCEPTION if excepted else Outcome.OK)
    captured = sorted(a.position for a in arts if a.kind == "finger" and a.exception is None)
    detail = {"terekam": len(captured), "pengecualian": [e.to_json() for e in excepted.values()],
              "metode": "4-4-2" if scanner.supports_slaps else "satu per satu"}
    if sequence is not None:
        detail["urutan"] = sequence.to_json()
    return StepResult(outcome=outcome, attempts=attempts_total, artefacts=arts, detail=detail)


def _finger_quality(image) -> float:
    # The station's own NFIQ 2 style score (0..100): one scale whatever scanner is configured.
    return checks.finger_quality(image.image)


def _finger_artefact(finger: Finger, item, source: str) -> NewArtefact:
    return NewArtefact(kind="finger", position=finger.name, data=encode_png(item.value.image),
                       quality=round(item.quality, 1), attempts=item.attempts, forced=item.forced,
                       meta={"source": source})


# 4.5 — Perekaman iris mata
def iris(ctx: StepContext) -> StepResult:
    camera = ctx.devices.iris
    excepted = _eyes_excepted(ctx)
    expected = {Eye.LEFT, Eye.RIGHT} - set(excepted)
    arts: list[NewArtefact] = []
    attempts = 0
    forced = False
    if expected:
        def attempt(_n: int):
            ctx.half_pause()
            images = camera.capture(expected)
            return {eye: (img, checks.iris_quality_score(img.image)) for eye, img in images.items()}

        best = best_per_part(attempt, expected, max_attempts=ctx.max_attempts, min_quality=40.0, what="Iris")
        for eye, item in sorted(best.items(), key=lambda kv: kv[0].value):
            forced |= item.forced
            attempts = max(attempts, item.attempts)
            arts.append(NewArtefact(kind="iris", position=eye.value, data=encode_png(item.value.image),
                                    quality=round(item.quality, 1), attempts=item.attempts, forced=item.forced))
    arts.extend(_exception_artefacts("iris", excepted))
    outcome = Outcome.FORCED if forced else (Outcome.EXCEPTION if excepted else Outcome.OK)
    return StepResult(outcome=outcome, attempts=max(attempts, 1), artefacts=arts,
                      detail={"terekam": len(expected), "pengecualian": [e.to_json() for e in excepted.values()]})


# 4.6 — Verifikasi sidik jari telunjuk (against the index prints just captured)
def verify_index_finger(ctx: StepContext) -> StepResult:
    from biometrics.fingerprint_match import compare, extract

    excepted = _fingers_excepted(ctx)
    candidates = [f for f in (Finger.R_INDEX, Finger.L_INDEX) if f not in excepted]
    if not candidates:
        # Both index fingers missing: the card readers verify with an index finger, so note the exception.
        return StepResult(outcome=Outcome.EXCEPTION, attempts=0,
                          detail={"hasil": "tidak dapat diverifikasi", "alasan": "kedua telunjuk dikecualikan"})
    finger = candidates[0]
    enrolled = extract(decode_png(ctx.load_artefact("finger", finger.name), grey=True))
    scanner = ctx.devices.fingerprint
    scores: list[float] = []
    threshold = ctx.config.verify_threshold
    for number in range(1, max(ctx.max_attempts, 1) + 1):
        ctx.half_pause()
        probe = scanner.capture_finger(finger)
        result = compare(enrolled, probe.image)
        limit = threshold if threshold is not None else result.threshold
        scores.append(round(result.score, 3))
        if result.score >= limit:
            return StepResult(attempts=number, artefacts=[
                NewArtefact(kind="verification", position=finger.name, quality=round(result.score, 3),
                            attempts=number, meta={"scores": scores, "threshold": limit})],
                detail={"hasil": "cocok", "jari": finger.name, "skor": scores, "ambang": limit})
        ctx.emit({"event": "hint", "step": "4.6", "hints": ["Sidik jari telunjuk tidak cocok, ulangi penempelan"]})
    from ektp_station.errors import RecordingError

    raise RecordingError(
        f"Verifikasi telunjuk {finger.name} gagal {len(scores)} kali (skor {scores}); ulangi perekaman sidik jari"
    )


# 4.6 — Persetujuan hasil verifikasi dan perekaman oleh Kasi (signature pad)
def kasi_approval(ctx: StepContext) -> StepResult:
    from ektp_station.nik import mask_nik

    pad = ctx.devices.signature_pad
    caps = pad.capabilities()
    kasi = ctx.options.get("kasi") or ctx.config.kasi
    shown = False
    if caps.has_screen:
        photo_img = decode_png(ctx.load_artefact("photo", None))
        lines = [
            f"NIK   : {mask_nik(ctx.nik)}",
            f"Nama  : {ctx.resident.nama[:28]}",
            f"Desa  : {ctx.resident.desa}",
            "[v] Biodata  [v] Foto  [v] Tanda tangan",
            "[v] 10 sidik jari  [v] Iris  [v] Telunjuk",
            f"Kasi  : {kasi[:28]}",
        ]
        pad.show(approval_summary(lines, photo_img, (caps.screen_width or 800, caps.screen_height or 480)))
        shown = True
    ctx.half_pause()
    events = pad.capture()
    verdict = checks.signature_verdict(events, caps)
    if not any(e.touching for e in events):
        from ektp_station.errors import RecordingError

        raise RecordingError("Persetujuan Kasi belum diberikan (tidak ada goresan di signature pad)")
    art = NewArtefact(kind="approval", data=encode_png(signature_image(events, caps)), quality=verdict.score,
                      meta={"approved_by": kasi})
    return StepResult(detail={"disetujui_oleh": kasi, "ringkasan_di_layar": shown,
                              "waktu": to_wib(utcnow()).isoformat(timespec="seconds")}, artefacts=[art])


# 4.7 — Penyerahan kembali Surat Panggilan (to collect the card later)
def hand_back_letter(ctx: StepContext) -> StepResult:
    ctx.half_pause()
    return StepResult(detail={"surat_panggilan_dikembalikan": True,
                              "surat_panggilan": ctx.options.get("letter") or "-"})


# 5 — Melaporkan hasil pemrosesan KTP ke Dispendukcapil (the record becomes BIO_CAPTURED)
def report(ctx: StepContext) -> StepResult:
    return StepResult(detail={"status": "BIO_CAPTURED", "dilaporkan_ke": "Dispendukcapil Kabupaten Malang"})


PLAN: list[tuple[str, str, Callable[[StepContext], StepResult]]] = [
    ("1", "berkas", hand_in_documents),
    ("2", "surat_panggilan", summons),
    ("3", "antrian", wait_with_ticket),
    ("4", "panggil_verifikasi", call_for_verification),
    ("4.1", "verifikasi_biodata", verify_biodata),
    ("4.2", "foto", photo),
    ("4.3", "tanda_tangan", signature),
    ("4.4", "sidik_jari", fingerprints),
    ("4.5", "iris", iris),
    ("4.6", "verifikasi_telunjuk", verify_index_finger),
    ("4.6", "persetujuan_kasi", kasi_approval),
    ("4.7", "serah_surat_panggilan", hand_back_letter),
    ("5", "laporan", report),
]
