"""Sequence checks within one ten-print enrolment: the mistakes a quality score cannot see.

- **Same finger twice** (``distinct_fingers``): every pair of captured positions is compared with the 1:1
  matcher; a pair scoring at or above the match threshold means one finger (or one hand) was placed for two
  positions. For 4-4-2 slaps the pairs that matter are those across the two four-finger slaps (the same hand
  placed twice) and the two thumbs; ``slap_pairs`` lists them.
- **Slaps swapped** (``slap_hands``): the row of fingertips shows which hand lay on the platen (the little
  finger's tip is the lowest, at its end of the row; ``biometrics.slap.hand_of_four``): the right four-finger
  slap must show a right hand and the left one a left hand.

Both return the library's result shape with operator hints in Bahasa Indonesia.
"""

from __future__ import annotations

import itertools
from typing import Iterable, Mapping

from biometrics import fingerprint_match as fm
from biometrics.positions import FINGER_NAMES, SLAP_FINGERS, Finger, Slap
from biometrics.result import Result
from biometrics.slap import SlapSegmentation, hand_of_four


def slap_pairs(fingers: Iterable[Finger | int]) -> list[tuple[Finger, Finger]]:
    """Pairs worth comparing after a 4-4-2 capture: right-four x left-four, and the two thumbs."""
    present = {Finger(int(f)) for f in fingers}
    right = [f for f in SLAP_FINGERS[Slap.RIGHT_FOUR] if f in present]
    left = [f for f in SLAP_FINGERS[Slap.LEFT_FOUR] if f in present]
    pairs = [(a, b) for a in right for b in left]
    if Finger.R_THUMB in present and Finger.L_THUMB in present:
        pairs.append((Finger.R_THUMB, Finger.L_THUMB))
    return pairs


def distinct_fingers(
    templates: Mapping[Finger | int, fm.FingerprintFeatures],
    pairs: Iterable[tuple[Finger | int, Finger | int]] | None = None,
    threshold: float = fm.THRESHOLD,
) -> Result:
    """Fails when two different positions hold the same finger (``extra["scores"]`` lists every pair)."""
    temps = {Finger(int(k)): v for k, v in templates.items()}
    todo = list(pairs) if pairs is not None else list(itertools.combinations(sorted(temps), 2))
    scores = {}
    for a, b in todo:
        a, b = Finger(int(a)), Finger(int(b))
        if a in temps and b in temps and a != b:
            scores[(a, b)] = fm.score(temps[a], temps[b])
    r = Result(extra={"scores": scores})
    worst = max(scores.items(), key=lambda kv: kv[1], default=None)
    value = round(worst[1], 4) if worst else 0.0
    hint = "Semua jari berbeda"
    if worst and worst[1] >= threshold:
        a, b = worst[0]
        hint = (f"Sidik {FINGER_NAMES[a]} dan {FINGER_NAMES[b]} sama: jari yang sama ditempelkan dua kali, "
                f"ulangi perekaman {FINGER_NAMES[b]}")
    r.add("distinct_fingers", worst is None or worst[1] < threshold, value, f"< {threshold:g}", hint)
    return r


def slap_hands(segmentations: Mapping[Slap | int, SlapSegmentation]) -> Result:
    """Fails when a four-finger slap shows the other hand (left and right slaps swapped)."""
    r = Result()
    for slap, want, name, hint in (
        (Slap.RIGHT_FOUR, "right", "right_slap_hand", "Slap kanan berisi tangan kiri: slap kanan dan kiri "
         "tertukar, minta pemohon menempelkan empat jari tangan KANAN"),
        (Slap.LEFT_FOUR, "left", "left_slap_hand", "Slap kiri berisi tangan kanan: slap kanan dan kiri "
         "tertukar, minta pemohon menempelkan empat jari tangan KIRI"),
    ):
        seg = segmentations.get(slap) or segmentations.get(int(slap))
        if seg is None:
            continue
        got = hand_of_four(seg)
        r.add(name, got in (None, want), got or "tidak diketahui", want, hint)
    return r
