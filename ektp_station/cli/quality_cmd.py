"""``ektp-station quality face|finger|iris IMAGE``: the capture checks of the biometric library, for technicians.

Prints each check (value, rule and, when it fails, the operator hint) or, with ``--json``, the library's result
``{"passed", "checks": [{"name", "passed", "value", "threshold", "hint"}]}`` (finger and iris add ``quality``,
0..100). Exit code 0 when every check passes, 1 when one fails, 2 when the image cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ektp_station.cli.common import emit_json
from ektp_station.errors import StationError

if TYPE_CHECKING:  # imported when a command runs: OpenCV and numpy cost ~0.1 s at every start-up
    import numpy as np

    from biometrics.result import Result


def read_image(path: Path, colour: bool) -> np.ndarray:
    """An image file as BGR (``colour``) or greyscale uint8; a one-line error when it cannot be read."""
    import cv2
    import numpy as np

    try:
        data = np.fromfile(str(path), np.uint8)
    except OSError as exc:
        raise StationError(f"Gambar tidak dapat dibaca: {path} ({exc.strerror})") from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None:
        raise StationError(f"Berkas bukan gambar yang dikenali (PNG, JPEG, BMP, TIFF): {path}")
    return image


def _value(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _report(result: Result, as_json: bool, quality: float | None = None) -> None:
    data = result.to_dict()
    if quality is not None:
        data = {"passed": data["passed"], "quality": quality, "checks": data["checks"]}
    if as_json:
        emit_json(data)
    else:
        width = max((len(c["name"]) for c in data["checks"]), default=0)
        for c in data["checks"]:
            mark = "OK   " if c["passed"] else "GAGAL"
            line = f"{mark} {c['name']:<{width}}  {_value(c['value'])} (syarat {c['threshold']})"
            if not c["passed"]:
                line += f": {c['hint']}"
            click.echo(line)
        if quality is not None:
            click.echo(f"Kualitas: {quality:g} / 100")
        click.echo("Hasil: LULUS" if data["passed"] else "Hasil: TIDAK LULUS")
    if not data["passed"]:
        click.get_current_context().exit(1)


_IMAGE = click.Path(exists=True, dir_okay=False, path_type=Path)
_JSON = click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")


@click.group()
def quality() -> None:
    """Pemeriksaan kualitas biometrik sebuah gambar (untuk teknisi)."""


@quality.command("face")
@click.argument("image", type=_IMAGE)
@click.option("--birth-year", type=click.IntRange(1900, 2100), help="Tahun lahir: latar merah (ganjil) / biru (genap).")
@click.option("--foreigner", is_flag=True, help="Pemohon WNA: latar oranye.")
@click.option("--preview", is_flag=True, help="Pemeriksaan cepat seperti pratinjau langsung (tanpa pemeriksaan penuh).")
@_JSON
def face_cmd(image: Path, birth_year: int | None, foreigner: bool, preview: bool, as_json: bool) -> None:
    """Foto wajah: satu wajah, geometri ISO/IEC 19794-5, kemiringan, pencahayaan, ketajaman, latar."""
    from biometrics import face_quality
    from biometrics.face_detect import DetectorUnavailable

    frame = read_image(image, colour=True)
    check = face_quality.check_preview if preview else face_quality.check_still
    try:
        result = check(frame, birth_year, foreigner)
    except DetectorUnavailable as exc:
        raise StationError(f"Pendeteksi wajah tidak tersedia: {exc}") from None
    _report(result, as_json)


@quality.command("finger")
@click.argument("image", type=_IMAGE)
@click.option("--min-quality", type=click.FloatRange(0, 100), default=40.0, show_default=True,
              help="Nilai kualitas minimum (skala NFIQ 2, 0..100).")
@_JSON
def finger_cmd(image: Path, min_quality: float, as_json: bool) -> None:
    """Sidik jari 500 ppi: kualitas bergaya NFIQ 2 (0..100) dan penyebabnya."""
    from biometrics import fingerprint_quality

    grey = read_image(image, colour=False)
    if min(grey.shape) < 64:
        raise StationError(f"Gambar sidik jari terlalu kecil: {grey.shape[1]}x{grey.shape[0]} piksel")
    result = fingerprint_quality.check(grey, min_quality)
    _report(result, as_json, quality=result.extra["quality"])


@quality.command("iris")
@click.argument("image", type=_IMAGE)
@click.option("--min-quality", type=click.FloatRange(0, 100), default=40.0, show_default=True,
              help="Nilai kualitas minimum (0..100).")
@_JSON
def iris_cmd(image: Path, min_quality: float, as_json: bool) -> None:
    """Iris NIR: metrik ISO/IEC 29794-6 (area iris terpakai, kontras, rasio pupil, ketajaman, ...)."""
    from biometrics import iris_quality

    grey = read_image(image, colour=False)
    if min(grey.shape) < 64:
        raise StationError(f"Gambar iris terlalu kecil: {grey.shape[1]}x{grey.shape[0]} piksel")
    result = iris_quality.check(grey, min_quality)
    _report(result, as_json, quality=result.extra["quality"])
