"""Signatures: the live checks (empty, too short, too small, a dot or a line, off the pad) with operator hints,
and the anti-aliased picture whose stroke width follows the pen pressure."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from biometrics import signature
from biometrics.synth import signature as synth

PAD = (synth.MAX_X, synth.MAX_Y)


def _failed(events) -> set[str]:
    return {c.name for c in signature.check(events, *PAD).failed()}


def test_a_real_signature_passes_and_reports_its_metrics():
    events = synth.signature_samples(33_000, name="Siti Aminah")
    result = signature.check(events, *PAD)
    assert result.passed
    m = result.extra["metrics"]
    assert 2 <= m.strokes <= 4 and m.points >= signature.MIN_POINTS and m.duration_s > 1.0
    assert m.width_share > 0.5 and 0 < m.shape and m.edge_share == 0
    assert [c["name"] for c in result.to_dict()["checks"]] == ["not_empty", "points", "duration", "size", "shape",
                                                               "inside_pad"]


def test_empty_pad_fails_with_the_empty_hint():
    result = signature.check([], *PAD)
    assert not result.passed
    assert result.check("not_empty").hint == "Tanda tangan kosong, minta pemohon menandatangani di pad"
    hover = [synth.PenSample(0.01 * i, 100 * i, 100, 0, False) for i in range(50)]
    assert "not_empty" in _failed(hover)


def test_hurried_scribble_is_too_short():
    events = synth.signature_samples(33_001)
    first_lift = next(i for i, s in enumerate(events) if not s.touching)
    assert {"duration", "points"} <= _failed(events[: min(first_lift, 14)])


def test_tiny_signature_is_too_small():
    events = synth.signature_samples(33_002)
    xs = [s.x for s in events]
    ys = [s.y for s in events]
    cx, cy = np.mean(xs), np.mean(ys)
    tiny = [replace(s, x=int(cx + (s.x - cx) * 0.2), y=int(cy + (s.y - cy) * 0.2)) for s in events]
    failed = signature.check(tiny, *PAD).failed()
    assert [c.name for c in failed] == ["size"]
    assert "lebih besar" in failed[0].hint


def test_a_straight_line_or_a_dot_is_not_a_signature():
    line = [synth.PenSample(i / 133, 1000 + 40 * i, 3000, 500, True) for i in range(200)]
    assert "shape" in _failed(line)
    dot = [synth.PenSample(i / 133, 5000, 3000, 500, True) for i in range(200)]
    assert {"shape", "size"} <= _failed(dot)


def test_strokes_pinned_at_the_pad_edge_are_reported():
    events = synth.signature_samples(33_003)
    off = [replace(s, x=synth.MAX_X) if s.touching and i % 3 == 0 else s for i, s in enumerate(events)]
    assert "inside_pad" in _failed(off)


def test_render_is_anti_aliased_and_width_follows_pressure():
    events = synth.signature_samples(33_004)
    image = signature.render(events, synth.MAX_PRESSURE)
    assert image.shape == (220, 600) and image.dtype == np.uint8
    assert image.min() < 60 and image.max() == 255
    assert ((image > 30) & (image < 225)).sum() > 0.3 * (image < 128).sum()  # grey edge pixels
    light = [replace(s, pressure=60 if s.touching else 0) for s in events]
    heavy = [replace(s, pressure=1000 if s.touching else 0) for s in events]
    ink_light = (255 - signature.render(light, synth.MAX_PRESSURE).astype(int)).sum()
    ink_heavy = (255 - signature.render(heavy, synth.MAX_PRESSURE).astype(int)).sum()
    assert ink_heavy > 1.8 * ink_light
    assert signature.render([], synth.MAX_PRESSURE).min() == 255
    assert len(signature.strokes(events)) == signature.metrics(events, *PAD).strokes
