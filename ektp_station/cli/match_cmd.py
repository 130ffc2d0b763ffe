"""``ektp-station match finger|iris IMAGE_A IMAGE_B``: 1:1 comparison of two captures, for technicians.

Prints the score, the threshold and the decision, or with ``--json`` ``{"score", "threshold", "match"}``.
Fingerprints: a similarity 0..1 (higher = more alike), match when score >= threshold. Irises: the normalised
fractional Hamming distance of the iris codes (lower = more alike, about 0.45..0.5 for different eyes), match
when score <= threshold. Exit code 0 on a match, 1 on a non-match, 2 when an image cannot be read.
"""

from __future__ import annotations

from pathlib import Path

import click

from ektp_station.cli.common import emit_json
from ektp_station.cli.quality_cmd import read_image
from ektp_station.errors import StationError

_IMAGE = click.Path(exists=True, dir_okay=False, path_type=Path)
_JSON = click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")


def _report(score: float, threshold: float, matched: bool, as_json: bool, rule: str) -> None:
    if as_json:
        emit_json({"score": round(float(score), 4), "threshold": threshold, "match": bool(matched)})
    else:
        verdict = "COCOK" if matched else "TIDAK COCOK"
        click.echo(f"Skor {score:.4f} (ambang {threshold:g}, {rule}): {verdict}")
    if not matched:
        click.get_current_context().exit(1)


@click.group()
def match() -> None:
    """Pencocokan 1:1 dua gambar biometrik (untuk teknisi)."""


@match.command("finger")
@click.argument("image_a", type=_IMAGE)
@click.argument("image_b", type=_IMAGE)
@_JSON
def finger_cmd(image_a: Path, image_b: Path, as_json: bool) -> None:
    """Dua sidik jari 500 ppi dari jari yang sama? Skor kemiripan minutiae 0..1."""
    from biometrics import fingerprint_match

    a, b = (read_image(p, colour=False) for p in (image_a, image_b))
    for path, image in ((image_a, a), (image_b, b)):
        if min(image.shape) < 64:
            raise StationError(f"Gambar sidik jari terlalu kecil: {path}")
    result = fingerprint_match.compare(a, b)
    _report(result.score, result.threshold, result.match, as_json, "cocok bila skor >= ambang")


@match.command("iris")
@click.argument("image_a", type=_IMAGE)
@click.argument("image_b", type=_IMAGE)
@_JSON
def iris_cmd(image_a: Path, image_b: Path, as_json: bool) -> None:
    """Dua citra iris NIR dari mata yang sama? Skor = jarak Hamming kode iris (kecil = mirip)."""
    from biometrics import iris_code

    a, b = (read_image(p, colour=False) for p in (image_a, image_b))
    for path, image in ((image_a, a), (image_b, b)):
        if min(image.shape) < 64:
            raise StationError(f"Gambar iris terlalu kecil: {path}")
    result = iris_code.compare(a, b)
    _report(result.score, result.threshold, result.match, as_json, "cocok bila skor <= ambang")
