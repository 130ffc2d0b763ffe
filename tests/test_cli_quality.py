"""``ektp-station quality face|finger|iris IMAGE`` and ``ektp-station match finger|iris IMAGE_A IMAGE_B``: what a
technician sees, the JSON shapes and the exit codes (0 pass / match, 1 fail / no match, 2 unreadable image)."""

from __future__ import annotations

import json

import cv2
import pytest

from biometrics.synth import face, fingerprint, iris

CHECK_KEYS = {"name", "passed", "value", "threshold", "hint"}


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    files = {
        "face_1991": face.render(34_000, 1991, size=face.STILL_SIZE),
        "face_two": face.spoiled(34_000, 1991, "two_faces"),
        "finger_a": fingerprint.render_finger(34_001, 2, 0),
        "finger_b": fingerprint.render_finger(34_001, 2, 1),
        "finger_other": fingerprint.render_finger(34_002, 2, 0),
        "finger_wet": fingerprint.render_finger(34_003, 2, 0, poor=True),
        "iris_a": iris.render(34_004, "L", 0).image,
        "iris_b": iris.render(34_004, "L", 1).image,
        "iris_other": iris.render(34_005, "L", 0).image,
        "iris_blurred": iris.render(34_004, "L", 2, poor=True).image,
    }
    paths = {}
    for name, image in files.items():
        paths[name] = str(folder / f"{name}.png")
        cv2.imwrite(paths[name], image)
    paths["not_an_image"] = str(folder / "note.png")
    (folder / "note.png").write_text("bukan gambar")
    return paths


def test_quality_face_text_and_json(run_cli, images):
    code, out, err = run_cli("quality", "face", images["face_1991"], "--birth-year", "1991")
    assert (code, err) == (0, "")
    assert "Hasil: LULUS" in out and "eye_distance" in out
    code, out, _ = run_cli("quality", "face", images["face_1991"], "--birth-year", "1992", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["passed"] is False and all(set(c) == CHECK_KEYS for c in data["checks"])
    colour = next(c for c in data["checks"] if c["name"] == "background_colour")
    assert colour["value"] == "merah" and colour["threshold"] == "biru" and "Latar harus biru" in colour["hint"]
    code, out, _ = run_cli("quality", "face", images["face_two"], "--birth-year", "1991")
    assert code == 1 and "GAGAL single_face" in out and "Lebih dari satu wajah" in out


def test_quality_finger_and_iris(run_cli, images):
    code, out, _ = run_cli("quality", "finger", images["finger_a"], "--json")
    data = json.loads(out)
    assert code == 0 and data["passed"] and 40 <= data["quality"] <= 100
    code, out, _ = run_cli("quality", "finger", images["finger_wet"])
    assert code == 1 and "TIDAK LULUS" in out and "Kualitas:" in out
    code, out, _ = run_cli("quality", "iris", images["iris_a"], "--json")
    data = json.loads(out)
    assert code == 0 and data["passed"] and data["quality"] >= 60
    assert {c["name"] for c in data["checks"]} >= {"usable_iris_area", "iris_pupil_contrast", "sharpness"}
    code, out, _ = run_cli("quality", "iris", images["iris_blurred"])
    assert code == 1 and "GAGAL sharpness" in out


def test_match_finger_and_iris_json(run_cli, images):
    code, out, _ = run_cli("match", "finger", images["finger_a"], images["finger_b"], "--json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"score", "threshold", "match"} and data["match"] is True
    assert data["score"] >= data["threshold"]
    code, out, _ = run_cli("match", "finger", images["finger_a"], images["finger_other"], "--json")
    assert code == 1 and json.loads(out)["match"] is False
    code, out, _ = run_cli("match", "iris", images["iris_a"], images["iris_b"], "--json")
    data = json.loads(out)
    assert code == 0 and data["match"] is True and data["score"] <= data["threshold"]
    code, out, _ = run_cli("match", "iris", images["iris_a"], images["iris_other"])
    assert code == 1 and "TIDAK COCOK" in out


def test_unreadable_or_missing_images_are_one_line_errors(run_cli, images, tmp_path):
    code, out, err = run_cli("quality", "finger", images["not_an_image"])
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "bukan gambar" in err
    code, _, err = run_cli("match", "iris", images["iris_a"], str(tmp_path / "hilang.png"))
    assert code == 2 and "hilang.png" in err
