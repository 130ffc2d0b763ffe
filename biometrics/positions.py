"""Finger and slap position codes as ANSI/NIST-ITL and ISO/IEC 19794-4 number them.

The library keeps its own copy of these standard codes (it imports nothing of the station or the drivers);
they are plain ``IntEnum`` values, so the drivers' ``Finger``/``Slap`` members compare and hash equal to them
and every function here accepts either, or a bare int.
"""

from __future__ import annotations

import enum


class Finger(enum.IntEnum):
    R_THUMB = 1
    R_INDEX = 2
    R_MIDDLE = 3
    R_RING = 4
    R_LITTLE = 5
    L_THUMB = 6
    L_INDEX = 7
    L_MIDDLE = 8
    L_RING = 9
    L_LITTLE = 10

    @property
    def right_hand(self) -> bool:
        return self <= Finger.R_LITTLE


class Slap(enum.IntEnum):
    """Plain multi-finger positions of the 4-4-2 capture (ANSI/NIST FGP 13, 14, 15)."""

    RIGHT_FOUR = 13
    LEFT_FOUR = 14
    TWO_THUMBS = 15


#: Fingers of each slap (index to little finger; the thumbs left then right), as the drivers list them.
SLAP_FINGERS: dict[Slap, tuple[Finger, ...]] = {
    Slap.RIGHT_FOUR: (Finger.R_INDEX, Finger.R_MIDDLE, Finger.R_RING, Finger.R_LITTLE),
    Slap.LEFT_FOUR: (Finger.L_INDEX, Finger.L_MIDDLE, Finger.L_RING, Finger.L_LITTLE),
    Slap.TWO_THUMBS: (Finger.L_THUMB, Finger.R_THUMB),
}


def platen_order(slap: Slap | int) -> tuple[Finger, ...]:
    """The slap's fingers as they lie on the platen (palm down) from the image's left to its right: a right
    hand shows its index on the left and its little finger on the right, a left hand the reverse; the
    thumbs lie left thumb on the left."""
    slap = Slap(int(slap))
    fingers = SLAP_FINGERS[slap]
    return tuple(reversed(fingers)) if slap is Slap.LEFT_FOUR else fingers

#: Operator-facing names (Bahasa Indonesia).
FINGER_NAMES: dict[Finger, str] = {
    Finger.R_THUMB: "ibu jari kanan", Finger.R_INDEX: "telunjuk kanan", Finger.R_MIDDLE: "jari tengah kanan",
    Finger.R_RING: "jari manis kanan", Finger.R_LITTLE: "kelingking kanan", Finger.L_THUMB: "ibu jari kiri",
    Finger.L_INDEX: "telunjuk kiri", Finger.L_MIDDLE: "jari tengah kiri", Finger.L_RING: "jari manis kiri",
    Finger.L_LITTLE: "kelingking kiri",
}  # fmt: skip
SLAP_NAMES: dict[Slap, str] = {
    Slap.RIGHT_FOUR: "empat jari kanan", Slap.LEFT_FOUR: "empat jari kiri", Slap.TWO_THUMBS: "dua ibu jari",
}
