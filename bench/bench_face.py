"""Face checker accuracy on a labelled synthetic set, and its speed on live preview frames, one core.

Labelled set: good stills of ``GOOD`` synthetic persons (both sexes, hijab or not, odd and even birth years)
and, for ``SPOILED`` persons, one still spoiled each way of ``biometrics.synth.face.SPOILS`` (blur, dark,
bright, off-centre, two faces, wrong background, too small, tilted, eyes closed). Reported as a confusion
matrix: good accepted / rejected, spoiled rejected / accepted, and which spoils slipped through.

Speed targets: the live preview check (``check_preview``) at least 60 frames/s at 1280 x 720 and 30 at
1920 x 1080 (one core, preview frames of the simulated camera); the full still check is reported beside.
"""

from __future__ import annotations

import statistics
import time


GOOD = 40
SPOILED = 12
FRAMES = 60


def run() -> list[dict]:
    from biometrics import face_quality
    from biometrics.synth import face

    good_ok = good_bad = 0
    rejected_good: list[str] = []
    for i in range(GOOD):
        seed, year, sex = 35_000 + i, 1980 + i, "LP"[i % 2]
        result = face_quality.check_still(face.render(seed, year, sex, size=face.STILL_SIZE), year)
        if result.passed:
            good_ok += 1
        else:
            good_bad += 1
            rejected_good.append(f"{seed}:{','.join(c.name for c in result.failed())}")
    caught = missed = 0
    slipped: dict[str, int] = {}
    for i in range(SPOILED):
        seed, year, sex = 36_000 + i, 1985 + i, "LP"[i % 2]
        for kind in face.SPOILS:
            if face_quality.check_still(face.spoiled(seed, year, kind, sex), year).passed:
                missed += 1
                slipped[kind] = slipped.get(kind, 0) + 1
            else:
                caught += 1
    rows = [{
        "name": "Face checker on labelled synthetic stills (1920x1080)",
        "median_s": None,
        "max_s": None,
        "runs": GOOD + SPOILED * len(face.SPOILS),
        "target": "good accepted, spoiled rejected",
        "met": good_bad == 0 and missed == 0,
        "note": (f"good: {good_ok} accepted, {good_bad} rejected"
                 f"{' ' + ';'.join(rejected_good) if rejected_good else ''}; "
                 f"spoiled ({', '.join(face.SPOILS)}): {caught} rejected, {missed} accepted"
                 + (f" ({', '.join(f'{k} {v}' for k, v in slipped.items())})" if slipped else "")),
    }]
    for size, fps in ((face.PREVIEW_SIZE, 60), ((1080, 1920), 30)):
        frames = [face.render(35_500 + n % 4, 1990, size=size, frame=n) for n in range(FRAMES)]
        times = []
        for frame in frames:
            t0 = time.perf_counter()
            face_quality.check_preview(frame, 1990)
            times.append(time.perf_counter() - t0)
        median = statistics.median(times)
        rows.append({
            "name": f"Face live preview check {size[1]}x{size[0]}",
            "median_s": median,
            "max_s": max(times),
            "runs": len(times),
            "target": f">= {fps} frames/s",
            "met": 1.0 / median >= fps,
            "note": f"{1.0 / median:.0f} frames/s",
        })
    stills = [face.render(35_600 + n, 1990, size=face.STILL_SIZE) for n in range(10)]
    times = []
    for still in stills:
        t0 = time.perf_counter()
        face_quality.check_still(still, 1990)
        times.append(time.perf_counter() - t0)
    rows.append({"name": "Face full still check 1920x1080", "median_s": statistics.median(times), "max_s": max(times),
                 "runs": len(times), "target": "(reported)", "met": True,
                 "note": "detection at 320 px, geometry, exposure, sharpness, eyes open, background, token crop"})
    return rows
