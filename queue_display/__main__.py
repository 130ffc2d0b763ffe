"""``python -m queue_display``: voice tools for setting up a display.

* ``clips FOLDER [--rate N]``: fill FOLDER with one espeak-ng WAV per word a call can use, a start for the
  ``clips`` voice (replace the files by recordings of a human voice, same names, one format).
* ``say NUMBER COUNTER --out FILE [--clips FOLDER]``: write one call (chime and words) to a WAV file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ektp_station.errors import StationError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Alat suara layar antrean."""


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--rate", default=140, show_default=True, help="Kecepatan espeak-ng (kata per menit).")
def clips(folder: Path, rate: int) -> None:
    """Buat rekaman per kata dengan espeak-ng di FOLDER."""
    from queue_display.voice.clips import make_clips
    from queue_display.voice.espeak import EspeakBackend

    written = make_clips(folder, EspeakBackend(rate=rate))
    click.echo(f"{len(written)} rekaman ditulis ke {folder}")


@main.command()
@click.argument("number")
@click.argument("counter", type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Berkas WAV.")
@click.option("--clips", "clips_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Pakai rekaman di folder ini (bawaan: espeak-ng).")
def say(number: str, counter: int, out: Path, clips_dir: Path | None) -> None:
    """Tulis panggilan NOMOR ke LOKET sebagai WAV."""
    from queue_display.voice.announcer import Announcer
    from queue_display.voice.clips import ClipsBackend
    from queue_display.voice.espeak import EspeakBackend
    from queue_display.voice.words import call_announcement

    backend = ClipsBackend(clips_dir) if clips_dir else EspeakBackend()
    announcement = call_announcement(number, counter)
    out.write_bytes(Announcer(backend).wav(announcement))
    click.echo(f"{announcement.text} → {out}")


def run(argv: list[str] | None = None) -> int:
    try:
        main.main(args=argv, prog_name="python -m queue_display", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except StationError as exc:
        click.echo(f"galat: {exc.message}", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(run())
