"""The face checker on the synthetic portraits: good stills pass, each spoiled one fails for its reason with an
operator hint in Bahasa Indonesia; preview frames take the fast path; the token crop puts the eyes in place."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from biometrics import face_detect, face_quality
from biometrics.face_token import EYE_X, EYE_Y, crop_token, token_size
from biometrics.synth import face

KEYS = {"name", "passed", "value", "threshold", "hint"}


def _failed(result) -> set[str]:
    return {c["name"] for c in result.to_dict()["checks"] if not c["passed"]}


@pytest.mark.parametrize("seed, sex, birth_year", [(9501, "L", 1990), (9502, "P", 1991), (9503, "P", 2004),
                                                   (9504, "L", 2003)])
def test_good_stills_pass_every_check(seed, sex, birth_year):
    still = face.render(seed, birth_year, sex, size=face.STILL_SIZE)
    result = face_quality.check_still(still, birth_year)
    data = result.to_dict()
    assert data["passed"], _failed(result)
    assert all(set(c) == KEYS for c in data["checks"])
    names = {c["name"] for c in data["checks"]}
    assert {"single_face", "eye_distance", "horizontal_position", "vertical_position", "head_width", "head_height",
            "roll", "exposure", "sharpness", "background_uniform", "background_colour", "eyes_open"} <= names
    token = result.extra["token"]
    assert token.shape[:2] == token_size()


@pytest.mark.parametrize(
    "kind, reason, hint_word",
    [
        ("blur", "sharpness", "kabur"),
        ("dark", "exposure", "gelap"),
        ("bright", "exposure", "terang"),
        ("off_centre", "horizontal_position", "tengah"),
        ("two_faces", "single_face", "satu wajah"),
        ("wrong_background", "background_colour", "Latar harus biru"),
        ("small", "eye_distance", "Wajah terlalu kecil, minta pemohon mendekat"),
        ("tilted", "roll", "miring"),
        ("eyes_closed", "eyes_open", "Mata"),
    ],
)
def test_each_spoiled_still_fails_for_its_reason(kind, reason, hint_word):
    result = face_quality.check_still(face.spoiled(9501, 1990, kind), 1990)
    assert not result.passed
    failed = {c.name: c for c in result.failed()}
    assert reason in failed, (kind, sorted(failed))
    assert hint_word in failed[reason].hint


def test_background_rule_red_blue_orange():
    assert face_quality.expected_background(1991) == "red" and face_quality.expected_background(1990) == "blue"
    assert face_quality.expected_background(1990, foreigner=True) == "orange"
    odd = face.render(9505, 1991, size=face.STILL_SIZE)
    assert face_quality.check_still(odd, 1991).passed
    wrong = face_quality.check_still(odd, 1992)
    assert _failed(wrong) == {"background_colour"}
    assert "biru" in wrong.check("background_colour").threshold
    foreign = face.render(9505, 1991, size=face.STILL_SIZE, foreigner=True)
    assert face_quality.check_still(foreign, 1991, foreigner=True).passed
    assert _failed(face_quality.check_still(foreign, 1991)) == {"background_colour"}


def test_eyes_are_located_within_a_few_pixels():
    for seed, sex in ((9506, "L"), (9507, "P")):
        still = face.render(seed, 1990, sex, size=face.STILL_SIZE)
        lay = face.layout(seed, sex, face.STILL_SIZE)
        boxes = face_detect.detect(still)
        assert len(boxes) == 1
        eyes = face_detect.locate_eyes(still, boxes[0])
        assert np.hypot(*np.subtract(eyes.left, lay.left_eye)) < 4
        assert np.hypot(*np.subtract(eyes.right, lay.right_eye)) < 4
        assert abs(eyes.roll) < 1


def test_preview_frames_pass_the_fast_path_and_off_centre_ones_get_a_direction():
    for n in range(3):
        frame = face.render(9508, 1990, size=face.PREVIEW_SIZE, frame=n)
        result = face_quality.check_preview(frame, 1990)
        assert result.passed, _failed(result)
    shifted = np.roll(face.render(9508, 1990, size=face.PREVIEW_SIZE), 300, axis=1)
    result = face_quality.check_preview(shifted, 1990)
    check = result.check("horizontal_position")
    assert not check.passed and check.value > 0.55 and "kiri" in check.hint


def test_no_face_is_reported_and_nothing_else_is_guessed():
    cloth = np.empty((720, 1280, 3), np.uint8)
    cloth[:] = face.BACKGROUND_BGR["blue"]
    result = face_quality.check_preview(cloth, 1990)
    assert not result.passed
    single = result.check("single_face")
    assert single.value == 0 and "tidak terdeteksi" in single.hint
    assert "eye_distance" not in {c.name for c in result.checks}
    assert result.check("background_colour").passed  # the cloth itself is right


def test_token_crop_puts_the_eyes_at_the_iso_positions():
    still = face.render(9509, 1990, size=face.STILL_SIZE)
    lay = face.layout(9509, "L", face.STILL_SIZE)
    token = crop_token(still, lay.left_eye, lay.right_eye)
    height, width = token_size()
    assert token.shape == (height, width, 3)
    # The eyes of the token are where ISO/IEC 19794-5 puts them: find them again in the token.
    boxes = face_detect.detect(token)
    eyes = face_detect.locate_eyes(token, boxes[0])
    assert np.hypot(eyes.left[0] - EYE_X[0] * width, eyes.left[1] - EYE_Y * width) < 5
    assert np.hypot(eyes.right[0] - EYE_X[1] * width, eyes.right[1] - EYE_Y * width) < 5


def test_rejects_non_colour_input():
    with pytest.raises(ValueError):
        face_quality.check_still(np.zeros((100, 100), np.uint8), 1990)
    assert cv2.cvtColor(np.zeros((2, 2, 3), np.uint8), cv2.COLOR_BGR2GRAY).shape == (2, 2)
