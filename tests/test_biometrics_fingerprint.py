"""Fingerprints: NFIQ 2 style quality with causes, minutiae, the 1:1 matcher and its threshold, 4-4-2 slap
segmentation and the sequence checks of one enrolment, all on the synthetic generator."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from biometrics import enrolment, fingerprint_match as fm, fingerprint_quality as fq, minutiae, slap as slaps
from biometrics.fingerprint_features import FEATURE_NAMES, block_features, summary
from biometrics.positions import SLAP_FINGERS, Finger, Slap
from biometrics.synth import fingerprint as synth

PERSONS = range(31_000, 31_012)


@pytest.fixture(scope="module")
def templates():
    return {(p, k): fm.extract(synth.render_finger(p, Finger.R_INDEX, k)) for p in PERSONS for k in (0, 1)}


def test_quality_ranks_good_above_poor_on_nfiq2_scale():
    good = [fq.quality(synth.render_finger(p, 3, 0)) for p in range(31_100, 31_108)]
    poor = [fq.quality(synth.render_finger(p, 3, 0, poor=True)) for p in range(31_100, 31_108)]
    assert all(0 <= q <= 100 for q in good + poor)
    assert min(good) >= 60 and max(poor) < fq.ACCEPT
    assert fq.quality(np.full((400, 400), 230, np.uint8)) == 0.0


def test_quality_check_names_the_cause_in_the_operator_hint():
    wet = next(p for p in range(31_200, 31_260) if synth.impression_params(p, 2, 0, True).condition == "wet")
    dry = next(p for p in range(31_200, 31_260) if synth.impression_params(p, 2, 0, True).condition == "dry")
    wet_result = fq.check(synth.render_finger(wet, 2, 0, poor=True))
    assert not wet_result.passed
    assert any("basah" in h for h in wet_result.hints())
    dry_result = fq.check(synth.render_finger(dry, 2, 0, poor=True))
    assert not dry_result.passed and not dry_result.check("quality").passed
    good = fq.check(synth.render_finger(31_200, 2, 0))
    assert good.passed and good.extra["quality"] >= fq.ACCEPT
    names = [c["name"] for c in good.to_dict()["checks"]]
    assert names == ["foreground", "contrast", "clarity", "continuity", "quality"]


def test_partial_contact_scores_lower_than_a_full_print():
    full = synth.render_finger(31_300, 2, 0)
    half = full.copy()
    half[:, 200:] = int(np.median(full[:5]))  # the right half of the pad did not touch
    assert fq.assess(half).area < fq.assess(full).area
    assert fq.quality(half) < fq.quality(full)


def test_quality_gate_keeps_poor_captures_below_acceptance_whatever_the_estimate():
    for p in range(31_110, 31_116):
        good = fq.assess(synth.render_finger(p, 2, 0))
        poor = fq.assess(synth.render_finger(p, 2, 0, poor=True))
        assert good.gate == 1.0 and good.score == round(good.estimate, 1)
        assert poor.gate < 0.5 and poor.score == round(poor.estimate * poor.gate, 1) < fq.ACCEPT
        assert 0 <= poor.estimate <= 100


def test_quality_model_inputs_match_the_calibrated_weights_and_seeds_are_held_out():
    from biometrics import fingerprint_quality_model as model

    inputs = fq.inputs(synth.render_finger(31_120, 2, 0))
    assert set(inputs) == set(model.NAMES)
    assert len(model.MEAN) == len(model.SCALE) == len(model.WEIGHTS) == len(model.NAMES)
    assert fq.inputs(np.full((400, 400), 230, np.uint8)) is None
    first, end = model.CALIBRATION_SEEDS
    for used in (PERSONS, range(31_100, 31_800), range(20_000, 20_050), range(9_000, 10_000)):
        assert end <= used[0] or used[-1] < first  # tests and bench/bench_fingerprint.py persons


def test_thinning_equals_plain_zhang_suen():
    from biometrics.ridge import analyse

    analysis = analyse(synth.render_finger(31_303, 7, 0))
    binary = ((minutiae.enhance(analysis, minutiae.NOMINAL_PERIOD) < 0) & (analysis.mask > 0)).astype(np.uint8)
    plain = binary.copy()
    weights = np.array([1 << bit for bit in range(8)], np.int64)
    while True:  # every pixel, every sub-iteration, until nothing changes
        changed = False
        for table in (minutiae._ZS_FIRST, minutiae._ZS_SECOND):
            padded = np.pad(plain, 1)
            h, w = plain.shape
            ring = np.stack([padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy, dx in minutiae._NEIGHBOURS])
            code = np.tensordot(weights, ring.astype(np.int64), axes=1)
            delete = table[code] & (plain == 1)
            plain[delete] = 0
            changed |= bool(delete.any())
        if not changed:
            break
    assert np.array_equal(minutiae.thin(binary), plain)


def test_nfiq2_style_features_summary():
    feats = block_features(synth.render_finger(31_301, 2, 0))
    assert feats.blocks > 40
    values = summary(feats)
    for name in FEATURE_NAMES:
        assert 0.0 <= values[f"{name}_mean"] <= 1.5
        assert abs(sum(values[f"{name}_bin10_{i}"] for i in range(10)) - 1.0) < 1e-6
    assert 7.0 <= float(np.median(feats.ridge_period)) <= 12.0  # about 9 px at 500 ppi
    assert values["fda_mean"] > 0.3 and values["lcs_mean"] > 0.7 and values["ocl_mean"] > 0.8


def test_minutiae_lie_on_the_print_away_from_its_edge():
    image = synth.render_finger(31_302, 2, 0)
    m = minutiae.extract(image)
    assert 25 <= len(m) <= minutiae.MAX_MINUTIAE
    assert set(np.unique(m.kind)) <= {minutiae.ENDING, minutiae.BIFURCATION}
    assert m.mask[m.y.astype(int), m.x.astype(int)].all()
    assert np.all((m.angle >= 0) & (m.angle < 2 * np.pi))
    # Thinning leaves one-pixel ridges.
    skeleton = m.skeleton.astype(np.uint8)
    blocks = skeleton[:-1, :-1] & skeleton[1:, :-1] & skeleton[:-1, 1:] & skeleton[1:, 1:]
    assert blocks.sum() == 0


def test_same_finger_matches_and_different_fingers_do_not(templates):
    genuine = [fm.score(templates[(p, 0)], templates[(p, 1)]) for p in PERSONS]
    impostor = [fm.score(templates[(a, 0)], templates[(b, 1)]) for a, b in itertools.permutations(PERSONS, 2)]
    assert min(genuine) >= fm.THRESHOLD
    assert max(impostor) < fm.THRESHOLD
    assert np.median(genuine) > 2 * np.median(impostor)


def test_compare_takes_images_and_reports_score_threshold_match():
    a, b = synth.render_finger(31_400, 7, 0), synth.render_finger(31_400, 7, 1)
    result = fm.compare(a, b)
    assert result.match and result.threshold == fm.THRESHOLD and 0 < result.score <= 1
    assert result.to_dict() == {"score": round(result.score, 4), "threshold": fm.THRESHOLD, "match": True}
    blank = np.full((400, 400), 235, np.uint8)
    assert fm.compare(a, blank) == fm.MatchResult(0.0, fm.THRESHOLD, False)


def test_flat_capture_matches_its_finger_cut_from_a_slap():
    capture = synth.render_slap(31_401, Slap.RIGHT_FOUR, impression=1)
    seg = slaps.segment(capture.image, Slap.RIGHT_FOUR)
    flat = fm.extract(synth.render_finger(31_401, Finger.R_INDEX, 5))
    assert fm.compare(flat, seg.crop(capture.image, Finger.R_INDEX)).match
    assert not fm.compare(flat, seg.crop(capture.image, Finger.R_MIDDLE)).match


@pytest.mark.parametrize("slap", list(Slap))
def test_slap_segmentation_finds_each_fingertip_at_its_position(slap):
    capture = synth.render_slap(31_500, slap)
    seg = slaps.segment(capture.image, slap)
    assert set(seg.boxes) == set(SLAP_FINGERS[slap])
    for finger, (x, y, w, h) in seg.boxes.items():
        tx, ty, tw, th = capture.boxes[finger]
        ix = max(0, min(x + w, tx + tw) - max(x, tx))
        iy = max(0, min(y + h, ty + th) - max(y, ty))
        assert ix * iy / (w * h + tw * th - ix * iy) > 0.75


def test_slap_with_a_missing_finger_keeps_the_others_in_place():
    present = {Finger.L_INDEX, Finger.L_MIDDLE, Finger.L_LITTLE}
    capture = synth.render_slap(31_501, Slap.LEFT_FOUR, present)
    seg = slaps.segment(capture.image, Slap.LEFT_FOUR, expected=3)
    assert set(seg.boxes) == present
    for finger in present:
        x, y, w, h = seg.boxes[finger]
        tx, ty, tw, th = capture.boxes[finger]
        assert abs((x + w / 2) - (tx + tw / 2)) < 40


def test_enrolment_sequence_checks():
    caps = {s: synth.render_slap(31_600, s, impression=1) for s in Slap}
    segs = {s: slaps.segment(caps[s].image, s) for s in Slap}
    assert enrolment.slap_hands(segs).passed
    # Left and right slaps swapped.
    swapped = {Slap.RIGHT_FOUR: slaps.segment(caps[Slap.LEFT_FOUR].image, Slap.RIGHT_FOUR),
               Slap.LEFT_FOUR: slaps.segment(caps[Slap.RIGHT_FOUR].image, Slap.LEFT_FOUR)}
    result = enrolment.slap_hands(swapped)
    assert not result.passed and any("tertukar" in h for h in result.hints())
    # The right hand placed again for the left slap: a right hand on the left slap, and fingers that match.
    again = synth.render_slap(31_600, Slap.RIGHT_FOUR, impression=2)
    seg_again = slaps.segment(again.image, Slap.LEFT_FOUR)
    assert not enrolment.slap_hands({Slap.RIGHT_FOUR: segs[Slap.RIGHT_FOUR], Slap.LEFT_FOUR: seg_again}).passed
    temps = {f: fm.extract(segs[Slap.RIGHT_FOUR].crop(caps[Slap.RIGHT_FOUR].image, f))
             for f in SLAP_FINGERS[Slap.RIGHT_FOUR]}
    honest = dict(temps)
    honest.update({f: fm.extract(segs[Slap.LEFT_FOUR].crop(caps[Slap.LEFT_FOUR].image, f))
                   for f in SLAP_FINGERS[Slap.LEFT_FOUR]})
    assert enrolment.distinct_fingers(honest, enrolment.slap_pairs(honest)).passed
    twice = dict(temps)
    twice.update({f: fm.extract(seg_again.crop(again.image, f)) for f in SLAP_FINGERS[Slap.LEFT_FOUR]})
    result = enrolment.distinct_fingers(twice, enrolment.slap_pairs(twice))
    assert not result.passed
    assert "ditempelkan dua kali" in result.hints()[0]


def test_station_sequence_verdicts_catch_swapped_slaps_and_a_finger_placed_twice():
    from drivers.interfaces import Finger as DriverFinger
    from drivers.interfaces import FingerImage
    from ektp_station.recording import checks

    def fingers_of(capture, labels):
        return tuple(FingerImage(DriverFinger(int(f)), np.zeros((1, 1), np.uint8), None, box)
                     for f, box in zip(labels, capture.boxes.values()))

    right = synth.render_slap(31_700, Slap.RIGHT_FOUR)
    left = synth.render_slap(31_700, Slap.LEFT_FOUR)
    honest = {Slap.RIGHT_FOUR: fingers_of(right, right.boxes), Slap.LEFT_FOUR: fingers_of(left, left.boxes)}
    assert checks.slap_sequence_verdict(honest).passed
    swapped = {Slap.RIGHT_FOUR: fingers_of(left, SLAP_FINGERS[Slap.RIGHT_FOUR]),
               Slap.LEFT_FOUR: fingers_of(right, SLAP_FINGERS[Slap.LEFT_FOUR])}
    verdict = checks.slap_sequence_verdict(swapped)
    assert not verdict.passed and all("tertukar" in h for h in verdict.hints())
    # A scanner that returns only the platen image (no fingertip boxes): the station segments it itself.
    unboxed = lambda capture, labels: (capture.image, tuple(  # noqa: E731
        FingerImage(DriverFinger(int(f)), np.zeros((1, 1), np.uint8), None, None) for f in labels))
    assert checks.slap_sequence_verdict({Slap.RIGHT_FOUR: unboxed(right, SLAP_FINGERS[Slap.RIGHT_FOUR]),
                                         Slap.LEFT_FOUR: unboxed(left, SLAP_FINGERS[Slap.LEFT_FOUR])}).passed
    verdict = checks.slap_sequence_verdict({Slap.RIGHT_FOUR: unboxed(left, SLAP_FINGERS[Slap.RIGHT_FOUR]),
                                            Slap.LEFT_FOUR: unboxed(right, SLAP_FINGERS[Slap.LEFT_FOUR])})
    assert not verdict.passed and all("tertukar" in h for h in verdict.hints())
    segmentation = checks.slap_segmentation(Slap.RIGHT_FOUR, unboxed(right, SLAP_FINGERS[Slap.RIGHT_FOUR])[1],
                                            right.image)
    assert set(segmentation.boxes) == set(SLAP_FINGERS[Slap.RIGHT_FOUR])

    order = [Finger.R_THUMB, Finger.R_INDEX, Finger.R_MIDDLE, Finger.L_THUMB, Finger.L_INDEX]
    images = {f: synth.render_finger(31_701, f, 0) for f in order}
    assert checks.finger_sequence_verdict(images).passed
    images[Finger.R_MIDDLE] = synth.render_finger(31_701, Finger.R_INDEX, 1)  # the index left on the sensor
    verdict = checks.finger_sequence_verdict(images)
    assert not verdict.passed and "jari tengah kanan" in verdict.hints()[0]
